package io.kubejoin.join;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.join.JournalSignatures.Match;
import io.kubejoin.join.JournalSignatures.Signature;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** One test per signature, with journal lines as {@code journalctl -u UNIT -o cat} prints them, and the rules. */
class JournalSignaturesTest {

    private static final String STARTING = "I1126 10:11:10.100000   12345 server.go:484] \"Kubelet version\" kubeletVersion=\"v1.28.4\"";
    private static final String BOOTSTRAP = "I1126 10:11:10.200000   12345 bootstrap.go:109] \"Using bootstrap kubeconfig to generate TLS client cert, key and kubeconfig file\"";
    private static final String ROTATING = "I1126 10:11:10.300000   12345 certificate_manager.go:356] kubernetes.io/kube-apiserver-client-kubelet: Rotating certificates";

    private static Match only(String unit, String... lines) {
        List<Match> matches = JournalSignatures.match(unit, List.of(lines));
        assertThat(matches).hasSize(1);
        return matches.get(0);
    }

    // --- the table ---

    @Test
    void tableIdsAreUniqueKebabCaseAndReferencesResolve() {
        Set<String> ids = new HashSet<>();
        for (Signature s : JournalSignatures.signatures()) {
            assertThat(s.id()).matches("[a-z0-9]+(-[a-z0-9]+)*");
            assertThat(ids.add(s.id())).as("unique %s", s.id()).isTrue();
            assertThat(s.unit()).isIn("kubelet", "kube-proxy", "any");
        }
        for (Signature s : JournalSignatures.signatures()) assertThat(ids).containsAll(s.supersededBy());
        assertThat(ids).doesNotContain("kubelet-loopback-address");
    }

    // --- one test per signature ---

    @Test
    void t3StaleClientCredential() {
        String evidence = "E1126 10:11:12.123456   12345 certificate_manager.go:562] kubernetes.io/kube-apiserver-client-kubelet: "
                + "Failed while requesting a signed certificate from the control plane: cannot create certificate signing request: Unauthorized";
        Match m = only("kubelet", STARTING, BOOTSTRAP, ROTATING, evidence,
                "I1126 10:11:12.200000   12345 kubelet_node_status.go:72] \"Attempting to register node\" node=\"w1\"");
        assertThat(m.id()).isEqualTo("t3-stale-client-credential");
        assertThat(m.unit()).isEqualTo("kubelet");
        assertThat(m.what()).contains("Unauthorized", "stale", "(T3)");
        assertThat(m.fix()).startsWith("`kubejoin reset NODE`").contains("--enable-bootstrap-token-auth");
        assertThat(m.evidence()).isEqualTo(evidence);
    }

    @Test
    void t3InTheArticlesWordingAlsoSwallowsNodeNotFound() {
        // 1.17, short format as in the article: the master wording, and node "slave" not found as its consequence
        String evidence = "2月 10 22:40:01 slave kubelet[15529]: E0210 22:40:01.171245   15529 certificate_manager.go:385] "
                + "Failed while requesting a signed certificate from the master: cannot create certificate signing request: Unauthorized";
        Match m = only("kubelet.service",
                evidence,
                "2月 10 22:40:01 slave kubelet[15529]: E0210 22:40:01.220011   15529 kubelet.go:2263] node \"slave\" not found");
        assertThat(m.id()).isEqualTo("t3-stale-client-credential");
        assertThat(m.evidence()).isEqualTo(evidence);
    }

    @Test
    void bootstrapTokenRejectedOnTheApiServer() {
        String old = "E0210 22:40:01.170001    9876 authentication.go:53] Unable to authenticate the request due to an error: invalid bearer token";
        String structured = "E1126 10:11:12.120000    9876 authentication.go:73] \"Unable to authenticate the request\" err=\"invalid bearer token\"";
        Match m = only("kube-apiserver",
                "I1126 10:11:10.000000    9876 healthz.go:176] healthz check passed", old, structured,
                "I1126 10:11:13.000000    9876 controller.go:624] quota admission added evaluator for: leases.coordination.k8s.io");
        assertThat(m.id()).isEqualTo("bootstrap-token-rejected");
        assertThat(m.unit()).isEqualTo("kube-apiserver");
        assertThat(m.what()).contains("bootstrap token expired or was deleted", "--enable-bootstrap-token-auth", "(T1)");
        assertThat(m.fix()).contains("re-run `kubejoin join`", "--enable-bootstrap-token-auth=true");
        assertThat(m.evidence()).isEqualTo(structured);
    }

