/**
 * K11, CSR approval: approve only what is legitimate, where the article approved every pending CSR.
 *
 * <ul>
 *   <li>{@link io.kubejoin.cluster.approval.CsrPolicy} — the pure decision for one CSR (approve, deny with a
 *       reason, or ignore), reading the PKCS#10 request itself with Bouncy Castle;</li>
 *   <li>{@link io.kubejoin.cluster.approval.ApprovalContext} / {@link io.kubejoin.cluster.approval.InventoryApprovalContext}
 *       — what the policy knows: inventory nodes and addresses, token id → node, Node status addresses,
 *       addresses owned by others, the serving expiration limit;</li>
 *   <li>{@link io.kubejoin.cluster.approval.CsrApprover} — the runtime: reads tokens and Nodes, lists or
 *       watches CSRs, writes the Approved/Denied condition through the approval subresource.</li>
 * </ul>
 *
 * <p>Order of the rules (first match decides; see {@link io.kubejoin.cluster.approval.Rule}):
 * already Approved/Denied/Failed or issued → ignore; signer other than kube-apiserver-client-kubelet or
 * kubelet-serving → ignore; bootstrap token without a kubejoin Secret → ignore; bootstrap identity on the
 * serving signer → deny; bootstrap requester outside system:bootstrappers → deny; node requester not in the
 * inventory → ignore; node requester outside system:nodes → deny; requester neither node nor bootstrap →
 * ignore; request not base64/PEM/PKCS#10 → deny; key not ECDSA P-256 or RSA 2048–8192 → deny; signature
 * algorithm not ECDSA/RSA with SHA-2 → deny; self-signature invalid → deny; subject not exactly
 * O=system:nodes + CN=system:node:&lt;n&gt; → deny; CN naming another node than the token's/requester's → deny;
 * token's node not in the inventory → ignore; client request with any SAN → deny; serving request with
 * email/URI/other SAN, no SAN, a DNS name other than the node name, or an IP that is neither the node's
 * inventory address nor a plain unicast address from its Node status that no other node, the API server or the
 * service/pod network owns → deny; spec.usages other than digital signature + the signer's purpose (+ key
 * encipherment) → deny; requested extensions other than SAN, matching key usage / extended key usage and
 * CA:FALSE → deny; serving expirationSeconds over the maximum → deny; otherwise approve.
 */
package io.kubejoin.cluster.approval;
