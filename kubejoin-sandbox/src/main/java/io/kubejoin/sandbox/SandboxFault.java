package io.kubejoin.sandbox;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import io.kubejoin.sandbox.api.CsrSigningController;
import io.kubejoin.sandbox.node.NodeKernel;

/**
 * The sandbox's fault switches by name, for {@code kubejoin sandbox up --fault NAME} and {@code kubejoin demo --fault
 * NAME}: each breaks one thing the way it breaks on a real cluster, so {@code kubejoin doctor} can be watched
 * diagnosing it. A fault that touches one machine picks the first node (and the second as the other party).
 *
 * <p>To add one: a constant with its name, one line saying what breaks, when it applies and what it does to the
 * running {@link Sandbox}.
 */
public enum SandboxFault {
    T1("t1", When.BEFORE_JOIN, "kube-apiserver runs without --enable-bootstrap-token-auth: bootstrap tokens are rejected",
            s -> s.api().bootstrapTokenAuth(false)),
    T2("t2", When.BEFORE_JOIN, "kube-controller-manager does not sign: approved CSRs never get a certificate",
            s -> s.api().signer(false)),
    DROP_DURING_PUSH("drop-during-push", When.BEFORE_JOIN,
            "the first node's SSH connection drops in the middle of its next file upload (the join retries)",
            s -> s.ssh().dropConnectionDuringNextPush(first(s).address(), 100)),
    FAILING_KUBELET("failing-kubelet", When.BEFORE_JOIN, "the first node's kubelet exits at once whenever it starts",
            s -> first(s).failKubelet(true)),
    FORGED_CSR("forged-csr", When.BEFORE_JOIN,
            "the first node's kubelet asks for the client certificate of another node (the approver must deny it)",
            s -> first(s).forgeCsrFor(other(s))),
    BUILT_IN_MODULES("built-in-modules", When.BEFORE_JOIN,
            "every node's kernel has ip_tables, iptable_filter, iptable_nat built in and no /lib/modules (use --proxy-mode iptables)",
            s -> s.nodes().values().forEach(n -> n.kernel(NodeKernel.Kernel.NETFILTER_BUILT_IN))),
    KUBELET_BUILD_SUFFIX("kubelet-build-suffix", When.BEFORE_JOIN,
            "every node's kubelet is a vendor build of the release: it reports its version as v<release>-lab",
            s -> s.nodes().values().forEach(n -> n.kubeletBuildSuffix("-lab"))),
    STOPPED_KUBELET("stopped-kubelet", When.AFTER_JOIN,
            "after the join, the first node's kubelet is stopped (systemctl stop kubelet)",
            s -> first(s).exec("systemctl stop kubelet")),
    RUNTIME_DOWN("runtime-down", When.AFTER_JOIN,
            "after the join, containerd stops on the first node and kubelet restarts: it exits with the CRI error, again and again",
            s -> {
                first(s).runtimeDown(true);
                first(s).exec("systemctl restart kubelet");
            }),
    NO_LEADER_ELECTION("no-leader-election", When.BEFORE_JOIN,
            "kube-controller-manager runs with --leader-elect=false: it signs but renews no Lease (the old one goes stale)",
            s -> {
                CsrSigningController c = s.api().signingController();
                c.stop();
                c.leaderElect(false);
                c.start();
            }),
    SLOW_KUBE_PROXY_SYNC("slow-kube-proxy-sync", When.BEFORE_JOIN,
            "every node's kube-proxy takes 5 s to its first sync (as with thousands of Services): verify must wait",
            s -> s.nodes().values().forEach(n -> n.kubeProxyFirstSync(java.time.Duration.ofSeconds(5)))),
    CLAIMED_ADDRESS("claimed-address", When.BEFORE_JOIN,
            "the first node's kubelet adds 203.0.113.7 to its own Node status and asks for a serving certificate for it "
                    + "(the approver must deny it: only the inventory's addresses count)",
            s -> first(s).reportExtraAddress("203.0.113.7")),
    UNPREPARED_KERNEL("unprepared-kernel", When.BEFORE_JOIN,
            "the first node's kernel is as a fresh one boots: ip_forward 0, br_netfilter not loaded (node-preflight stops that node)",
            s -> first(s).kernelSettings(false)),
    CGROUP_DRIVER_MISMATCH("cgroup-driver-mismatch", When.BEFORE_JOIN,
            "the first node's containerd runs runc with the other cgroup driver than the inventory's kubelet "
                    + "(SystemdCgroup flipped; node-preflight stops that node)",
            s -> first(s).host().systemdCgroup(!first(s).host().systemdCgroup())),
    CRI_DISABLED("cri-disabled", When.BEFORE_JOIN,
            "the first node's containerd has disabled_plugins = [\"cri\"], as the containerd.io package ships it "
                    + "(node-preflight stops that node)",
            s -> first(s).host().criDisabled(true)),
    OLD_CONTAINERD("old-containerd", When.BEFORE_JOIN,
            "the first node runs containerd 1.5.18, which no kubelet from 1.24 supports (node-preflight stops that node)",
            s -> first(s).host().containerdVersion("1.5.18")),
    MISSING_PROXY_PROGRAMS("missing-proxy-programs", When.BEFORE_JOIN,
            "the first node has no conntrack, ipset, nft or iptables-restore (node-preflight names those its proxy mode needs)",
            s -> List.of("conntrack", "ipset", "nft", "iptables-restore").forEach(first(s).host()::remove)),
    FOREIGN_ADDRESS("foreign-address", When.BEFORE_JOIN,
            "the first node's interfaces do not carry its inventory address (kubelet's --node-ip): node-preflight stops it",
            s -> first(s).host().interfaceAddresses(List.of("10.0.2.15/24"))),
    UNRESOLVED_NAME("unresolved-name", When.BEFORE_JOIN,
            "the first node's /etc/hosts does not name it (node-preflight warns, as kubeadm's HostnameCheck)",
            s -> {
                try {
                    java.nio.file.Files.writeString(first(s).root().resolve("etc/hosts"), "127.0.0.1 localhost\n");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }),
    DISK_FULL("disk-full", When.BEFORE_JOIN,
            "the first node's disk has 2 GiB free of 50 GiB, below kubelet's eviction thresholds (node-preflight warns)",
            s -> first(s).host().disk(50L * 1024 * 1024, 2L * 1024 * 1024)),
    HEALTHZ_PORT_TAKEN("healthz-port-taken", When.BEFORE_JOIN,
            "something else listens on the first node's 10248, kubelet's healthz port (node-preflight stops that node)",
            s -> first(s).host().listen("10248")),
    FOREIGN_IPTABLES_RULES("foreign-iptables-rules", When.BEFORE_JOIN,
            "the first node has docker's rules in the iptables backend its iptables does not use (node-preflight warns in "
                    + "iptables and ipvs modes)",
            s -> first(s).host().foreignRules("nf_tables")),
    NO_SYSTEMD_RESOLVED("no-systemd-resolved", When.BEFORE_JOIN,
            "no node runs systemd-resolved: /run/systemd/resolve/resolv.conf is missing (the join falls back to /etc/resolv.conf)",
            s -> s.nodes().values().forEach(n -> {
                try {
                    n.systemdResolved(false);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));

    /** Before the join (the faults the join itself meets) or on a joined fleet (what happens to a running node). */
    public enum When { BEFORE_JOIN, AFTER_JOIN }

    private final String id;
    private final When when;
    private final String description;
    private final Consumer<Sandbox> apply;

    SandboxFault(String id, When when, String description, Consumer<Sandbox> apply) {
        this.id = id;
        this.when = when;
        this.description = description;
        this.apply = apply;
    }

    /** The name the command line takes. */
    public String id() {
        return id;
    }

    public When when() {
        return when;
    }

    public String description() {
        return description;
    }

    /** Breaks it in the running sandbox, now. */
    public void apply(Sandbox sandbox) {
        apply.accept(sandbox);
    }

    public static Optional<SandboxFault> byName(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(f -> f.id.equals(n)).findFirst();
    }

    /** Every name with its one line, for help texts and error messages. */
    public static String catalogue() {
        return Arrays.stream(values()).map(f -> "  " + f.id + ": " + f.description).collect(Collectors.joining("\n"));
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(SandboxFault::id).toList();
    }

    private static SandboxNode first(Sandbox s) {
        return s.nodes().values().iterator().next();
    }

    /** The second node's name, or a name no node has on a one-node sandbox: either way not the first node's. */
    private static String other(Sandbox s) {
        return s.nodes().keySet().stream().skip(1).findFirst().orElse(first(s).name() + "-other");
    }
}
