/**
 * The sandbox: an in-process stand-in for the cluster kubejoin joins nodes to, for tests, {@code kubejoin demo}
 * and benchmarks. A simulator, not Kubernetes. Entry point: {@link io.kubejoin.sandbox.api.SandboxApiServer}.
 *
 * <p>Packages (each depends only on those after it): this one — the entry points {@code Sandbox}, {@code SandboxNode}
 * (one simulated machine: systemd, journald, kernel state, wiring the others) and {@code SandboxFault};
 * {@code kubelet} — {@code SimulatedKubelet}, {@code SimulatedKubeProxy} and their helpers; {@code node.shell} —
 * {@code NodeShell}; {@code api} — the simulated kube-apiserver and kube-controller-manager, with its TLS front
 * ({@code LibraryInternals} holds every use of fabric8's private fields);
 * {@code node} — what a machine offers the programs on it ({@code NodeRoot}, {@code Journal}, {@code NodeKernel}, {@code NodeSshServer},
 * the shared {@code SimulatorRuntime}); {@code tls} — the CA and the crypto providers.
 *
 * <p>What stands for what:
 * <ul>
 *   <li>{@code SandboxApiServer} — kube-apiserver (fabric8's CRUD mock server as storage, HTTPS on 127.0.0.1
 *       with a serving certificate from {@code SandboxCa});</li>
 *   <li>{@code SecureFront} — its secure serving: the TLS listener that requests client certificates and feeds the
 *       mock's handler in-process, passing the verified identity as front-proxy headers (X-Remote-User/Group);</li>
 *   <li>{@code ClientCertificateAuthenticator} — {@code --client-ca-file} (x509: user = CN, groups = O);</li>
 *   <li>{@code SandboxDispatcher} — its handler chain: authentication, authorization, the handlers the mock lacks;</li>
 *   <li>{@code StaticTokenAuthenticator} — {@code --token-auth-file} (admin token, tokens tests register);</li>
 *   <li>{@code BootstrapTokenAuthenticator} — {@code --enable-bootstrap-token-auth};</li>
 *   <li>{@code SandboxAuthorizer} — Node,RBAC limited to the default bootstrap policy (a fixed table);</li>
 *   <li>{@code CsrRegistry} — the CertificateSigningRequest registry strategies (create, /approval, /status);</li>
 *   <li>{@code SelfReviews}, {@code Discovery} — SelfSubjectAccessReview/SelfSubjectReview, legacy discovery;</li>
 *   <li>{@code CsrSigningController} — kube-controller-manager's csrsigning for the two kubelet signers;</li>
 *   <li>{@code ControllerManagerLease} — kube-controller-manager's leader-election Lease;</li>
 *   <li>{@code SimulatedKubelet} — kubelet's start-up checks and TLS bootstrap up to Ready (files under a node root
 *       folder, {@code NodeRoot}); {@code SimulatedKubeProxy} — kube-proxy's start-up checks and healthz;
 *       {@code Journal} — a unit's journal; {@code SimulatorRuntime} — the threads all simulated nodes share.</li>
 * </ul>
 *
 * <p>Not simulated (gaps): client certificates on plain-HTTP sandboxes ({@code https=false}) and intermediate
 * client CAs; HTTP/2 (the TLS front offers HTTP/1.1 only); RBAC evaluation of stored Roles and bindings
 * (except the optional K9 check); admission (NodeRestriction beyond own Node/Lease writes and the name of a created Node); the csrapproving
 * controller (no automatic approval); protobuf and YAML request bodies (415) other than the CSR approval
 * {@code kubectl certificate approve|deny} sends; aggregated discovery; field selectors (the mock
 * ignores them, at best honouring metadata.name); strategic-merge and apply patches (the mock answers 415/404); server-side
 * defaulting and validation of objects other than CSRs; finalizers and graceful deletion; kubelet and kube-proxy beyond their start-up (see their class comments).
 */
package io.kubejoin.sandbox;
