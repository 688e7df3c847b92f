package io.kubejoin.doctor;

import io.kubejoin.cluster.CsrView;
import io.kubejoin.cluster.Finding;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.cluster.Preflight;
import io.kubejoin.cluster.TokenInfo;
import io.kubejoin.cluster.TokenService;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.join.JoinRunner;
import io.kubejoin.join.JournalSignatures;
import io.kubejoin.join.NodeCommands;
import io.kubejoin.join.NodeContext;
import io.kubejoin.join.PhaseFailure;
import io.kubejoin.join.phases.NodePreflightPhase;
import io.kubejoin.join.phases.VerifyPhase;
import io.kubejoin.remote.ExecResult;
import io.kubejoin.remote.Transport;
import io.kubejoin.remote.TransportException;
import io.kubejoin.render.NodeFiles;
import io.kubejoin.status.FleetStatus;
import io.kubejoin.status.NodeStatus;
import io.kubejoin.util.Parallel;
import io.kubejoin.version.VersionRule;
import io.kubejoin.version.VersionRules;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import io.kubejoin.remote.script.StatusScripts;
import io.kubejoin.remote.script.UnitScripts;
import io.kubejoin.remote.script.VerifyScripts;

/**
 * The checks of {@code kubejoin doctor}: the control plane (T1, T2 through the preflight, then the CSRs: approved
 * but never issued, piling up for one node, serving CSRs nobody approves), then each node over SSH: its
 * conditions (runtime socket, swap, cgroup v1, kernel modules, clock), hostname agreement between kubelet,
 * kube-proxy and the node name, flags the release removed left in a unit, the proxy mode's tools and rules,
 * certificate expiry, every condition {@code kubejoin status} flags ({@link #statusDiagnosis}: a stopped or failed
 * unit with its systemd state and last lines, NotReady, version, pending CSRs, …), and the journals of both units
 * since each one's current start matched against {@link JournalSignatures}, less what the present state contradicts.
 *
 * <p>Reads only, except the control-plane preflight's probe token (created and deleted to test bootstrap-token
 * authentication, as {@code kubejoin preflight} does).
 */
public final class Doctor {
    /** Journal lines read per unit: enough to hold a few restart cycles of a crash-looping kubelet. */
    static final int JOURNAL_LINES = 200;

    /**
     * @param unsignedAfter  an approved CSR without a certificate for this long means no signer runs (T2)
     * @param servingPending a serving CSR pending this long means no approver runs for them
     * @param pileUp         this many pending CSRs for one node means its kubelet keeps re-requesting
     */
    public record Settings(int parallel, int warnDays, Duration unsignedAfter, Duration servingPending, int pileUp) {
        public static Settings defaults() {
            return new Settings(50, 30, Duration.ofMinutes(1), Duration.ofMinutes(5), 3);
        }
    }

    private Doctor() {
    }

    /** Control-plane findings, then each node's in inventory order; without an inventory only the control plane's. */
    public static List<Diagnosis> run(Inventory inv, List<Node> nodes, KubeConnection conn,
                                      JoinRunner.TransportFactory transports, Settings settings, Clock clock)
            throws InterruptedException {
        List<Diagnosis> out = new ArrayList<>(controlPlane(inv, conn, settings, clock));
        if (inv == null) return out;
        // the present state each node's findings are checked against: its Node object and its pending CSRs
        Map<String, io.fabric8.kubernetes.api.model.Node> registered = new HashMap<>();
        for (var n : conn.call(io.kubejoin.cluster.Access.cluster("list", "nodes"), () -> conn.client().nodes().list().getItems())) {
            registered.put(n.getMetadata().getName(), n);
        }
        Map<String, Integer> pending = FleetStatus.pendingCsrsByNode(conn);
        Parallel.map(nodes, settings.parallel(), "kubejoin-doctor", n -> node(inv, n, registered.get(n.name()),
                        pending.getOrDefault(n.name(), 0), transports, settings, clock))
                .forEach(out::addAll);
        return out;
    }

    // ------------------------------------------------------------------------------------------ control plane