    @Test
    void x509ExpiredOrNotYetValidNamesTheTimes() {
        String evidence = "E1126 10:11:12.123456   12345 kubelet_node_status.go:94] \"Unable to register node with API server\" "
                + "err=\"Post \\\"https://10.0.0.1:6443/api/v1/nodes\\\": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: "
                + "current time 2024-11-26T10:11:12Z is before 2024-11-26T12:00:00Z\" node=\"w1\"";
        Match m = only("kubelet", STARTING, evidence,
                "E1126 10:11:12.223456   12345 kubelet.go:2855] \"Error getting node\" err=\"node \\\"w1\\\" not found\"");
        assertThat(m.id()).isEqualTo("x509-expired-or-not-yet-valid");
        assertThat(m.what()).isEqualTo("a certificate is outside its validity period (current time 2024-11-26T10:11:12Z is before"
                + " 2024-11-26T12:00:00Z): expired, or the clocks disagree");
        assertThat(m.fix()).contains("sync the clocks", "`kubejoin reset NODE`");
        assertThat(m.evidence()).isEqualTo(evidence);
    }

    @Test
    void x509ExpiredWithoutTimesDropsTheOptionalPart() {
        String evidence = "E1126 10:11:12.000000    9876 authentication.go:73] \"Unable to authenticate the request\" "
                + "err=\"[x509: certificate has expired or is not yet valid, verifying certificate SN=1, SKID=, AKID= failed]\"";
        Match m = only("kube-apiserver", evidence);
        assertThat(m.id()).isEqualTo("x509-expired-or-not-yet-valid");
        assertThat(m.what()).isEqualTo("a certificate is outside its validity period: expired, or the clocks disagree");
    }

    @Test
    void nodeNotFound() {
        String evidence = "E1126 10:11:40.000000   12345 kubelet.go:2855] \"Error getting node\" err=\"node \\\"worker-3\\\" not found\"";
        Match m = only("kubelet", STARTING,
                "I1126 10:11:20.000000   12345 kubelet_node_status.go:75] \"Successfully registered node\" node=\"worker-3\"",
                "E1126 10:11:30.000000   12345 kubelet.go:2855] \"Error getting node\" err=\"node \\\"worker-3\\\" not found\"",
                evidence);
        assertThat(m.id()).isEqualTo("node-not-found");
        assertThat(m.what()).isEqualTo("the kubelet finds no Node named \"worker-3\": it is not registered under that name"
                + " (registration failing, a changed --hostname-override, or the Node was deleted)");
        assertThat(m.fix()).contains("--hostname-override", "`kubejoin reset NODE` (T3)");
        assertThat(m.evidence()).isEqualTo(evidence);
    }

    @Test
    void nodeNotFoundBeforeRegistrationIsTransient() {
        assertThat(JournalSignatures.match("kubelet", List.of(STARTING,
                "E1126 10:11:12.000000   12345 kubelet.go:2855] \"Error getting node\" err=\"node \\\"w1\\\" not found\"",
                "I1126 10:11:12.100000   12345 kubelet_node_status.go:72] \"Attempting to register node\" node=\"w1\"",
                "I1126 10:11:12.200000   12345 kubelet_node_status.go:75] \"Successfully registered node\" node=\"w1\""))).isEmpty();
    }

    @Test
    void t2ApprovedButNeverIssued() {
        String first = "I1126 10:11:13.000000   12345 csr.go:261] certificate signing request csr-kl5mg is approved, waiting to be issued";
        String evidence = "I1126 10:16:13.000000   12345 csr.go:261] certificate signing request csr-mrmkf is approved, waiting to be issued";
        Match m = only("kubelet", STARTING, BOOTSTRAP, first,
                "E1126 10:16:12.000000   12345 certificate_manager.go:562] kubernetes.io/kube-apiserver-client-kubelet: "
                        + "certificate request was not signed: timed out waiting for the condition",
                evidence);
        assertThat(m.id()).isEqualTo("t2-csr-approved-not-issued");
        assertThat(m.what()).isEqualTo("certificate signing request csr-mrmkf is approved but no certificate is issued:"
                + " kube-controller-manager is not signing (T2)");
        assertThat(m.fix()).contains("--cluster-signing-cert-file", "--cluster-signing-key-file", "leader");
        assertThat(m.evidence()).isEqualTo(evidence);
    }

