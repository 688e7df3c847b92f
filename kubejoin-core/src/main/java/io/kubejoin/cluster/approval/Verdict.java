package io.kubejoin.cluster.approval;

/** What the approver does with one CertificateSigningRequest. */
public enum Verdict {
    /** Add an Approved condition: the signer will issue the certificate. */
    APPROVE,
    /** Add a Denied condition with the reason: nobody should issue this certificate. */
    DENY,
    /** Not kubejoin's to decide: leave it pending for another approver or a person. */
    IGNORE
}