    static List<Diagnosis> controlPlane(Inventory inv, KubeConnection conn, Settings settings, Clock clock) {
        List<Diagnosis> out = new ArrayList<>();
        TokenService tokens = new TokenService(conn, clock, new SecureRandom());
        Preflight preflight = new Preflight(conn, tokens, clock, Preflight.Settings.defaults());
        List<Finding> findings = new ArrayList<>();
        if (inv != null) {
            findings.addAll(preflight.run(inv));
        } else {
            // no inventory: what can be told without knowing the nodes' version
            findings.addAll(preflight.checkBootstrapTokens(io.kubejoin.inventory.Defaults.BOOTSTRAP_GROUP));
            findings.add(preflight.checkControllerManager());
        }
        for (Finding f : findings) {
            if (f.level() == Finding.Level.OK) continue;
            String id = switch (f.check()) {
                case Preflight.CHECK_TOKEN_AUTH -> "t1-bootstrap-token-auth";
                case Preflight.CHECK_CONTROLLER_MANAGER -> "t2-controller-manager";
                default -> f.check();
            };
            out.add(new Diagnosis(id, null, f.message(), "preflight " + f.check(), f.fix()));
        }
        List<CsrView> csrList = CsrView.list(conn);
        List<TokenInfo> tokenList = tokens.list();
        out.addAll(csrs(csrList, tokenList, settings, clock.instant()));
        if (inv != null) out.addAll(failedCsrs(inv, csrList, tokenList));
        return out;
    }

    /**
     * CSRs of inventory nodes the signer marked Failed (it refuses, after approval, what its release does not
     * accept): the kubelet got no certificate and says little more than that it is still waiting.
     */
    static List<Diagnosis> failedCsrs(Inventory inv, List<CsrView> csrs, List<TokenInfo> tokens) {
        Map<String, String> tokenNode = new HashMap<>();
        for (TokenInfo t : tokens) if (t.node() != null) tokenNode.put(t.id(), t.node());
        Map<String, List<CsrView>> byNode = new LinkedHashMap<>();
        for (CsrView c : csrs) {
            String node = nodeOf(c, tokenNode);
            if (node == null || inv.node(node).isEmpty() || c.refusal() == null || !c.refusal().startsWith("failed: ")) {
                continue;
            }
            byNode.computeIfAbsent(node, k -> new ArrayList<>()).add(c);
        }
        List<Diagnosis> out = new ArrayList<>();
        byNode.forEach((node, list) -> {
            String evidence = String.join("; ", list.stream().limit(5)
                    .map(c -> c.name() + " (" + c.signerName() + "): Failed, " + c.refusal().substring("failed: ".length()))
                    .toList());
            boolean usages = list.stream().anyMatch(c -> c.refusal().contains("usages did not match"));
            String fix = usages
                    ? "the cluster's signer (kube-controller-manager before 1.25) accepts kubelet CSRs only with \"key "
                    + "encipherment\" in spec.usages, which kubelets from 1.27 leave out for ECDSA keys: run kubelet of "
                    + "the control plane's release (set kubernetesVersion to it) or upgrade kube-controller-manager; "
                    + "then kubejoin reset " + node + " and join it again"
                    : "the signer refused what was approved (the message says why); kubectl delete csr "
                    + list.get(0).name() + ", fix the cause, then kubejoin reset " + node + " and join it again";
            out.add(new Diagnosis("csr-failed", node, list.size() + " CSR(s) of " + node + " were approved but the "
                    + "signer refused them (condition Failed): its kubelet has no certificate from them", evidence, fix));
        });
        return out;
    }