    @Test
    void t2ClearedOnceTheCertificateIsIssued() {
        assertThat(JournalSignatures.match("kubelet", List.of(
                "I1126 10:11:13.000000   12345 csr.go:261] certificate signing request csr-x6hrr is approved, waiting to be issued",
                "I1126 10:11:13.016000   12345 csr.go:257] certificate signing request csr-x6hrr is issued"))).isEmpty();
    }

    @Test
    void csrNotSigned() {
        String evidence = "E1126 10:26:12.000000   12345 certificate_manager.go:562] kubernetes.io/kubelet-serving: "
                + "certificate request was not signed: timed out waiting for the condition";
        Match m = only("kubelet", evidence);
        assertThat(m.id()).isEqualTo("csr-not-signed");
        assertThat(m.what()).isEqualTo("a certificate signing request for kubernetes.io/kubelet-serving was not signed in time:"
                + " timed out waiting for the condition");
        assertThat(m.fix()).contains("`kubejoin approve`", "--cluster-signing-cert-file");
        assertThat(m.evidence()).isEqualTo(evidence);
    }

    @Test
    void x509UnknownAuthority() {
        String evidence = "E1126 10:11:12.000000   12345 certificate_manager.go:562] kubernetes.io/kube-apiserver-client-kubelet: "
                + "Failed while requesting a signed certificate from the control plane: cannot create certificate signing request: "
                + "Post \"https://10.0.0.1:6443/apis/certificates.k8s.io/v1/certificatesigningrequests\": "
                + "tls: failed to verify certificate: x509: certificate signed by unknown authority";
        Match m = only("kubelet", STARTING, BOOTSTRAP, evidence);
        assertThat(m.id()).isEqualTo("x509-unknown-authority");
        assertThat(m.what()).contains("certificate signed by unknown authority", "certificate-authority-data");
        assertThat(m.fix()).contains("fingerprint", "re-run `kubejoin join`");
        assertThat(m.evidence()).isEqualTo(evidence);
    }

    @Test
    void swapOn() {
        String evidence = "E1126 10:11:12.000000   12345 run.go:74] \"command failed\" err=\"failed to run Kubelet: running with swap on is not "
                + "supported, please disable swap! or set --fail-swap-on flag to false. /proc/swaps contained: [Filename\\t\\t\\t\\tType\\t\\tSize"
                + "\\tUsed\\tPriority /swap.img                               file\\t\\t2097148\\t0\\t-2]\"";
        Match m = only("kubelet", STARTING, evidence,
                "kubelet.service: Main process exited, code=exited, status=1/FAILURE",
                "kubelet.service: Failed with result 'exit-code'.");
        assertThat(m.id()).isEqualTo("swap-on");
        assertThat(m.what()).contains("swap is on");
        assertThat(m.fix()).contains("swapoff -a", "failSwapOn: false");
        assertThat(m.evidence()).isEqualTo(evidence);
    }

    @Test
    void cgroupDriverMismatch() {
        String evidence = "F0611 14:01:52.353546   21142 server.go:266] failed to run Kubelet: failed to create kubelet: "
                + "misconfiguration: kubelet cgroup driver: \"cgroupfs\" is different from docker cgroup driver: \"systemd\"";
        Match m = only("kubelet", "I0611 14:01:52.300000   21142 docker_service.go:253] Docker cri networking managed by cni", evidence);
        assertThat(m.id()).isEqualTo("cgroup-driver-mismatch");
        assertThat(m.what()).isEqualTo("the kubelet's cgroup driver \"cgroupfs\" differs from docker's \"systemd\"");
        assertThat(m.fix()).contains("cgroupDriver: systemd", "native.cgroupdriver=cgroupfs");
        assertThat(m.evidence()).isEqualTo(evidence);
    }

