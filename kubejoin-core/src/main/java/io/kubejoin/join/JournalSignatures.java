package io.kubejoin.join;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The signature table of {@code kubejoin doctor} and of wait-ready (which ends a node's wait on one; so it lives in
 * {@code join}, below both): the failures recognised from the lines kubelet and kube-proxy (and, for a few, any unit) print in their journal, as {@code journalctl -u UNIT -o cat} shows them: klog lines
 * ({@code E1126 10:11:12.123456   12345 certificate_manager.go:562] ...}), their structured form
 * ({@code "Unable to register node with API server" err="..." node="w1"}, quotes inside values escaped as
 * {@code \"}), systemd's own lines and cobra's {@code Error: unknown flag: --x}. Regexes are searched anywhere in a
 * line, so the short format's {@code Feb 10 22:49:04 host kubelet[15529]: } prefix does not matter.
 *
 * <p>Every regex is grounded in a message a component really prints; the comment above each entry names the
 * source file and the exact wording.
 *
 * <p>Texts: {@code what} and {@code fix} may use the regex's named groups as {@code ${name}} and the journal's
 * unit as {@code ${unit}}; a part in {@code [[...]]} is kept only when every group named inside it took part in
 * the match. Values are unescaped (Go's {@code \"} becomes {@code "}). {@code NODE} in a fix is a placeholder for
 * the node's inventory name, which the journal does not tell; the caller substitutes it.
 *
 * <p>Matching rules ({@link #match}):
 * <ol>
 *   <li><b>One line, one signature.</b> The table runs from most specific to most general; a line is claimed by
 *       the first signature (among those for the unit) whose regex finds it, and no later signature sees it. So
 *       {@code "Unable to register node with API server" err="...: x509: certificate signed by unknown authority"}
 *       is reported as the CA mismatch, its root cause, not a second time as a registration failure.</li>
 *   <li><b>The newest state.</b> A signature is reported once, with the last line it claimed as evidence. A
 *       signature with a {@code clearedBy} regex (for transient states: "approved, waiting to be issued" before
 *       "is issued", "node not found" before "Successfully registered node") is not reported when a clearing line
 *       comes after its last matching line.</li>
 *   <li><b>One root cause, one report across lines.</b> A signature lists the signatures it yields to
 *       ({@code supersededBy}): a consequence logged on its own line ({@code node "w1" not found} after the
 *       kubelet's Unauthorized, kube-proxy's "can't determine this node's IP" after "Failed to retrieve node
 *       info") is dropped when its cause is reported.</li>
 *   <li>Matches come out in table order.</li>
 * </ol>
 */
public final class JournalSignatures {

    public static final String KUBELET = "kubelet";
    public static final String KUBE_PROXY = "kube-proxy";
    public static final String ANY = "any";

    /** A failure found in a unit's journal: what is wrong, the line that shows it, and the fix. */
    public record Match(String id, String unit, String what, String evidence, String fix) {
    }

    /**
     * One entry of the table.
     *
     * @param id           kebab-case, stable (doctor's output and its JSON carry it)
     * @param unit         {@link #KUBELET}, {@link #KUBE_PROXY} or {@link #ANY}
     * @param regex        searched in one journal line
     * @param what         one line: what is wrong (may use named groups)
     * @param fix          what to do (may use named groups)
     * @param clearedBy    a later line matching this means the state has passed; null if none
     * @param supersededBy ids of signatures whose report makes this one redundant
     */
    public record Signature(String id, String unit, Pattern regex, String what, String fix, Pattern clearedBy,
                            List<String> supersededBy) {
        public Signature {
            Objects.requireNonNull(id);
            Objects.requireNonNull(regex);
            supersededBy = List.copyOf(supersededBy);
        }

        boolean appliesTo(String journalUnit) {
            return unit.equals(ANY) || unit.equals(journalUnit);
        }
    }

    /** An optional backslash and a double quote: structured logging escapes the quotes inside a value. */
    private static final String Q = "\\\\?\"";
    /** A name as Kubernetes allows it (nodes, CSRs). */
    private static final String NAME = "[A-Za-z0-9][A-Za-z0-9.:_-]*";

    private static final Pattern NODE_REGISTERED = Pattern.compile("Successfully registered node|Node was previously registered");
    /**
     * kubelet pkg/kubelet/kubelet_node_status.go (registerWithAPIServer): "Unable to register node %q with API server:
     * %v"; structured: "Unable to register node with API server" err="..." node="x". The error is group err or quoted.
     */
    private static final Pattern REGISTER_NODE_FAILED = Pattern.compile("Unable to register node (?:\"[^\"]*\" with API server: (?<err>.*)"
            + "|with API server\"\\s*err=\"(?<quoted>(?:[^\"\\\\]|\\\\.)*)\")");

    private static final Pattern CSR_ISSUED = Pattern.compile("certificate signing request (?:" + NAME + " )?is issued");

    private static final List<Signature> TABLE = List.of(
            // client-go util/certificate/csr/csr.go (WaitForCertificate): "certificate signing request is denied,
            // reason: %v, message: %v" and "certificate signing request failed, reason: ...", wrapped by formatError
            // as "cannot watch on the certificate signing request: ..." (1.17-1.35); older releases said "certificate
            // signing request is not approved, reason: %v, message: %v". Logged by the kubelet's certificate_manager.go
            // rotateCerts as "[signer: ]certificate request was not signed: ..." (then a new CSR on its backoff), or
            // without rotation as LoadClientCert's fatal "failed to run Kubelet: cannot watch on ...".
            new Signature("csr-denied-or-failed", KUBELET,
                    Pattern.compile("certificate signing request (?:(?!is\\b)(?<csr>" + NAME + ") )?(?:is )?(?<verdict>denied|failed|not approved)"
                            + "(?:, reason: (?<reason>[^,\"\\\\]*), message: (?<message>(?:(?!\\\\?\").)*))?"),
                    "the kubelet's certificate signing request[[ ${csr}]] was ${verdict}[[ (reason: ${reason}, message: ${message})]]",
                    "a denied or failed CSR is final: read its conditions (`kubectl get csr[[ ${csr}]] -o yaml`), fix what the reason names"
                            + " (an approver refusing the request, e.g. a node name that is not the one its token was issued for, or a signer"
                            + " error in kube-controller-manager's log); with rotateCertificates the kubelet files a new CSR by itself on its"
                            + " backoff (2 s doubling to 32 s), which is refused again until the cause is fixed, so fix it and re-run"
                            + " `kubejoin join`; a kubelet without rotation exited: `kubejoin reset NODE`",
                    null, List.of()),

            // client-go util/certificate/csr/csr.go (WaitForCertificate): klog.V(2).Infof("certificate signing
            // request %s is approved, waiting to be issued", csr.Name); the kubelet logs it at --v=2 (csr.go:261).
            new Signature("t2-csr-approved-not-issued", KUBELET,
                    Pattern.compile("certificate signing request (?:(?!is\\b)(?<csr>" + NAME + ") )?is approved, waiting to be issued"),
                    "certificate signing request[[ ${csr}]] is approved but no certificate is issued: kube-controller-manager is not signing (T2)",
                    "check that kube-controller-manager runs and holds the leader lease (`kubectl -n kube-system get lease kube-controller-manager`),"
                            + " started with --cluster-signing-cert-file and --cluster-signing-key-file (the cluster CA) and with the csrsigning"
                            + " controller enabled (--controllers); the kubelet picks its certificate up as soon as it is signed",
                    CSR_ISSUED, List.of()),

            // kubelet's client-go util/certificate/certificate_manager.go (rotateCerts): "certificate request was
            // not signed: %v" (e.g. "timed out waiting for the condition", "context deadline exceeded").
            new Signature("csr-not-signed", KUBELET,
                    Pattern.compile("(?:(?<signer>kubernetes\\.io/[\\w.-]+): )?certificate request was not signed(?::\\s*|" + Q + "\\s*err=" + Q + ")"
                            + "(?<err>(?:(?!\\\\?\").)*)"),
                    "a certificate signing request[[ for ${signer}]] was not signed in time: ${err}",
                    "`kubectl get csr`: a Pending CSR is waiting for approval (`kubejoin approve`; kube-controller-manager never approves"
                            + " kubelet-serving CSRs by itself), an Approved one that stays unissued means kube-controller-manager is not signing"
                            + " (--cluster-signing-cert-file/--cluster-signing-key-file)",
                    CSR_ISSUED, List.of("csr-denied-or-failed", "t2-csr-approved-not-issued")),

            // Go crypto/x509 (UnknownAuthorityError.Error): "x509: certificate signed by unknown authority", since
            // Go 1.20 after "tls: failed to verify certificate: ".
            new Signature("x509-unknown-authority", ANY,
                    Pattern.compile("x509: certificate signed by unknown authority"),
                    "TLS verification fails with \"certificate signed by unknown authority\": the CA in the node's kubeconfig"
                            + " (certificate-authority-data) is not the CA of kube-apiserver, or a client certificate comes from another CA",
                    "compare CA fingerprints (`openssl x509 -noout -fingerprint -sha256 -in /etc/kubernetes/cert/ca.pem` on the node and"
                            + " kube-apiserver's --client-ca-file); re-run `kubejoin join` with the cluster's CA (it rewrites the bootstrap kubeconfig);"
                            + " a kubelet client certificate from an earlier cluster goes with `kubejoin reset NODE`",
                    null, List.of()),

            // Go crypto/x509 (CertificateInvalidError, Expired): "x509: certificate has expired or is not yet
            // valid: current time %s is after %s" (or "is before %s"), times in RFC 3339.
            new Signature("x509-expired-or-not-yet-valid", ANY,
                    Pattern.compile("x509: certificate has expired or is not yet valid"
                            + "(?::\\s*current time (?<now>[^\\s\"\\\\,\\]]+) is (?<rel>after|before) (?<bound>[^\\s\"\\\\,\\]]+))?"),
                    "a certificate is outside its validity period[[ (current time ${now} is ${rel} ${bound})]]: expired, or the clocks disagree",
                    "compare `date -u` on the node and the control plane and sync the clocks (chronyd/ntpd, `timedatectl`);"
                            + " an expired kubelet client certificate goes with `kubejoin reset NODE` (the kubelet bootstraps a new one);"
                            + " an expired control-plane certificate must be renewed from the cluster CA",
                    null, List.of()),

            // kube-apiserver, k8s.io/apiserver pkg/authentication/request/bearertoken/bearertoken.go
            // (errInvalidToken = "invalid bearer token"), logged as "Unable to authenticate the request due to an
            // error: invalid bearer token" (article) or "Unable to authenticate the request" err="invalid bearer token".
            new Signature("bootstrap-token-rejected", ANY,
                    Pattern.compile("invalid bearer token"),
                    "kube-apiserver rejects a bearer token: the bootstrap token expired or was deleted, or kube-apiserver runs without"
                            + " --enable-bootstrap-token-auth (T1)",
                    "re-run `kubejoin join` (it issues a new bootstrap token and rewrites the bootstrap kubeconfig); if a fresh token is"
                            + " rejected too, start kube-apiserver with --enable-bootstrap-token-auth=true (`kubejoin preflight` checks it)",
                    null, List.of()),

            // kubelet, client-go util/certificate/certificate_manager.go: "Failed while requesting a signed
            // certificate from the master: cannot create certificate signing request: Unauthorized" (article,
            // certificate_manager.go:385; "... from the control plane" since 1.19, certificate_manager.go:562).
            new Signature("t3-stale-client-credential", KUBELET,
                    Pattern.compile("certificate_manager\\.go:\\d+\\].*\\bUnauthorized\\b"),
                    "kube-apiserver answers Unauthorized to the kubelet: its client credential is stale, expired or revoked"
                            + " (a client certificate left by an earlier bootstrap or cluster, or a deleted bootstrap token) (T3)",
                    "`kubejoin reset NODE` (removes kubelet.kubeconfig and kubelet-client-current*.pem and restarts the kubelet, which"
                            + " bootstraps again); if a fresh join still gets Unauthorized, kube-apiserver lacks --enable-bootstrap-token-auth (T1)",
                    CSR_ISSUED, List.of()),

            // kubelet pkg/kubelet/certificate/bootstrap/bootstrap.go LoadClientCert: with no usable kubeconfig
            // (missing, unreadable, certificate expired) it reads --bootstrap-kubeconfig, failing with "unable to load
            // bootstrap kubeconfig: %v" (fatal at start: "failed to run Kubelet: ..."). kubejoin removes the bootstrap
            // kubeconfig once the node is Ready, so this is a joined node whose own credential went bad.
            new Signature("bootstrap-kubeconfig-missing", KUBELET,
                    Pattern.compile("unable to load bootstrap kubeconfig: (?<err>(?:(?!\\?\").)*)"),
                    "the kubelet has no usable client credential (kubelet.kubeconfig missing, unreadable or its certificate"
                            + " expired) and no bootstrap kubeconfig to bootstrap a new one: ${err}",
                    "`kubejoin reset NODE` (removes the unusable credential, makes the node's bootstrap token valid, pushes a"
                            + " fresh bootstrap kubeconfig and restarts the kubelet, which bootstraps again)",
                    null, List.of()),

            // kubelet pkg/kubelet/cm/container_manager_linux.go: "running with swap on is not supported, please
            // disable swap! or set --fail-swap-on flag to false. /proc/swaps contained: %v".
            new Signature("swap-on", KUBELET,
                    Pattern.compile("running with swap on is not supported"),
                    "the kubelet refuses to start: swap is on and failSwapOn is true",
                    "`swapoff -a` and comment the swap entries out of /etc/fstab; or set failSwapOn: false in the KubeletConfiguration"
                            + " (1.28+: with memorySwap.swapBehavior), then `systemctl restart kubelet`",
                    null, List.of()),

            // kubelet pkg/kubelet/dockershim/docker_service.go (up to 1.23): "misconfiguration: kubelet cgroup
            // driver: %q is different from docker cgroup driver: %q".
            new Signature("cgroup-driver-mismatch", KUBELET,
                    Pattern.compile("misconfiguration: kubelet cgroup driver: " + Q + "(?<kubelet>[\\w-]*)" + Q
                            + " is different from docker cgroup driver: " + Q + "(?<docker>[\\w-]*)" + Q),
                    "the kubelet's cgroup driver \"${kubelet}\" differs from docker's \"${docker}\"",
                    "make them equal: cgroupDriver: ${docker} in the KubeletConfiguration, or \"exec-opts\": [\"native.cgroupdriver=${kubelet}\"]"
                            + " in /etc/docker/daemon.json and `systemctl restart docker`; then `systemctl restart kubelet`",
                    null, List.of()),

            // kubelet 1.31+ (failCgroupV1; true by default from 1.35): "kubelet is configured to not run on a host
            // using cgroup v1. cgroup v1 support is unsupported and will be removed in a future release", logged
            // after "failed to validate kubelet configuration". Wording from published kubelet logs; the source file
            // (cmd/kubelet/app/server.go) is not confirmed.
            new Signature("cgroup-v1-refused", KUBELET,
                    Pattern.compile("kubelet is configured to not run on a host using cgroup v1"),
                    "the kubelet refuses to run on a cgroup v1 host (failCgroupV1)",
                    "boot the host with the unified hierarchy (kernel argument systemd.unified_cgroup_hierarchy=1, then reboot),"
                            + " or set failCgroupV1: false in the KubeletConfiguration",
                    null, List.of()),

            // spf13/pflag flag.go: "unknown flag: --%s"; cobra prints "Error: unknown flag: --x" (kube-proxy), the
            // kubelet "failed to parse kubelet flag: unknown flag: --x".
            new Signature("removed-flag", ANY,
                    Pattern.compile("unknown flag: --(?<flag>[\\w-]+)"),
                    "${unit} does not know the flag --${flag}: removed in this release but still in a hand-edited unit",
                    "remove --${flag} from ExecStart in ${unit}.service, `systemctl daemon-reload && systemctl restart ${unit}`;"
                            + " or re-run `kubejoin join`, which renders the unit for the installed version",
                    null, List.of()),

            // grpc (kubelet's CRI client, remote_runtime.go / "validate service connection"): "dial unix
            // /run/containerd/containerd.sock: connect: no such file or directory" (or "connection refused");
            // docker client: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker
            // daemon running?".
            new Signature("container-runtime-down", KUBELET,
                    Pattern.compile("dial unix (?<socket>/\\S*(?:containerd|dockershim|docker|crio|cri-dockerd)\\.sock): connect: "
                            + "(?:no such file or directory|connection refused)"
                            + "|Cannot connect to the Docker daemon at (?:unix://)?(?<dockersock>/\\S+?\\.sock)"),
                    "the kubelet cannot reach the container runtime[[ at ${socket}]][[ at ${dockersock}]]: it is not running",
                    "start it (`systemctl enable --now containerd`, or docker/cri-docker) and check that the kubelet's"
                            + " --container-runtime-endpoint names its socket; dockershim.sock exists only up to 1.23 (inside the kubelet,"
                            + " with docker running)",
                    null, List.of()),

            // kube-proxy pkg/util/node/node.go (GetNodeIP, node.go:152): "Failed to retrieve node info: nodes
            // \"x\" not found"; structured since 1.22: "Failed to retrieve node info" err="nodes \"x\" not found".
            new Signature("kube-proxy-node-not-found", KUBE_PROXY,
                    Pattern.compile("Failed to retrieve node info.*?\\bnodes? " + Q + "(?<node>[^\"\\\\]+)" + Q + " not found"),
                    "kube-proxy finds no Node named \"${node}\": its hostnameOverride differs from the kubelet's node name,"
                            + " so it cannot determine the node's IP and programs no rules for it",
                    "set hostnameOverride in kube-proxy's KubeProxyConfiguration to the kubelet's --hostname-override (the name"
                            + " `kubectl get nodes` shows) and restart kube-proxy, or re-run `kubejoin join`, which renders both from one name;"
                            + " if that Node is missing altogether, the kubelet has not registered: see its journal",
                    null, List.of()),

            // kube-proxy cmd/kube-proxy/app/server_others.go / server.go (detectNodeIP): "can't determine this
            // node's IP, assuming 127.0.0.1; if this is incorrect, please set the --bind-address flag"
            // ("Can't ... assuming loopback" in recent releases).
            new Signature("kube-proxy-node-ip-unknown", KUBE_PROXY,
                    Pattern.compile("(?i)can't determine this node's IP"),
                    "kube-proxy cannot determine this node's IP and assumes loopback: it could not read its Node"
                            + " (hostnameOverride differs from the kubelet's node name, or kube-apiserver is unreachable)",
                    "check that hostnameOverride in kube-proxy's configuration equals the kubelet's node name and that its kubeconfig"
                            + " reaches kube-apiserver, then restart kube-proxy (or re-run `kubejoin join`)",
                    null, List.of("kube-proxy-node-not-found")),

            new Signature("register-node-failed", KUBELET, REGISTER_NODE_FAILED,
                    "the kubelet cannot register its Node with kube-apiserver: [[${err}]][[${quoted}]]",
                    "act on the error: connection refused or a timeout → the server in kubelet.kubeconfig and kube-apiserver's"
                            + " listening address; forbidden → the client certificate's CN (system:node:NAME) must equal the node name,"
                            + " `kubejoin reset NODE`; Unauthorized → `kubejoin reset NODE`",
                    NODE_REGISTERED, List.of()),

            // apimachinery pkg/api/errors/errors.go (NewNotFound): "%s %q not found" → node "w1" not found; the
            // kubelet logs it as "Error getting node" err="node \"w1\" not found" (kubelet.go), earlier as
            // kubelet.go:2263] node "w1" not found.
            new Signature("node-not-found", KUBELET,
                    Pattern.compile("\\bnode " + Q + "(?<node>[^\"\\\\]+)" + Q + " not found"),
                    "the kubelet finds no Node named \"${node}\": it is not registered under that name"
                            + " (registration failing, a changed --hostname-override, or the Node was deleted)",
                    "`kubectl get nodes`: if the node is registered under another name, make --hostname-override match it (or delete"
                            + " the stale Node) and restart the kubelet; if the journal shows Unauthorized, `kubejoin reset NODE` (T3)",
                    NODE_REGISTERED, List.of("csr-denied-or-failed", "t2-csr-approved-not-issued", "csr-not-signed",
                            "x509-unknown-authority", "x509-expired-or-not-yet-valid", "bootstrap-token-rejected",
                            "t3-stale-client-credential", "container-runtime-down", "register-node-failed")));

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z][A-Za-z0-9]*)\\}");
    private static final Pattern OPTIONAL = Pattern.compile("\\[\\[(.*?)\\]\\]");

    private JournalSignatures() {
    }

    /**
     * The error of a kubelet's failed Node create ("Unable to register node", either log form), or null when
     * {@code line} is not one: wait-ready's look reads it with the signature's own pattern.
     */
    public static String registrationError(String line) {
        Matcher m = REGISTER_NODE_FAILED.matcher(line);
        if (!m.find()) return null;
        return m.group("err") != null ? m.group("err") : m.group("quoted");
    }

    /** The table, most specific first. */
    public static List<Signature> signatures() {
        return TABLE;
    }

    /**
     * Every signature found in a unit's journal, each once, in table order, with the last line it claimed as
     * evidence (see the class comment for the rules).
     *
     * @param unit         the journal's unit: {@code kubelet}, {@code kube-proxy}, {@code kube-apiserver}... (a
     *                     {@code .service} suffix is ignored)
     * @param journalLines the lines, oldest first
     */
    public static List<Match> match(String unit, List<String> journalLines) {
        String u = normalise(unit);
        List<Signature> applicable = TABLE.stream().filter(s -> s.appliesTo(u)).toList();
        Map<String, Integer> lastMatch = new HashMap<>();
        Map<String, Matcher> lastMatcher = new HashMap<>();
        Map<String, Integer> lastCleared = new HashMap<>();
        for (int i = 0; i < journalLines.size(); i++) {
            String line = journalLines.get(i);
            if (line == null) continue;
            boolean claimed = false;
            for (Signature s : applicable) {
                if (!claimed) {
                    Matcher m = s.regex().matcher(line);
                    if (m.find()) {
                        claimed = true;
                        lastMatch.put(s.id(), i);
                        lastMatcher.put(s.id(), m);
                        continue;
                    }
                }
                if (s.clearedBy() != null && s.clearedBy().matcher(line).find()) lastCleared.put(s.id(), i);
            }
        }
        Set<String> found = new HashSet<>();
        for (Signature s : applicable) {
            Integer at = lastMatch.get(s.id());
            if (at != null && lastCleared.getOrDefault(s.id(), -1) < at) found.add(s.id());
        }
        List<Match> matches = new ArrayList<>();
        for (Signature s : applicable) {
            if (!found.contains(s.id()) || s.supersededBy().stream().anyMatch(found::contains)) continue;
            Matcher m = lastMatcher.get(s.id());
            matches.add(new Match(s.id(), u, render(s.what(), m, u), journalLines.get(lastMatch.get(s.id())), render(s.fix(), m, u)));
        }
        return List.copyOf(matches);
    }

    private static String normalise(String unit) {
        String u = unit == null ? "" : unit.trim().toLowerCase(Locale.ROOT);
        return u.endsWith(".service") ? u.substring(0, u.length() - ".service".length()) : u;
    }

    /** Fills {@code ${group}} and {@code ${unit}}; drops a {@code [[...]]} part naming a group that did not take part. */
    static String render(String template, Matcher m, String unit) {
        Matcher opt = OPTIONAL.matcher(template);
        StringBuilder out = new StringBuilder();
        while (opt.find()) {
            String part = opt.group(1);
            boolean complete = PLACEHOLDER.matcher(part).results().allMatch(r -> value(m, r.group(1), unit) != null);
            opt.appendReplacement(out, Matcher.quoteReplacement(complete ? part : ""));
        }
        opt.appendTail(out);
        Matcher ph = PLACEHOLDER.matcher(out.toString());
        StringBuilder filled = new StringBuilder();
        while (ph.find()) {
            String v = value(m, ph.group(1), unit);
            ph.appendReplacement(filled, Matcher.quoteReplacement(v == null ? "?" : v));
        }
        ph.appendTail(filled);
        return filled.toString();
    }

    private static String value(Matcher m, String name, String unit) {
        if (name.equals("unit")) return unit;
        String v;
        try {
            v = m.group(name);
        } catch (IllegalArgumentException noSuchGroup) {
            return null;
        }
        if (v == null) return null;
        v = v.replace("\\\"", "\"").replace("\\\\", "\\").trim();
        return v.isEmpty() ? null : v;
    }
}