    /** What the CSRs show: T2 (approved, never issued), one node's CSRs piling up, serving CSRs left pending. */
    static List<Diagnosis> csrs(List<CsrView> csrs, List<TokenInfo> tokens, Settings settings, Instant now) {
        List<Diagnosis> out = new ArrayList<>();
        List<String> unsigned = new ArrayList<>();
        for (CsrView c : csrs) {
            if (c.approvedAt() != null && c.refusal() == null && !c.hasCertificate() && c.created() != null
                    && c.created().plus(settings.unsignedAfter()).isBefore(now)) {
                unsigned.add(c.name());
            }
        }
        if (!unsigned.isEmpty()) {
            out.add(new Diagnosis("t2-csrs-not-signed", null, unsigned.size() + " approved CSR(s) got no certificate for over "
                    + settings.unsignedAfter().toSeconds() + " s: nothing signs kubelet certificates",
                    "approved, status.certificate empty: " + String.join(", ", unsigned.subList(0, Math.min(5, unsigned.size()))),
                    "kube-controller-manager must run with --cluster-signing-cert-file and --cluster-signing-key-file "
                            + "(the cluster CA) and hold its leader lease; then the kubelets get their certificates"));
        }
        Map<String, String> tokenNode = new HashMap<>();
        for (TokenInfo t : tokens) if (t.node() != null) tokenNode.put(t.id(), t.node());
        Map<String, List<CsrView>> pendingByNode = new LinkedHashMap<>();
        List<String> servingStale = new ArrayList<>();
        for (CsrView c : csrs) {
            if (!c.pending()) continue;
            String node = nodeOf(c, tokenNode);
            if (node != null) pendingByNode.computeIfAbsent(node, k -> new ArrayList<>()).add(c);
            if ("kubernetes.io/kubelet-serving".equals(c.signerName()) && c.created() != null
                    && c.created().plus(settings.servingPending()).isBefore(now)) {
                servingStale.add(c.name() + (node == null ? "" : " (" + node + ")"));
            }
        }
        pendingByNode.forEach((node, list) -> {
            if (list.size() >= settings.pileUp()) {
                out.add(new Diagnosis("csrs-piling-up", node, list.size() + " CSRs pending for " + node
                        + ": its kubelet keeps asking and nothing approves (the article's symptom)",
                        String.join(", ", list.stream().map(CsrView::name).limit(5).toList()),
                        "kubejoin approve --once approves the legitimate ones; if the kubelet keeps re-requesting, its "
                                + "credential is stale: kubejoin reset " + node));
            }
        });
        if (!servingStale.isEmpty()) {
            out.add(new Diagnosis("serving-csrs-unapproved", null, servingStale.size() + " kubelet-serving CSR(s) pending for over "
                    + settings.servingPending().toMinutes() + " min: no approver runs for serving certificates "
                    + "(kube-controller-manager never approves them)",
                    String.join(", ", servingStale.subList(0, Math.min(5, servingStale.size()))),
                    "kubejoin approve --watch (or re-run kubejoin join, which approves them); without them kubectl "
                            + "logs/exec to those nodes fail"));
        }
        return out;
    }

    private static String nodeOf(CsrView c, Map<String, String> tokenNode) {
        String u = c.username();
        if (u == null) return null;
        if (u.startsWith("system:node:")) return u.substring("system:node:".length());
        if (u.startsWith("system:bootstrap:")) return tokenNode.get(u.substring("system:bootstrap:".length()));
        return null;
    }

    // ------------------------------------------------------------------------------------------ nodes