    @Test
    void cgroupDriverMismatchStructured() {
        String evidence = "E0105 08:00:00.000000    1234 server.go:302] \"Failed to run kubelet\" err=\"failed to run Kubelet: "
                + "misconfiguration: kubelet cgroup driver: \\\"systemd\\\" is different from docker cgroup driver: \\\"cgroupfs\\\"\"";
        Match m = only("kubelet", evidence);
        assertThat(m.what()).isEqualTo("the kubelet's cgroup driver \"systemd\" differs from docker's \"cgroupfs\"");
    }

    @Test
    void cgroupV1Refused() {
        String evidence = "E1126 10:11:12.000000   12345 run.go:72] \"command failed\" err=\"failed to validate kubelet configuration, error: "
                + "kubelet is configured to not run on a host using cgroup v1. cgroup v1 support is unsupported and will be removed in a future release, "
                + "path: &TypeMeta{Kind:,APIVersion:,}\"";
        Match m = only("kubelet", STARTING, evidence);
        assertThat(m.id()).isEqualTo("cgroup-v1-refused");
        assertThat(m.what()).contains("cgroup v1", "failCgroupV1");
        assertThat(m.fix()).contains("systemd.unified_cgroup_hierarchy=1", "failCgroupV1: false");
        assertThat(m.evidence()).isEqualTo(evidence);
    }

    @Test
    void removedFlagFromCobra() {
        String evidence = "Error: unknown flag: --resource-container";
        Match m = only("kube-proxy", evidence,
                "Usage:",
                "  kube-proxy [flags]",
                "kube-proxy.service: Main process exited, code=exited, status=1/FAILURE");
        assertThat(m.id()).isEqualTo("removed-flag");
        assertThat(m.unit()).isEqualTo("kube-proxy");
        assertThat(m.what()).isEqualTo("kube-proxy does not know the flag --resource-container: removed in this release but still in a hand-edited unit");
        assertThat(m.fix()).isEqualTo("remove --resource-container from ExecStart in kube-proxy.service,"
                + " `systemctl daemon-reload && systemctl restart kube-proxy`; or re-run `kubejoin join`, which renders the unit for the installed version");
        assertThat(m.evidence()).isEqualTo(evidence);
    }

    @Test
    void removedFlagFromTheKubelet() {
        String evidence = "E1126 10:11:12.000000   12345 run.go:74] \"command failed\" err=\"failed to parse kubelet flag: unknown flag: --network-plugin\"";
        Match m = only("kubelet", evidence);
        assertThat(m.id()).isEqualTo("removed-flag");
        assertThat(m.what()).startsWith("kubelet does not know the flag --network-plugin:");
    }

    @Test
    void kubeProxyNodeNotFoundSwallowsTheIpWarning() {
        String evidence = "E1126 10:11:12.000000    4321 node.go:152] Failed to retrieve node info: nodes \"w1.example\" not found";
        Match m = only("kube-proxy",
                "I1126 10:11:11.000000    4321 server_others.go:143] Using iptables Proxier.",
                evidence,
                "I1126 10:11:12.100000    4321 server_others.go:138] can't determine this node's IP, assuming 127.0.0.1; "
                        + "if this is incorrect, please set the --bind-address flag");
        assertThat(m.id()).isEqualTo("kube-proxy-node-not-found");
        assertThat(m.what()).startsWith("kube-proxy finds no Node named \"w1.example\": its hostnameOverride differs");
        assertThat(m.fix()).contains("hostnameOverride", "re-run `kubejoin join`");
        assertThat(m.evidence()).isEqualTo(evidence);
    }

    @Test
    void kubeProxyNodeIpUnknownAlone() {
        String evidence = "I1101 07:45:11.124136       1 server.go:843] \"Can't determine this node's IP, assuming 127.0.0.1; "
                + "if this is incorrect, please set the --bind-address flag\"";
        Match m = only("kube-proxy",
                "E1101 07:45:11.124028       1 node.go:152] Failed to retrieve node info: Get \"https://127.0.0.1:6443/api/v1/nodes/w1\": "
                        + "dial tcp 127.0.0.1:6443: connect: connection refused",
                evidence);
        assertThat(m.id()).isEqualTo("kube-proxy-node-ip-unknown");
        assertThat(m.what()).contains("assumes loopback");
        assertThat(m.evidence()).isEqualTo(evidence);
    }

