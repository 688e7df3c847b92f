package io.kubejoin.cluster.approval;

/**
 * Every rule {@link CsrPolicy} applies, with the verdict it leads to. Operators see the message of a
 * {@link CsrDecision}; tests and logs use these codes.
 */
public enum Rule {
    // --- not ours: left pending (another approver or a person may own it) ---
    /** The CSR already carries Approved, Denied or Failed, or already has a certificate. */
    ALREADY_DECIDED(Verdict.IGNORE),
    /** A signer other than kube-apiserver-client-kubelet and kubelet-serving. */
    UNHANDLED_SIGNER(Verdict.IGNORE),
    /** The requester is neither system:node:&lt;name&gt; nor system:bootstrap:&lt;id&gt; (e.g. an admin). */
    FOREIGN_REQUESTER(Verdict.IGNORE),
    /** A bootstrap token without a kubejoin.io/node label: kubeadm's or another tool's. */
    FOREIGN_TOKEN(Verdict.IGNORE),
    /** The node is not in this inventory (another inventory or tool may manage it). */
    NODE_NOT_IN_INVENTORY(Verdict.IGNORE),

    // --- forged or malformed: denied ---
    BOOTSTRAP_GROUP_MISSING(Verdict.DENY),
    NODE_GROUP_MISSING(Verdict.DENY),
    BOOTSTRAP_SERVING(Verdict.DENY),
    MALFORMED_REQUEST(Verdict.DENY),
    BAD_SIGNATURE(Verdict.DENY),
    SIGNATURE_ALGORITHM(Verdict.DENY),
    KEY_TYPE(Verdict.DENY),
    SUBJECT(Verdict.DENY),
    TOKEN_NODE_MISMATCH(Verdict.DENY),
    REQUESTER_NODE_MISMATCH(Verdict.DENY),
    CLIENT_SAN(Verdict.DENY),
    SAN_TYPE(Verdict.DENY),
    NO_SAN(Verdict.DENY),
    DNS_SAN(Verdict.DENY),
    IP_SAN(Verdict.DENY),
    USAGES(Verdict.DENY),
    REQUEST_EXTENSION(Verdict.DENY),
    EXPIRATION(Verdict.DENY),
    /** The cluster's signer (of its release) would refuse the request and mark it Failed after approval. */
    SIGNER_WOULD_REFUSE(Verdict.DENY),

    // --- legitimate ---
    APPROVED(Verdict.APPROVE);

    private final Verdict verdict;

    Rule(Verdict verdict) {
        this.verdict = verdict;
    }

    public Verdict verdict() {
        return verdict;
    }
}