    static List<Diagnosis> node(Inventory inv, Node node, io.fabric8.kubernetes.api.model.Node api, int pendingCsrs,
                                JoinRunner.TransportFactory transports, Settings settings, Clock clock) {
        List<Diagnosis> out = new ArrayList<>();
        // what kubejoin status flags, each diagnosed below with its cause and fix
        NodeStatus status = FleetStatus.probe(inv, node, api, pendingCsrs, transports,
                new FleetStatus.Settings(1, settings.warnDays()), clock.instant());
        if (status.ssh() != null) {
            for (NodeStatus.Flag f : status.flags()) {
                Diagnosis d = statusDiagnosis(node.name(), status, f, Unit.UNKNOWN, Unit.UNKNOWN);
                if (d != null) out.add(d);
            }
            return out;
        }
        try (Transport t = transports.open(node)) {
            NodeContext ctx = new NodeContext(inv, node, List.of(), t);
            try {
                for (NodePreflightPhase.Problem p : new NodePreflightPhase(clock).problems(ctx, false)) {
                    out.add(new Diagnosis(p.check(), node.name(), p.what(), p.evidence(), p.fix()));
                }
            } catch (PhaseFailure e) {
                out.add(new Diagnosis("node-unreachable", node.name(), e.getMessage(), "", e.hint()));
                return out;
            }
            NodeFiles paths = new NodeFiles(inv.paths());
            String kubeletUnit = t.readText(paths.kubeletUnit()).orElse(null);
            String proxyUnit = t.readText(paths.kubeProxyUnit()).orElse(null);
            String proxyConfig = t.readText(paths.kubeProxyConfig()).orElse(null);
            out.addAll(hostnames(node, kubeletUnit, proxyConfig, run(t, UnitScripts.hostname()).stdout().strip()));
            out.addAll(removedFlags(inv, node, VersionRule.Component.KUBELET, paths.kubeletUnit(), kubeletUnit));
            out.addAll(removedFlags(inv, node, VersionRule.Component.KUBE_PROXY, paths.kubeProxyUnit(), proxyUnit));
            out.addAll(proxyRules(inv, node, t));
            out.addAll(certificates(node, paths, t, settings.warnDays(), clock.instant()));
            Map<String, Unit> units = new HashMap<>();
            for (String unit : List.of(JournalSignatures.KUBELET, JournalSignatures.KUBE_PROXY)) {
                Unit u = unit(t, unit);
                units.put(unit, u);
                for (JournalSignatures.Match m : JournalSignatures.match(unit, u.journal())) {
                    // a line the present state contradicts is history: "node not found" before a registration
                    // that has happened since (the kubelet logs it on every healthy first start)
                    if (contradicted(m.id(), status)) continue;
                    out.add(new Diagnosis(m.id(), node.name(), m.what(), unit + ": " + m.evidence(),
                            m.fix().replace("NODE", node.name())));
                }
            }
            for (NodeStatus.Flag f : status.flags()) {
                Diagnosis d = statusDiagnosis(node.name(), status, f, units.get(JournalSignatures.KUBELET),
                        units.get(JournalSignatures.KUBE_PROXY));
                if (d != null) out.add(d);
            }
        } catch (TransportException e) {
            out.add(new Diagnosis("node-unreachable", node.name(), "cannot reach the node over SSH: " + e.getMessage(), "",
                    "check the address, SSH port, user, key and known_hosts entry"));
        }
        return out;
    }

    /**
     * A journal finding the present state contradicts: "node not found" while the Node exists (a healthy first
     * start logs it, even once after registering). A failed registration is not: the kubelet retries it for ever
     * while running (registerWithAPIServer), and the Node may still read Ready from its predecessor's last heartbeat
     * (a kubelet restarted with a stale certificate, T3); only a later "registered" line of the same run clears it
     * (the signature's own clearing pattern). A kubelet failing now keeps its finding: that is the cause.
     */
    static boolean contradicted(String signature, NodeStatus st) {
        return switch (signature) {
            case "node-not-found" -> st.registered();
            default -> false;
        };
    }

    /** systemd's view of a unit and its journal since the unit's current (or last) start. */
    record Unit(Map<String, String> properties, List<String> journal, List<String> lastLines) {
        static final Unit UNKNOWN = new Unit(Map.of(), List.of(), List.of());

        String get(String property) {
            return properties.getOrDefault(property, "");
        }

        /** "ActiveState=inactive SubState=dead Result=success" and the rest systemctl show told. */
        String describe() {
            StringBuilder sb = new StringBuilder();
            for (String p : SHOWN) {
                String v = get(p);
                if (!v.isEmpty()) sb.append(sb.length() == 0 ? "" : " ").append(p).append('=').append(v);
            }
            return sb.length() == 0 ? "systemctl show told nothing" : sb.toString();
        }
    }

    private static final List<String> SHOWN = List.of("ActiveState", "SubState", "Result", "UnitFileState",
            "ExecMainStartTimestamp", "ExecMainExitTimestamp", "InvocationID");