    @Test
    void containerRuntimeDown() {
        String evidence = "E1126 10:11:12.000000   12345 run.go:74] \"command failed\" err=\"failed to run Kubelet: validate service connection: "
                + "validate CRI v1 runtime API for endpoint \\\"unix:///run/containerd/containerd.sock\\\": rpc error: code = Unavailable desc = "
                + "connection error: desc = \\\"transport: Error while dialing: dial unix /run/containerd/containerd.sock: connect: no such file or directory\\\"\"";
        Match m = only("kubelet", STARTING, evidence);
        assertThat(m.id()).isEqualTo("container-runtime-down");
        assertThat(m.what()).isEqualTo("the kubelet cannot reach the container runtime at /run/containerd/containerd.sock: it is not running");
        assertThat(m.fix()).contains("systemctl enable --now containerd", "--container-runtime-endpoint");
        assertThat(m.evidence()).isEqualTo(evidence);
    }

    @Test
    void dockerDaemonDown() {
        String evidence = "F0210 22:48:41.000000   15529 server.go:273] failed to run Kubelet: failed to create kubelet: failed to get docker version: "
                + "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?";
        Match m = only("kubelet", evidence);
        assertThat(m.id()).isEqualTo("container-runtime-down");
        assertThat(m.what()).isEqualTo("the kubelet cannot reach the container runtime at /var/run/docker.sock: it is not running");
    }

    @Test
    void csrDenied() {
        String evidence = "E1126 10:11:14.000000   12345 certificate_manager.go:562] kubernetes.io/kube-apiserver-client-kubelet: "
                + "certificate request was not signed: certificate signing request is denied, reason: NodeNameMismatch, message: CN is not system:node:w1";
        Match m = only("kubelet", STARTING, BOOTSTRAP, evidence);
        assertThat(m.id()).isEqualTo("csr-denied-or-failed");
        assertThat(m.what()).isEqualTo("the kubelet's certificate signing request was denied (reason: NodeNameMismatch, message: CN is not system:node:w1)");
        assertThat(m.fix()).contains("kubectl get csr -o yaml", "`kubejoin reset NODE`");
        assertThat(m.evidence()).isEqualTo(evidence);
    }

    @Test
    void csrFailedInTheOldWording() {
        Match m = only("kubelet", "E0210 22:40:01.000000   15529 certificate_manager.go:385] Failed while requesting a signed certificate from the master: "
                + "certificate signing request is not approved, reason: AutoDenied, message: unknown node");
        assertThat(m.what()).isEqualTo("the kubelet's certificate signing request was not approved (reason: AutoDenied, message: unknown node)");
    }

    @Test
    void registerNodeFailed() {
        String evidence = "E1215 08:50:49.524307   17841 kubelet_node_status.go:95] \"Unable to register node with API server\" "
                + "err=\"Post \\\"https://controlplane:6553/api/v1/nodes\\\": dial tcp 192.168.28.14:6553: connect: connection refused\" node=\"node01\"";
        Match m = only("kubelet",
                "I1215 08:50:49.523085   17841 kubelet_node_status.go:72] \"Attempting to register node\" node=\"node01\"",
                evidence,
                "E1215 08:50:49.600000   17841 kubelet.go:2855] \"Error getting node\" err=\"node \\\"node01\\\" not found\"");
        assertThat(m.id()).isEqualTo("register-node-failed");
        assertThat(m.what()).isEqualTo("the kubelet cannot register its Node with kube-apiserver: "
                + "Post \"https://controlplane:6553/api/v1/nodes\": dial tcp 192.168.28.14:6553: connect: connection refused");
        assertThat(m.fix()).contains("connection refused", "`kubejoin reset NODE`");
        assertThat(m.evidence()).isEqualTo(evidence);
    }

    @Test
    void registerNodeFailedInTheOldWording() {
        Match m = only("kubelet", "E0210 22:48:41.000000   15529 kubelet_node_status.go:92] Unable to register node \"slave\" with API server: "
                + "nodes \"slave\" is forbidden: node \"master\" is not allowed to modify node \"slave\"");
        assertThat(m.id()).isEqualTo("register-node-failed");
        assertThat(m.what()).isEqualTo("the kubelet cannot register its Node with kube-apiserver: "
                + "nodes \"slave\" is forbidden: node \"master\" is not allowed to modify node \"slave\"");
    }

