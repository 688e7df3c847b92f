/**
 * The sandbox: an in-process stand-in for the cluster kubejoin joins nodes to, for tests, {@code kubejoin demo}
 * and benchmarks. A simulator, not Kubernetes. Entry point: {@link io.kubejoin.sandbox.SandboxApiServer}.
 *
 * <p>What stands for what:
 * <ul>
 *   <li>{@code SandboxApiServer} — kube-apiserver (fabric8's CRUD mock server as storage, HTTPS on 127.0.0.1
 *       with a serving certificate from {@code SandboxCa});</li>
 *   <li>{@code SandboxDispatcher} — its handler chain: authentication, authorization, the handlers the mock lacks;</li>
 *   <li>{@code StaticTokenAuthenticator} — {@code --token-auth-file} (admin token, tokens tests register);</li>
 *   <li>{@code BootstrapTokenAuthenticator} — {@code --enable-bootstrap-token-auth};</li>
 *   <li>{@code SandboxAuthorizer} — Node,RBAC limited to the default bootstrap policy (a fixed table);</li>
 *   <li>{@code CsrRegistry} — the CertificateSigningRequest registry strategies (create, /approval, /status);</li>
 *   <li>{@code SelfReviews}, {@code Discovery} — SelfSubjectAccessReview/SelfSubjectReview, legacy discovery;</li>
 *   <li>{@code CsrSigningController} — kube-controller-manager's csrsigning for the two kubelet signers;</li>
 *   <li>{@code ControllerManagerLease} — kube-controller-manager's leader-election Lease.</li>
 * </ul>
 *
 * <p>Not simulated (gaps): client-certificate authentication (the mock's HTTP layer does not pass peer
 * certificates; register node identities with {@code addToken}); RBAC evaluation of stored Roles and bindings
 * (except the optional K9 check); admission (NodeRestriction beyond own Node/Lease writes); the csrapproving
 * controller (no automatic approval); protobuf and YAML request bodies (415) other than the CSR approval
 * {@code kubectl certificate approve|deny} sends; aggregated discovery; field selectors (the mock
 * ignores them, at best honouring metadata.name); strategic-merge and apply patches (the mock answers 415/404); server-side
 * defaulting and validation of objects other than CSRs; finalizers and graceful deletion; real kubelets.
 */
package io.kubejoin.sandbox;