    /**
     * The unit's state, and its journal since its current start: the lines of its current (or, when stopped, last)
     * run by {@code _SYSTEMD_INVOCATION_ID} (systemd 232+); without invocation ids, {@code --since} its start time
     * (read as systemctl prints it, in the node's local time, which is how journalctl reads it back). Lines of
     * earlier runs are history and are not matched.
     */
    static Unit unit(Transport t, String unit) throws TransportException {
        Map<String, String> p = new HashMap<>();
        ExecResult show = run(t, UnitScripts.show(unit, SHOWN));
        for (String line : show.stdout().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) p.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
        }
        ExecResult j = run(t, journalCommand(unit, p.getOrDefault("InvocationID", ""), p.getOrDefault("ExecMainStartTimestamp", "")));
        ExecResult last = run(t, UnitScripts.journal(unit, LAST_LINES));
        return new Unit(p, lines(j.stdout()), lines(last.stdout()));
    }

    /** Lines shown as the evidence of a stopped or failed unit: its last ones, systemd's stop or failure included. */
    static final int LAST_LINES = 4;

    static String journalCommand(String unit, String invocationId, String startTimestamp) {
        return UnitScripts.journalSince(unit, invocationId, startTimestamp, JOURNAL_LINES);
    }

    private static List<String> lines(String stdout) {
        if (stdout.isBlank() || stdout.strip().equals("-- No entries --")) return List.of();
        return Arrays.asList(stdout.strip().split("\n"));
    }

    /**
     * The diagnosis of one condition status flags: what, the evidence, the fix. Null only for a condition one of
     * doctor's own checks reports already (the client and kube-proxy certificates' expiry: {@link #certificates};
     * healthz of a kube-proxy that is not running: the inactive service is the cause).
     */
    static Diagnosis statusDiagnosis(String n, NodeStatus st, NodeStatus.Flag f, Unit kubelet, Unit proxy) {
        return switch (f.condition()) {
            case NOT_REGISTERED -> new Diagnosis("node-not-registered", n, "no Node named " + n + " in the API server: the kubelet"
                    + " has not registered", f.text() + "; kubelet " + kubelet.describe(),
                    "if the kubelet runs, its journal findings for this node name the cause; otherwise kubejoin join");
            case NOT_READY -> new Diagnosis("node-not-ready", n, "the Node is NotReady", "Ready condition: " + st.readyMessage()
                    + "; kubelet " + kubelet.describe(), "the kubelet must run and reach kube-apiserver: see the kubelet findings"
                    + " for this node (systemctl start kubelet if it is stopped)");
            case KUBELET_VERSION -> new Diagnosis("kubelet-version-mismatch", n, "the kubelet runs " + st.kubeletVersion()
                    + ", not the inventory's release " + st.expectedVersion(), "Node.status.nodeInfo.kubeletVersion=" + st.kubeletVersion(),
                    "kubejoin join installs and restarts the inventory's kubelet; or set kubernetesVersion to the release the nodes run");
            case PENDING_CSRS -> new Diagnosis("csr-pending", n, st.pendingCsrs() + " CSR(s) of this node are pending: nothing"
                    + " approved them", f.text(), "kubejoin approve --once (kubejoin approve --watch keeps approving); "
                    + "kube-controller-manager never approves kubelet-serving CSRs");
            case SERVING_TLS -> new Diagnosis("kubelet-serving-tls", n, "the kubelet's :10250 does not answer TLS: "
                    + (isActive(kubelet) ? "it has no serving certificate yet" : "the kubelet does not run"), f.text(),
                    isActive(kubelet) ? "approve its pending kubelet-serving CSR: kubejoin approve --once"
                            : "start the kubelet (see the kubelet-inactive finding)");
            case SERVING_CERT -> new Diagnosis(f.text().contains("expired") ? "certificate-expired" : "certificate-expiring", n,
                    "the kubelet serving certificate " + (f.text().contains("expired") ? "expired" : "expires soon"), f.text(),
                    "approve the kubelet's next kubelet-serving CSR (kubejoin approve --watch); kubelet files it itself with"
                            + " serverTLSBootstrap and rotateCertificates");
            case CLIENT_CERT_MISSING -> new Diagnosis("kubelet-client-certificate-missing", n, "the kubelet has no client"
                    + " certificate: its TLS bootstrap has not completed", f.text(), "the kubelet findings for this node name the"
                    + " cause (token, CSR approval, signer); kubejoin join issues a new bootstrap token and approves its CSR");
            case PROXY_CERT_MISSING -> new Diagnosis("kube-proxy-certificate-missing", n, "kube-proxy's client certificate is not"
                    + " on the node", f.text(), "kubejoin join pushes it (it issues it from the cluster CA)");
            case KUBELET_SERVICE -> inactive(n, "kubelet", st.kubeletService(), kubelet);
            case PROXY_SERVICE -> inactive(n, "kube-proxy", st.proxyService(), proxy);
            case PROXY_HEALTHZ -> "active".equals(st.proxyService()) ? new Diagnosis("kube-proxy-unhealthy", n, "kube-proxy runs"
                    + " but its healthz :10256 does not answer ok: it has not synced its rules recently", f.text(),
                    "the kube-proxy findings for this node name the cause (journalctl -u kube-proxy)") : null;
            case SSH -> new Diagnosis("node-unreachable", n, "cannot reach the node over SSH: " + st.ssh(), f.text(),
                    "check the address, SSH port, user, key and known_hosts entry");
            case CLIENT_CERT, PROXY_CERT -> null;
        };
    }

    private static boolean isActive(Unit u) {
        return u.get("ActiveState").isEmpty() || u.get("ActiveState").equals("active");
    }

    /** A unit status flags as not active: stopped by someone, or exited with an error (its journal has the cause). */
    private static Diagnosis inactive(String node, String unit, String isActive, Unit u) {
        boolean failed = "failed".equals(u.get("ActiveState")) || "failed".equals(isActive)
                || (!u.get("Result").isEmpty() && !u.get("Result").equals("success"));
        String evidence = u.describe() + (u.lastLines().isEmpty() ? "" : "; last journal lines: " + String.join(" | ", u.lastLines()));
        String enable = "disabled".equals(u.get("UnitFileState")) ? " and systemctl enable " + unit + " (it is disabled: it"
                + " would not start at boot)" : "";
        if (failed) {
            return new Diagnosis(unit + "-failed", node, unit + " is not running: it exited with an error", evidence,
                    "the " + unit + " journal findings for this node name the cause (journalctl -u " + unit + "); fix it, then"
                            + " systemctl restart " + unit + enable);
        }
        return new Diagnosis(unit + "-inactive", node, unit + " is not running: it was stopped ("
                + (isActive == null ? "state unknown" : isActive) + ")", evidence, "systemctl start " + unit + enable);
    }

    private static ExecResult run(Transport t, String command) throws TransportException {
        return t.exec(command, NodeCommands.TIMEOUT);
    }

    private static final Pattern HOSTNAME_OVERRIDE = Pattern.compile("--hostname-override[= ]\"?([^\\s\"\\\\]+)");
    private static final Pattern PROXY_HOSTNAME = Pattern.compile("(?m)^hostnameOverride:\\s*\"?([^\\s\"#]+)");

    /**
     * kubelet registers as --hostname-override (else the machine's hostname); kube-proxy looks its node up by its
     * hostnameOverride: when they differ kube-proxy finds no node, cannot tell its IP and programs no rules.
     */
    static List<Diagnosis> hostnames(Node node, String kubeletUnit, String proxyConfig, String machineHostname) {
        List<Diagnosis> out = new ArrayList<>();
        String kubeletName = null;
        if (kubeletUnit != null) {
            Matcher m = HOSTNAME_OVERRIDE.matcher(kubeletUnit);
            kubeletName = m.find() ? m.group(1) : machineHostname;
        }
        String proxyName = null;
        if (proxyConfig != null) {
            Matcher m = PROXY_HOSTNAME.matcher(proxyConfig);
            proxyName = m.find() ? m.group(1) : machineHostname;
        }
        if (kubeletName != null && !kubeletName.isEmpty() && !kubeletName.equals(node.name())) {
            out.add(new Diagnosis("node-name-mismatch", node.name(), "kubelet registers as \"" + kubeletName
                    + "\", but the inventory names this node \"" + node.name() + "\"",
                    kubeletUnit.contains("--hostname-override") ? "--hostname-override=" + kubeletName + " in the kubelet unit"
                            : "no --hostname-override; hostname is " + machineHostname,
                    "re-run kubejoin join (it renders --hostname-override=" + node.name() + "), or rename the node in the inventory"));
        }
        if (kubeletName != null && proxyName != null && !kubeletName.equals(proxyName)) {
            out.add(new Diagnosis("hostname-mismatch", node.name(), "kube-proxy looks for node \"" + proxyName
                    + "\" but kubelet registered \"" + kubeletName + "\": kube-proxy then finds no node and programs no rules",
                    "hostnameOverride: " + proxyName + " in the kube-proxy config",
                    "set kube-proxy's hostnameOverride to " + kubeletName + " (kubejoin join renders both from the node name)"));
        }
        return out;
    }

    private static final Pattern FLAG = Pattern.compile("(?:^|\\s)--([a-z0-9][a-z0-9-]*)");

    /** A flag the target release removed, left in a (hand-edited) unit: the binary exits with "unknown flag". */
    static List<Diagnosis> removedFlags(Inventory inv, Node node, VersionRule.Component component, String unitPath,
                                        String unit) {
        if (unit == null) return List.of();
        List<Diagnosis> out = new ArrayList<>();
        Matcher m = FLAG.matcher(unit.replace("\\\n", " "));
        while (m.find()) {
            String flag = m.group(1);
            Optional<VersionRule> rule = VersionRules.find(component, VersionRule.Kind.FLAG, flag);
            if (rule.isPresent() && rule.get().removedIn(inv.kubernetesVersion())) {
                VersionRule r = rule.get();
                out.add(new Diagnosis("removed-flag", node.name(), component.binary() + " " + inv.kubernetesVersion()
                        + " has no --" + flag + " (removed in " + r.removed().minorString() + "): it exits with \"unknown flag\"",
                        unitPath + ": --" + flag,
                        "remove it from the unit" + (r.replacement().isEmpty() ? "" : " (" + r.replacement() + ")")
                                + ", or re-run kubejoin join to render the unit for " + inv.kubernetesVersion()));
            }
        }
        return out;
    }

    /** The proxy mode's tool present, and the kubernetes Service's VIP in its rules (as verify checks it). */
    static List<Diagnosis> proxyRules(Inventory inv, Node node, Transport t) throws TransportException {
        String mode = node.kubeProxy().mode().value();
        String vip = inv.network().kubernetesServiceIp();
        ExecResult r = run(t, VerifyScripts.rules(mode, vip));
        if (r.ok()) return List.of();
        String tool = switch (mode) {
            case "ipvs" -> "ipvsadm";
            case "nftables" -> "nft";
            default -> "iptables-save";
        };
        if (r.exitCode() == 127) {
            return List.of(new Diagnosis("proxy-tool-missing", node.name(), tool + " is not installed: kube-proxy's "
                    + mode + " mode needs it", r.summary(), "install " + (mode.equals("ipvs") ? "ipvsadm and ipset"
                    : mode.equals("nftables") ? "nftables" : "iptables") + " on the node"));
        }
        return List.of(new Diagnosis("proxy-rules-missing", node.name(), "no " + mode + " rule for the kubernetes service "
                + vip + ":443: kube-proxy has not programmed the service rules", tool + ": " + r.summary(),
                "check 'journalctl -u kube-proxy' (kubejoin doctor matches its lines) and that kube-proxy runs"));
    }

    /** kubelet's client certificate and kube-proxy's: expired or within the warning window. */
    static List<Diagnosis> certificates(Node node, NodeFiles paths, Transport t, int warnDays, Instant now)
            throws TransportException {
        Map<String, String> s = NodeCommands.sections(run(t, StatusScripts.probe(paths, node.address())).stdout());
        List<Diagnosis> out = new ArrayList<>();
        certificate(out, node, "kubelet client", paths.certDir() + "/kubelet-client-current.pem",
                FleetStatus.notAfter(s.get("client")), warnDays, now, "kubejoin reset " + node.name()
                        + " (kubelet bootstraps a new one; with rotateCertificates it renews by itself before expiry)");
        certificate(out, node, "kube-proxy", paths.kubeProxyCert(), FleetStatus.notAfter(s.get("proxy")), warnDays, now,
                "re-issue it: remove .kubejoin/<inventory>/kube-proxy*.pem and re-run kubejoin join");
        return out;
    }

    private static void certificate(List<Diagnosis> out, Node node, String what, String path, Instant notAfter,
                                    int warnDays, Instant now, String fix) {
        if (notAfter == null) return;
        if (!notAfter.isAfter(now)) {
            out.add(new Diagnosis("certificate-expired", node.name(), "the " + what + " certificate expired",
                    path + ": notAfter " + notAfter, fix));
        } else if (notAfter.isBefore(now.plus(Duration.ofDays(warnDays)))) {
            out.add(new Diagnosis("certificate-expiring", node.name(), "the " + what + " certificate expires in "
                    + Duration.between(now, notAfter).toDays() + " day(s)", path + ": notAfter " + notAfter, fix));
        }
    }
}