    // --- the rules ---

    @Test
    void healthyKubeletJournalMatchesNothing() {
        List<String> healthy = List.of(
                STARTING,
                "I1126 10:11:10.150000   12345 bootstrap.go:85] \"Unable to read existing bootstrap client config from /etc/kubernetes/kubelet.kubeconfig: "
                        + "invalid configuration: unable to read client-cert /etc/kubernetes/cert/kubelet-client-current.pem\"",
                BOOTSTRAP,
                ROTATING,
                "I1126 10:11:11.000000   12345 csr.go:254] certificate signing request csr-8q2lz is pending",
                "I1126 10:11:12.000000   12345 csr.go:261] certificate signing request csr-8q2lz is approved, waiting to be issued",
                "I1126 10:11:12.050000   12345 csr.go:257] certificate signing request csr-8q2lz is issued",
                "I1126 10:11:12.060000   12345 certificate_store.go:130] Loading cert/key pair from \"/etc/kubernetes/cert/kubelet-client-current.pem\".",
                "E1126 10:11:12.100000   12345 kubelet.go:2855] \"Error getting node\" err=\"node \\\"w1\\\" not found\"",
                "I1126 10:11:12.200000   12345 kubelet_node_status.go:72] \"Attempting to register node\" node=\"w1\"",
                "I1126 10:11:12.300000   12345 kubelet_node_status.go:75] \"Successfully registered node\" node=\"w1\"",
                "I1126 10:11:22.000000   12345 kubelet_node_status.go:687] \"Recording event message for node\" node=\"w1\" event=\"NodeReady\"",
                "I1126 10:11:22.100000   12345 certificate_manager.go:356] kubernetes.io/kubelet-serving: Rotating certificates",
                "I1126 10:11:22.200000   12345 certificate_manager.go:531] Certificate expiration is 2025-11-26 10:06:00 +0000 UTC, "
                        + "rotation deadline is 2025-08-19 04:18:00.850930128 +0000 UTC",
                "2月 10 22:49:04 slave kubelet[15529]: I0210 22:49:04.846285 15529 kubelet_node_status.go:73] Successfully registered node slave",
                "2月 10 22:49:14 slave kubelet[15529]: I0210 22:49:14.966351 15529 kubelet_node_status.go:486] Recording NodeReady event message for node slave");
        assertThat(JournalSignatures.match("kubelet", healthy)).isEmpty();
    }

    @Test
    void unitFiltering() {
        String kubeletOnly = "E1126 10:11:12.000000   12345 run.go:74] \"command failed\" err=\"failed to run Kubelet: running with swap on is not supported, "
                + "please disable swap or set --fail-swap-on flag to false\"";
        String proxyOnly = "E1126 10:11:12.000000    4321 node.go:152] \"Failed to retrieve node info\" err=\"nodes \\\"w1\\\" not found\"";
        assertThat(JournalSignatures.match("kube-proxy", List.of(kubeletOnly))).isEmpty();
        assertThat(JournalSignatures.match("kubelet", List.of(proxyOnly))).isEmpty();
        assertThat(JournalSignatures.match("kube-proxy", List.of(proxyOnly))).extracting(Match::id).containsExactly("kube-proxy-node-not-found");
        // "any" signatures apply to every unit
        String x509 = "E1126 10:11:12.000000    9999 reflector.go:138] failed to list *v1.Node: Get \"https://10.0.0.1:6443/api/v1/nodes\": "
                + "x509: certificate signed by unknown authority";
        for (String unit : List.of("kubelet", "kube-proxy", "kube-apiserver", "kube-controller-manager.service")) {
            assertThat(JournalSignatures.match(unit, List.of(x509))).extracting(Match::id).containsExactly("x509-unknown-authority");
        }
        assertThat(JournalSignatures.match("kube-controller-manager.service", List.of(x509)).get(0).unit()).isEqualTo("kube-controller-manager");
    }

    @Test
    void theLastMatchingLineIsTheEvidence() {
        String older = "E1126 10:11:12.000000   12345 certificate_manager.go:562] kubernetes.io/kube-apiserver-client-kubelet: "
                + "Failed while requesting a signed certificate from the control plane: cannot create certificate signing request: Unauthorized";
        String newer = older.replace("10:11:12.000000", "10:11:27.000000");
        Match m = only("kubelet", older, STARTING, newer, ROTATING);
        assertThat(m.evidence()).isEqualTo(newer);
    }

    @Test
    void oneLineMatchingTwoRegexesYieldsOnlyTheMoreSpecific() {
        // the line names both a registration failure and its cause
        String line = "E1126 10:11:12.000000   12345 kubelet_node_status.go:94] \"Unable to register node with API server\" "
                + "err=\"Post \\\"https://10.0.0.1:6443/api/v1/nodes\\\": tls: failed to verify certificate: x509: certificate signed by unknown authority\" node=\"w1\"";
        Signature general = JournalSignatures.signatures().stream().filter(s -> s.id().equals("register-node-failed")).findFirst().orElseThrow();
        assertThat(general.regex().matcher(line).find()).as("both regexes find the line").isTrue();
        assertThat(JournalSignatures.match("kubelet", List.of(line))).extracting(Match::id).containsExactly("x509-unknown-authority");
    }

    @Test
    void matchesComeOutInTableOrderEachOnce() {
        List<Match> matches = JournalSignatures.match("kubelet", List.of(
                "E1126 10:11:12.000000   12345 run.go:74] \"command failed\" err=\"failed to parse kubelet flag: unknown flag: --allow-privileged\"",
                "E1126 10:12:12.000000   12345 run.go:74] \"command failed\" err=\"failed to run Kubelet: running with swap on is not supported, "
                        + "please disable swap or set --fail-swap-on flag to false\"",
                "E1126 10:13:12.000000   12345 run.go:74] \"command failed\" err=\"failed to parse kubelet flag: unknown flag: --allow-privileged\""));
        assertThat(matches).extracting(Match::id).containsExactly("swap-on", "removed-flag");
        assertThat(matches.get(1).evidence()).contains("10:13:12");
    }

    // --- the sandbox's simulated components print lines these signatures recognise ---

    @Test
    void sandboxJournalLinesMatch() throws Exception {
        // the messages as SimulatedKubelet and SimulatedKubeProxy log them, through the sandbox's own Journal format
        List<String> kubelet = sandboxJournal(j -> {
            j.info("csr.go:254", "certificate signing request csr-7xk2p is pending");
            j.info("csr.go:261", "certificate signing request csr-7xk2p is approved, waiting to be issued");
        });
        assertThat(JournalSignatures.match("kubelet", kubelet)).singleElement()
                .satisfies(m -> {
                    assertThat(m.id()).isEqualTo("t2-csr-approved-not-issued");
                    assertThat(m.what()).contains("csr-7xk2p");
                    assertThat(m.evidence()).isEqualTo(kubelet.get(1));
                });

        // what rotateCerts logs for a CSR that WaitForCertificate saw denied or failed (csr.go's texts carry no name)
        for (String verdict : List.of("is denied", "failed")) {
            List<String> denied = sandboxJournal(j -> j.error("certificate_manager.go:582",
                    "kubernetes.io/kube-apiserver-client-kubelet: certificate request was not signed: cannot watch on the certificate "
                            + "signing request: certificate signing request " + verdict + ", reason: KubejoinDenied, message: forged node name"));
            assertThat(JournalSignatures.match("kubelet", denied)).singleElement().satisfies(m -> {
                assertThat(m.id()).isEqualTo("csr-denied-or-failed");
                assertThat(m.what()).isEqualTo("the kubelet's certificate signing request was " + verdict.replace("is ", "")
                        + " (reason: KubejoinDenied, message: forged node name)");
            });
        }

        List<String> proxy = sandboxJournal(j -> {
            j.info("server_linux.go:66", "\"Using ipvs Proxier\"");
            j.error("node.go:152", "\"Failed to retrieve node info\" err=\"nodes \\\"w1-proxy\\\" not found\"");
            j.warning("server.go:526", "can't determine this node's IP, assuming 127.0.0.1; if this is incorrect, please set the --bind-address flag");
        });
        assertThat(JournalSignatures.match("kube-proxy", proxy)).singleElement().satisfies(m -> {
            assertThat(m.id()).isEqualTo("kube-proxy-node-not-found");
            assertThat(m.what()).contains("\"w1-proxy\"");
            assertThat(m.evidence()).isEqualTo(proxy.get(1));
        });
        // the warning alone still matches
        assertThat(JournalSignatures.match("kube-proxy", List.of(proxy.get(2)))).extracting(Match::id).containsExactly("kube-proxy-node-ip-unknown");

        List<String> flag = sandboxJournal(j -> j.error("kube-proxy", "Error: unknown flag: --resource-container"));
        assertThat(JournalSignatures.match("kube-proxy", flag)).extracting(Match::id).containsExactly("removed-flag");
        List<String> kubeletFlag = sandboxJournal(j -> j.error("run.go:74",
                "\"command failed\" err=\"failed to parse kubelet flag: unknown flag: --allow-privileged\""));
        assertThat(JournalSignatures.match("kubelet", kubeletFlag)).extracting(Match::what)
                .containsExactly("kubelet does not know the flag --allow-privileged: removed in this release but still in a hand-edited unit");

        // T1 as the sandbox shows it on the kubelet's side (401 → "Unauthorized")
        List<String> t1 = sandboxJournal(j -> j.error("certificate_manager.go:385",
                "Failed while requesting a signed certificate from the master: cannot create certificate signing request: Unauthorized"));
        assertThat(JournalSignatures.match("kubelet", t1)).extracting(Match::id).containsExactly("t3-stale-client-credential");

        // the sandbox-only loopback refusal has no signature
        List<String> loopback = sandboxJournal(j -> j.error("server.go:318",
                "\"Kubelet address is a loopback address: the control plane cannot reach this kubelet\" address=\"127.0.0.1\""));
        assertThat(JournalSignatures.match("kubelet", loopback)).isEmpty();
    }

    @Test
    void everyPlaceholderNamesAGroupOfItsRegex() {
        Pattern placeholder = Pattern.compile("\\$\\{([A-Za-z0-9]+)\\}");
        Pattern group = Pattern.compile("\\(\\?<([A-Za-z][A-Za-z0-9]*)>");
        for (Signature s : JournalSignatures.signatures()) {
            Set<String> groups = new HashSet<>(group.matcher(s.regex().pattern()).results().map(r -> r.group(1)).toList());
            groups.add("unit");
            for (String text : List.of(s.what(), s.fix())) {
                assertThat(placeholder.matcher(text).results().map(r -> r.group(1)).toList()).as(s.id()).allMatch(groups::contains);
                assertThat(text).as(s.id()).doesNotContain("\n");
            }
        }
    }

    // --- the sandbox's Journal is package-private; drive it through reflection to get its exact line format ---

    private interface JournalWriter {
        void info(String source, String message) throws Exception;

        void warning(String source, String message) throws Exception;

        void error(String source, String message) throws Exception;
    }

    @FunctionalInterface
    private interface Script {
        void run(JournalWriter j) throws Exception;
    }

    private static List<String> sandboxJournal(Script script) throws Exception {
        Class<?> type = Class.forName("io.kubejoin.sandbox.node.Journal");
        Constructor<?> ctor = type.getDeclaredConstructor(Clock.class, int.class);
        ctor.setAccessible(true);
        Object journal = ctor.newInstance(Clock.fixed(Instant.parse("2024-11-26T10:11:12.123456Z"), ZoneOffset.UTC), 4242);
        Method info = type.getDeclaredMethod("info", String.class, String.class);
        Method warning = type.getDeclaredMethod("warning", String.class, String.class);
        Method error = type.getDeclaredMethod("error", String.class, String.class);
        for (Method m : List.of(info, warning, error)) m.setAccessible(true);
        script.run(new JournalWriter() {
            @Override
            public void info(String source, String message) throws Exception {
                info.invoke(journal, source, message);
            }

            @Override
            public void warning(String source, String message) throws Exception {
                warning.invoke(journal, source, message);
            }

            @Override
            public void error(String source, String message) throws Exception {
                error.invoke(journal, source, message);
            }
        });
        @SuppressWarnings("unchecked")
        List<String> lines = (List<String>) type.getMethod("lines").invoke(journal);
        assertThat(lines).allMatch(l -> l.matches("[IWE]1126 10:11:12\\.123456    4242 \\S+\\] .*"));
        return lines;
    }
}
