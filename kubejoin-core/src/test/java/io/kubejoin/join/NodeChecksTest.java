package io.kubejoin.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubejoin.inventory.ContainerRuntime;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.ProxyMode;
import io.kubejoin.join.phases.NodePreflightPhase;
import io.kubejoin.join.phases.VerifyPhase;
import io.kubejoin.testing.TestInventories;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** node-preflight and verify read the node's state through commands; scripted answers stand for the node. */
class NodeChecksTest {
    private static NodeContext ctx(Inventory inv, ScriptedTransport t) {
        return new NodeContext(inv, inv.nodes().get(0), List.of(), t);
    }

    /** The inventory with another network section (a record: every other component copied). */
    private static Inventory withNetwork(Inventory inv, io.kubejoin.inventory.Network network) throws Exception {
        var components = Inventory.class.getRecordComponents();
        Object[] args = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
            args[i] = components[i].getName().equals("network") ? network : components[i].getAccessor().invoke(inv);
        }
        return Inventory.class.getDeclaredConstructor(types).newInstance(args);
    }

    /** the test node's interfaces: loopback and its inventory address. */
    static final String ADDRESSES = "1: lo    inet 127.0.0.1/8 scope host lo\n2: eth0    inet 192.168.0.114/24 scope global eth0\n";

    private static ScriptedTransport healthyNode() {
        return new ScriptedTransport()
                .answer("test -S '/run/containerd/containerd.sock' && ctr", 0, "Client:\n  Version:  v1.7.20\n\nServer:\n  Version:  v1.7.20\n")
                .answer("test -S '/run/containerd/containerd.sock'", 0, "")
                .answer("tail -n +2 '/proc/swaps'", 0, "")
                .answer("stat -fc %T '/sys/fs/cgroup'", 0, "cgroup2fs\n")
                .answer("ss -Hltn", 0, "")
                .answer("systemctl is-active", 3, "")
                .answer("for m in", 0, "")
                .answer("cat '/proc/sys/net/ipv4/", 0, "1\n")
                .answer("cat '/proc/sys/net/bridge/", 0, "1\n")
                .answer("cat '/proc/sys/net/ipv6/", 0, "1\n")
                .answer("date +%s", 0, Instant.now().getEpochSecond() + "\n")
                .answer("test -e '/run/systemd/resolve/resolv.conf'", 0, "")
                .answer("test -f '/etc/kubernetes/kubelet.kubeconfig'", 1, "")
                .answer("{ test -e '/etc/kubernetes/kubelet-bootstrap.kubeconfig'", 1, "")
                .answer("for b in", 0, "")
                .answer("iptables --version", 0, "iptables v1.8.9 (nf_tables)\n")
                .answer("getent hosts", 0, "192.168.1.10 node\n")
                .answer("ip -o addr show", 0, ADDRESSES)
                .answer("df -Pk", 0, "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda1 1000 100 900 10% /\n")
                .answer("containerd config dump", 0, "version = 2\n[plugins]\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n  SystemdCgroup = false\n");
    }

    /** node-preflight's verdict on the healthy node with one answer changed: the failure, or null when it passed. */
    private static PhaseFailure preflight(Inventory inv, ScriptedTransport node) {
        try {
            new NodePreflightPhase().run(ctx(inv, node));
            return null;
        } catch (PhaseFailure e) {
            return e;
        }
    }

    private static String warnings(Inventory inv, ScriptedTransport node) throws Exception {
        return new NodePreflightPhase().run(ctx(inv, node)).summary();
    }

    @Test
    void eachHostConditionBrokenAloneIsNamedWithItsEvidenceAndFix() throws Exception {
        Inventory inv = TestInventories.current("1.35.0");
        // the proxy mode's programs (ipvs: ipset for its sets, ipvsadm for verify; no conntrack from 1.32)
        PhaseFailure f = preflight(inv, healthyNode().answer("for b in", 0, "ipset\n"));
        assertThat(f).isNotNull();
        assertThat(f.getMessage()).contains("programs kube-proxy's ipvs mode needs are not on the node's PATH: ipset")
                .contains("[command -v ipset: not found]");
        assertThat(f.hint()).contains("install them (ipset)");
        ScriptedTransport asked = healthyNode();
        new NodePreflightPhase().run(ctx(inv, asked));
        assertThat(asked.commands).contains("for b in 'ipset' 'ipvsadm'; do command -v \"$b\" >/dev/null 2>&1 || echo \"$b\"; done");
        ScriptedTransport old = healthyNode();
        new NodePreflightPhase().run(ctx(TestInventories.current("1.31.0"), old));
        assertThat(old.commands).anyMatch(c -> c.startsWith("for b in 'conntrack' 'ipset' 'ipvsadm'"));

        // the node address on none of its interfaces: kubelet's --node-ip would make it exit
        f = preflight(inv, healthyNode().answer("ip -o addr show", 0, "1: lo    inet 127.0.0.1/8 scope host lo\n2: eth0    inet 10.0.2.15/24 scope global eth0\n"));
        assertThat(f).isNotNull();
        assertThat(f.getMessage()).contains("the node address 192.168.0.114 is not on any of the node's interfaces")
                .contains("[ip -o addr show: 127.0.0.1, 10.0.2.15]");
        assertThat(f.hint()).contains("set the node's address in the inventory to one of its own");

        // the node name not resolving: a warning, as kubeadm's HostnameCheck
        assertThat(warnings(inv, healthyNode().answer("getent hosts", 2, ""))).contains("warning: the node name")
                .contains("does not resolve on the node [getent hosts").contains("to the node's /etc/hosts");

        // disk below kubelet's eviction threshold: a warning with df's numbers
        assertThat(warnings(inv, healthyNode().answer("df -Pk", 1, "Filesystem 1024-blocks Used Available Capacity Mounted on\n"
                + "/dev/vda1 1000000 950000 50000 95% /\n"))).contains("warning: kubelet's root folder has 48 MiB free of 976 MiB, "
                + "below kubelet's evictionHard nodefs.available 10%").contains("imagefs.available 15%")
                .contains("[df -Pk: /dev/vda1 mounted on /, 50000 KiB available]").contains("fix: free space on /");

        // rules in the iptables backend the host's iptables does not use: a warning
        assertThat(warnings(inv, healthyNode().answer("iptables --version", 0, "iptables v1.8.9 (nf_tables)\nrules-legacy\n")))
                .contains("warning: iptables is the nf_tables variant, but the legacy backend holds rules too")
                .contains("[iptables v1.8.9 (nf_tables); iptables-legacy-save lists rules]")
                .contains("update-alternatives --set iptables /usr/sbin/iptables-nft");

        // kubelet's healthz port taken by something else
        f = preflight(inv, healthyNode().answerFirst("ss -Hltn 'sport = :10248'", 0, "LISTEN 0 4096 127.0.0.1:10248 *:*\n"));
        assertThat(f).isNotNull();
        assertThat(f.getMessage()).contains("port 10248 is taken, but kubelet is not running");
    }

    @Test
    void theRuntimesCgroupDriverVersionAndCriPluginAreChecked() throws Exception {
        Inventory inv = TestInventories.current("1.35.0");
        String v2systemd = "version = 2\n[plugins]\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n";
        PhaseFailure f = preflight(inv, healthyNode().answer("containerd config dump", 0, v2systemd));
        assertThat(f).isNotNull();
        assertThat(f.getMessage()).contains("kubelet's cgroupDriver is cgroupfs but containerd's runc uses systemd")
                .contains("[containerd config dump: [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options] SystemdCgroup = true]");
        assertThat(f.hint()).contains("set kubelet.config.cgroupDriver: systemd in the inventory");
        // containerd 2.x: config version 3's table; kubelet 1.35 takes the driver containerd 2 reports (KEP-4033)
        String v3systemd = "version = 3\n[plugins]\n  [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]\n    SystemdCgroup = true\n";
        String ctr2 = "Client:\n  Version:  v2.1.4\n\nServer:\n  Version:  v2.1.4\n";
        assertThat(preflight(inv, healthyNode().answer("containerd config dump", 0, v3systemd)
                .answer("test -S '/run/containerd/containerd.sock' && ctr", 0, ctr2))).isNull();
        // … but kubelet 1.30 does not ask the runtime by default: the mismatch stands, named in version 3's table
        f = preflight(TestInventories.current("1.30.0"), healthyNode().answer("containerd config dump", 0, v3systemd)
                .answer("test -S '/run/containerd/containerd.sock' && ctr", 0, ctr2));
        assertThat(f).isNotNull();
        assertThat(f.hint()).contains("SystemdCgroup = false under [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]");

        // the CRI plugin disabled, as the containerd.io package's config.toml ships
        f = preflight(inv, healthyNode().answer("containerd config dump", 0, "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\nversion = 2\n[plugins]\n"));
        assertThat(f).isNotNull();
        assertThat(f.getMessage()).contains("containerd's CRI plugin is disabled");
        assertThat(f.hint()).contains("remove \"cri\" from disabled_plugins in /etc/containerd/config.toml");

        // the daemon does not answer on its socket
        f = preflight(inv, healthyNode().answer("test -S '/run/containerd/containerd.sock' && ctr", 1,
                "Client:\n  Version:  v1.7.20\nctr: failed to dial \"/run/containerd/containerd.sock\": context deadline exceeded\n"));
        assertThat(f).isNotNull();
        assertThat(f.getMessage()).contains("containerd does not answer on its socket");

        // no ctr on the node: a warning, not "does not answer"
        assertThat(warnings(inv, healthyNode().answer("test -S '/run/containerd/containerd.sock' && ctr", 127,
                "sh: 1: ctr: not found\n"))).contains("warning: containerd's ctr did not run").contains("install ctr");

        // a release the target kubelet does not support (containerd's own table)
        f = preflight(inv, healthyNode().answer("test -S '/run/containerd/containerd.sock' && ctr", 0,
                "Client:\n  Version:  v1.7.2\n\nServer:\n  Version:  v1.7.2\n"));
        assertThat(f).isNotNull();
        assertThat(f.getMessage()).contains("containerd 1.7.2 is not one kubelet 1.35 supports");
        assertThat(f.hint()).contains("upgrade containerd");
        assertThat(preflight(TestInventories.current("1.28.0"), healthyNode().answer("test -S '/run/containerd/containerd.sock' && ctr", 0,
                "Client:\n  Version:  v1.7.2\n\nServer:\n  Version:  v1.7.2\n"))).isNull();
    }

    @Test
    void preflightPassesOnAHealthyNode() throws Exception {
        Inventory inv = TestInventories.current("1.35.0");
        PhaseResult r = new NodePreflightPhase().run(ctx(inv, healthyNode()));
        assertThat(r.changed()).isFalse();
        assertThat(r.summary()).doesNotContain("resolv");
    }

    @Test
    void preflightTellsWhetherKubeletHoldsItsOwnCredentialAndABootstrapKubeconfigIsLeft() throws Exception {
        Inventory inv = TestInventories.current("1.35.0");
        NodeContext fresh = ctx(inv, healthyNode());
        new NodePreflightPhase().run(fresh);
        assertThat(fresh.clientCredential()).isFalse();
        assertThat(fresh.bootstrapKubeconfigLeft()).isFalse();
        ScriptedTransport joined = healthyNode()
                .answer("test -f '/etc/kubernetes/kubelet.kubeconfig'", 0, "")
                .answer("{ test -e '/etc/kubernetes/kubelet-bootstrap.kubeconfig'", 0, "");
        NodeContext ctx = ctx(inv, joined);
        new NodePreflightPhase().run(ctx);
        assertThat(ctx.clientCredential()).isTrue();
        assertThat(ctx.bootstrapKubeconfigLeft()).isTrue();
        assertThat(joined.commands).contains("test -f '/etc/kubernetes/kubelet.kubeconfig' && test -f "
                + "'/etc/kubernetes/cert/kubelet-client-current.pem'");
    }

    @Test
    void withoutSystemdResolvedKubeletsConfigIsRenderedAgainWithEtcResolvConf() throws Exception {
        Inventory inv = TestInventories.current("1.35.0");
        io.kubejoin.inventory.Node node = inv.nodes().get(0);
        String path = new io.kubejoin.render.NodeFiles(inv.paths()).kubeletConfig();
        NodeContext ctx = new NodeContext(inv, node, List.of(io.kubejoin.render.RenderedFile.text(node.name(), path, 0644,
                io.kubejoin.render.KubeletConfigRenderer.render(inv, node, new io.kubejoin.render.RenderWarnings()))),
                healthyNode().answer("test -e '/run/systemd/resolve/resolv.conf'", 1, ""));
        PhaseResult r = new NodePreflightPhase().run(ctx);
        assertThat(r.summary()).endsWith("; no systemd-resolved: kubelet's resolvConf is /etc/resolv.conf");
        String config = ctx.files(java.util.List.of(ctx.paths().kubeletConfig())).get(0).contentAsString();
        assertThat(config).contains("resolvConf: /etc/resolv.conf").doesNotContain("/run/systemd/resolve");
    }

    @Test
    void preflightNamesEachProblemAndItsFix() {
        Inventory inv = TestInventories.current("1.35.0");
        ScriptedTransport node = new ScriptedTransport()
                .answer("test -S", 1, "")
                .answer("tail -n +2 '/proc/swaps'", 0, "/swapfile file 1048572 0 -2\n")
                .answer("stat -fc %T '/sys/fs/cgroup'", 0, "tmpfs\n")
                .answer("ss -Hltn 'sport = :10250'", 0, "LISTEN 0 4096 *:10250 *:*\n")
                .answer("ss -Hltn 'sport = :10256'", 0, "")
                .answer("ss -Hltn 'sport = :10248'", 0, "")
                .answer("systemctl is-active --quiet kubelet", 3, "")
                .answer("systemctl is-active --quiet kube-proxy", 3, "")
                .answer("for m in", 0, "ip_vs\nip_vs_sh\n")
                .answer("cat '/proc/sys/net/ipv4/", 0, "0\n")
                .answer("cat '/proc/sys/net/bridge/", 1, "")
                .answer("date +%s", 0, (Instant.now().getEpochSecond() - 600) + "\n")
                .answer("test -e '/run/systemd/resolve/resolv.conf'", 0, "")
                .answer("test -f '/etc/kubernetes/kubelet.kubeconfig'", 1, "")
                .answer("{ test -e '/etc/kubernetes/kubelet-bootstrap.kubeconfig'", 1, "")
                .answer("for b in", 0, "")
                .answer("getent hosts", 2, "")
                .answer("iptables --version", 0, "iptables v1.8.9 (legacy)\n")
                .answer("ip -o addr show", 0, ADDRESSES)
                .answer("df -Pk", 0, "")
                .answer("containerd config dump", 127, "sh: 1: containerd: not found\n");
        assertThatThrownBy(() -> new NodePreflightPhase().run(ctx(inv, node)))
                .isInstanceOf(PhaseFailure.class)
                .hasMessageContaining("/run/containerd/containerd.sock is missing")
                .hasMessageContaining("swap is on")
                .hasMessageContaining("cgroup v1")
                .hasMessageContaining("port 10250 is taken")
                .hasMessageContaining("modules kube-proxy's ipvs mode needs are missing: ip_vs, ip_vs_sh")
                .hasMessageMatching("(?s).*clock is 60[0-9] s away.*")
                .hasMessageContaining("IPv4 forwarding is off (net.ipv4.ip_forward=0)")
                .hasMessageContaining("[/proc/sys/net/ipv4/ip_forward: 0]")
                .hasMessageContaining("br_netfilter module is not loaded")
                .satisfies(e -> assertThat(((PhaseFailure) e).hint()).contains("swapoff -a").contains("cgroup v2")
                        .contains("sysctl -w net.ipv4.ip_forward=1").contains("/etc/sysctl.d/99-kubernetes.conf")
                        .contains("modprobe br_netfilter").contains("/etc/modules-load.d/br_netfilter.conf"));
    }

    @Test
    void bridgeSettingsWarnOnlyInTheModesThatReadThemAndIpv6RangesAskTheIpv6Ones() throws Exception {
        // br_netfilter not loaded: a warning in the summary, the join goes on (kubeadm dropped the check in 1.30)
        ScriptedTransport node = healthyNode().answer("cat '/proc/sys/net/bridge/", 1, "");
        Inventory ipvs = TestInventories.current("1.35.0");
        PhaseResult r = new NodePreflightPhase().run(ctx(ipvs, node));
        assertThat(r.summary()).contains("warning: the br_netfilter module is not loaded")
                .contains("/proc/sys/net/bridge/bridge-nf-call-iptables does not exist").contains("modprobe br_netfilter");
        assertThat(node.commands).contains("cat '/proc/sys/net/ipv4/ip_forward' 2>/dev/null")
                .noneMatch(c -> c.contains("ipv6") || c.contains("ip6tables"));
        // nftables mode reads no bridge setting
        Inventory nft = TestInventories.build("1.35.0", ContainerRuntime.containerd(), ProxyMode.NFTABLES, Map.of(),
                Map.of(), Map.of());
        ScriptedTransport n2 = healthyNode();
        assertThat(new NodePreflightPhase().run(ctx(nft, n2)).summary()).contains("kernel settings fine");
        assertThat(n2.commands).noneMatch(c -> c.contains("/proc/sys/net/bridge"));
        // a dual-stack cluster: IPv6 forwarding (an error, as kubeadm's) and bridge-nf-call-ip6tables too
        Inventory dual = withNetwork(ipvs, new io.kubejoin.inventory.Network("172.30.0.0/16,fd00:10::/56", "10.254.0.0/16",
                List.of("10.254.0.2"), "cluster.local"));
        ScriptedTransport n3 = healthyNode().answer("cat '/proc/sys/net/ipv6/", 0, "0\n");
        assertThatThrownBy(() -> new NodePreflightPhase().run(ctx(dual, n3))).isInstanceOf(PhaseFailure.class)
                .hasMessageContaining("IPv6 forwarding is off").hasMessageNotContaining("IPv4 forwarding")
                .satisfies(e -> assertThat(((PhaseFailure) e).hint()).contains("sysctl -w net.ipv6.conf.default.forwarding=1"));
        assertThat(n3.commands).contains("cat '/proc/sys/net/bridge/bridge-nf-call-ip6tables' 2>/dev/null");
    }

    @Test
    void cgroupV1AndSwapAreFineWhereTheConfigAllowsThem() throws Exception {
        Inventory inv = TestInventories.build("1.30.0", ContainerRuntime.containerd(), ProxyMode.IPVS,
                Map.of("failSwapOn", false), Map.of(), Map.of());
        ScriptedTransport node = healthyNode().answer("tail -n +2 '/proc/swaps'", 0, "/swapfile file 1 0 -2\n");
        new NodePreflightPhase().run(ctx(inv, node));
        assertThat(node.commands).noneMatch(c -> c.startsWith("stat -fc")).noneMatch(c -> c.startsWith("tail"));
    }

    @Test
    void verifyChecksHealthzAndTheServiceVipInTheModesRules() throws Exception {
        Inventory inv = TestInventories.article(); // ipvs, serviceCIDR 10.254.0.0/16
        ScriptedTransport node = new ScriptedTransport()
                .answer("curl", 0, "ok")
                .answer("ipvsadm -Ln -t 10.254.0.1:443", 0, "TCP  10.254.0.1:443 rr\n")
                .answer("test -e '/etc/kubernetes/cert/kubelet-server-current.pem'", 0, "");
        PhaseResult r = new VerifyPhase().run(ctx(inv, node));
        assertThat(r.summary()).contains("10.254.0.1:443").contains("serving certificate issued");
        assertThat(node.commands).contains("curl -fsS --max-time 5 http://192.168.0.114:10248/healthz 2>&1",
                "curl -fsS --max-time 5 http://192.168.0.114:10256/healthz 2>&1");
    }

    @Test
    void verifyWaitsForTheServingCertificateAndReportsItsAbsence() {
        Inventory inv = TestInventories.article();
        ScriptedTransport node = new ScriptedTransport()
                .answer("curl", 0, "ok")
                .answer("ipvsadm -Ln -t 10.254.0.1:443", 0, "TCP  10.254.0.1:443 rr\n")
                .answer("test -e '/etc/kubernetes/cert/kubelet-server-current.pem'", 1, "")
                .answer("journalctl -u kubelet", 0, "I1126 csr.go:261] certificate signing request csr-x is pending\n");
        assertThatThrownBy(() -> new VerifyPhase(java.time.Duration.ofMillis(600)).run(ctx(inv, node)))
                .isInstanceOf(PhaseFailure.class)
                .hasMessageContaining("no serving certificate")
                .satisfies(e -> assertThat(((PhaseFailure) e).journal()).singleElement().asString().contains("pending"));
        assertThat(node.commands.stream().filter(c -> c.startsWith("test -e"))).hasSizeGreaterThan(1);
    }

    @Test
    void verifyReportsMissingRulesWithKubeProxysJournal() {
        Inventory inv = TestInventories.build("1.33.0", ContainerRuntime.containerd(), ProxyMode.NFTABLES);
        ScriptedTransport node = new ScriptedTransport()
                .answer("curl", 0, "ok")
                .answer("nft list table ip kube-proxy", 1, "")
                .answer("test -e", 0, "")
                .answer("journalctl -u kube-proxy", 0, "E1126 node_ip.go:40] can't determine this node's IP\n");
        assertThatThrownBy(() -> new VerifyPhase().run(ctx(inv, node)))
                .isInstanceOf(PhaseFailure.class)
                .hasMessageContaining("no nftables rule for the kubernetes service 10.254.0.1:443")
                .satisfies(e -> assertThat(((PhaseFailure) e).journal()).singleElement().asString()
                        .contains("can't determine this node's IP"));
    }

    /** wait-ready's look at the kubelet unit: quiet while active, the error line and the signature's fix once it exits. */
    @Test
    void waitReadysUnitWatchQuotesTheKubeletsErrorAndItsFix() throws Exception {
        Inventory inv = TestInventories.current("1.34.0");
        String error = "E1205 18:10:02.123456    4242 run.go:74] \"command failed\" err=\"failed to run Kubelet: validate service "
                + "connection: validate CRI v1 runtime API for endpoint \\\"unix:///run/containerd/containerd.sock\\\": rpc error: "
                + "code = Unavailable desc = connection error: desc = \\\"transport: Error while dialing: dial unix "
                + "/run/containerd/containerd.sock: connect: no such file or directory\\\"\"";
        ScriptedTransport running = new ScriptedTransport()
                .answer("systemctl show -p ActiveState -p SubState -p NRestarts kubelet", 0,
                        "ActiveState=active\nSubState=running\nNRestarts=0\n");
        var watch = new io.kubejoin.join.phases.WaitReadyPhase.UnitWatch(ctx(inv, running));
        assertThat(watch.check("worker-1")).isNull();
        assertThat(running.commands).singleElement(); // no journal read while it runs

        ScriptedTransport exited = new ScriptedTransport()
                .answer("systemctl show", 0, "ActiveState=activating\nSubState=auto-restart\nNRestarts=1\n")
                .answer("journalctl -u kubelet -n 300", 0, "I1205 18:10:02.100000    4242 server.go:484] \"Kubelet version\"\n"
                        + error + "\nkubelet.service: Main process exited, code=exited, status=1/FAILURE\n"
                        + "kubelet.service: Failed with result 'exit-code'.\n");
        watch = new io.kubejoin.join.phases.WaitReadyPhase.UnitWatch(ctx(inv, exited));
        assertThat(watch.check("worker-1")).isEqualTo("kubelet exits at start (systemd: activating/auto-restart, restarted 1 time): " + error);
        assertThat(watch.fix).contains("cannot reach the container runtime at /run/containerd/containerd.sock")
                .contains("systemctl enable --now containerd");
        assertThat(watch.journal).hasSize(4);
    }

    /**
     * A running kubelet retries a refused CSR forever (client-go's certificate manager): wait-ready's one command per
     * look reads the certificate manager's last lines too, ends the wait on a refusal for good (T1: the bootstrap
     * token is Unauthorized) and keeps waiting on a transient error (timeout, refused connection).
     */
    @Test
    void waitReadysUnitWatchEndsTheWaitOnARefusedCsrOfARunningKubeletButNotOnATransientError() throws Exception {
        Inventory inv = TestInventories.current("1.34.0");
        String prefix = "E1206 06:02:46.876514   50838 certificate_manager.go:562] kubernetes.io/kube-apiserver-client-kubelet: "
                + "Failed while requesting a signed certificate from the control plane: cannot create certificate signing request: ";
        String timeout = prefix + "Post \"https://10.0.0.10:6443/apis/certificates.k8s.io/v1/certificatesigningrequests\": context deadline exceeded";
        String rotating = "I1206 06:02:48.900000   50838 certificate_manager.go:356] kubernetes.io/kube-apiserver-client-kubelet: Rotating certificates";
        ScriptedTransport loaded = new ScriptedTransport().answer("systemctl show -p ActiveState -p SubState -p NRestarts kubelet", 0,
                "ActiveState=active\nSubState=running\nNRestarts=0\n" + timeout + "\n" + rotating + "\n");
        var watch = new io.kubejoin.join.phases.WaitReadyPhase.UnitWatch(ctx(inv, loaded));
        assertThat(watch.check("worker-1")).isNull();
        assertThat(watch.lastCsrError).isEqualTo(timeout);
        assertThat(loaded.commands).singleElement().asString()
                .contains("journalctl -u kubelet -n 300 --no-pager -o cat | grep -F -e 'certificate_manager.go' -e 'kubelet_node_status.go'")
                .containsOnlyOnce("journalctl");

        String unauthorized = prefix + "Unauthorized";
        // the node sends every matching line of the journal's last 300; only the certificate manager's last 5 count,
        // so a refusal 5 lines further back is not this attempt's predecessor
        ScriptedTransport old = new ScriptedTransport().answer("systemctl show", 0, "ActiveState=active\nSubState=running\n"
                + "NRestarts=0\n" + unauthorized + "\n" + (rotating + "\n").repeat(4) + unauthorized + "\n");
        assertThat(new io.kubejoin.join.phases.WaitReadyPhase.UnitWatch(ctx(inv, old)).check("worker-1")).isNull();
        // one refusal alone may be the API server's token cache not having the new Secret yet: the retry 2 s later decides
        ScriptedTransport once = new ScriptedTransport().answer("systemctl show", 0,
                "ActiveState=active\nSubState=running\nNRestarts=0\n" + rotating + "\n" + unauthorized + "\n");
        assertThat(new io.kubejoin.join.phases.WaitReadyPhase.UnitWatch(ctx(inv, once)).check("worker-1")).isNull();
        ScriptedTransport refused = new ScriptedTransport().answer("systemctl show", 0,
                "ActiveState=active\nSubState=running\nNRestarts=0\n" + rotating + "\n" + unauthorized + "\n" + rotating + "\n"
                        + unauthorized + "\n");
        watch = new io.kubejoin.join.phases.WaitReadyPhase.UnitWatch(ctx(inv, refused));
        assertThat(watch.check("worker-1")).isEqualTo("kubelet cannot get its client certificate, kube-apiserver refuses its CSR "
                + "(systemd: active/running, restarted 0 times): " + unauthorized);
        assertThat(watch.fix).contains("Unauthorized").contains("--enable-bootstrap-token-auth (T1)").contains("kubejoin reset worker-1");
        assertThat(refused.commands).singleElement(); // no second command for it

        // a refusal the kubelet has since moved on from (a new attempt, a new process) is not the answer
        ScriptedTransport retried = new ScriptedTransport().answer("systemctl show", 0,
                "ActiveState=active\nSubState=running\nNRestarts=0\n" + unauthorized + "\n" + rotating + "\n");
        assertThat(new io.kubejoin.join.phases.WaitReadyPhase.UnitWatch(ctx(inv, retried)).check("worker-1")).isNull();

        // contextual logging (HandleErrorWithContext) and a 403: refusals too; the serving certificate's manager is not the bootstrap
        String structured = "E1206 06:02:46.876514   50838 certificate_manager.go:596] \"Failed while requesting a signed certificate from"
                + " the control plane\" err=\"cannot create certificate signing request: Unauthorized\" logger=\"kubernetes.io/kube-apiserver-client-kubelet\"";
        String forbidden = prefix + "certificatesigningrequests.certificates.k8s.io is forbidden: User \"system:bootstrap:abcdef\" cannot create"
                + " resource \"certificatesigningrequests\" in API group \"certificates.k8s.io\" at the cluster scope";
        String serving = forbidden.replace("kube-apiserver-client-kubelet", "kubelet-serving");
        for (String line : List.of(structured, forbidden, serving)) {
            ScriptedTransport t = new ScriptedTransport().answer("systemctl show", 0, "ActiveState=active\nSubState=running\nNRestarts=0\n"
                    + line + "\n" + rotating.replace("kube-apiserver-client-kubelet", line == serving ? "kubelet-serving" : "kube-apiserver-client-kubelet")
                    + "\n" + line + "\n");
            var w = new io.kubejoin.join.phases.WaitReadyPhase.UnitWatch(ctx(inv, t));
            if (line == serving) assertThat(w.check("worker-1")).isNull();
            else assertThat(w.check("worker-1")).endsWith(": " + line);
        }
    }

    /**
     * A denied client CSR: the running kubelet's certificate manager logs rotateCerts' "certificate request was not
     * signed" and files a new CSR 2 s later, which kubejoin's approver denies again; so one denial ends the wait with
     * the approver's reason and the signature's fix. A denial the manager has since got past (it holds a certificate)
     * or one of the serving certificate's manager does not.
     */
    @Test
    void waitReadysUnitWatchEndsTheWaitOnADeniedClientCsrOfARunningKubelet() throws Exception {
        Inventory inv = TestInventories.current("1.34.0");
        String denied = "E1206 06:02:46.876514   50838 certificate_manager.go:582] kubernetes.io/kube-apiserver-client-kubelet: "
                + "certificate request was not signed: cannot watch on the certificate signing request: certificate signing request is denied,"
                + " reason: KubejoinPolicyDenied, message: token abcdef was issued for node worker-1, but the request is for system:node:worker-2";
        String rotating = "I1206 06:02:48.900000   50838 certificate_manager.go:356] kubernetes.io/kube-apiserver-client-kubelet: Rotating certificates";
        ScriptedTransport t = new ScriptedTransport().answer("systemctl show", 0,
                "ActiveState=active\nSubState=running\nNRestarts=0\n" + rotating + "\n" + denied + "\n" + rotating + "\n");
        var watch = new io.kubejoin.join.phases.WaitReadyPhase.UnitWatch(ctx(inv, t));
        assertThat(watch.check("worker-1")).isEqualTo("kubelet's client certificate request was denied "
                + "(systemd: active/running, restarted 0 times): " + denied);
        assertThat(watch.fix).startsWith("the kubelet's certificate signing request was denied (reason: KubejoinPolicyDenied, message: token abcdef"
                + " was issued for node worker-1, but the request is for system:node:worker-2)").contains("kubectl get csr -o yaml")
                .contains("files a new CSR").contains("kubejoin reset worker-1");
        assertThat(t.commands).singleElement();

        // the same denial as 1.31+'s HandleError and the contextual-logging manager print it
        String unhandled = "E1206 06:02:46.876514   50838 certificate_manager.go:582] \"Unhandled Error\" err=\"kubernetes.io/kube-apiserver-client-kubelet: "
                + "certificate request was not signed: cannot watch on the certificate signing request: certificate signing request is denied,"
                + " reason: KubejoinPolicyDenied, message: forged\" logger=\"UnhandledError\"";
        String contextual = "E1206 06:02:46.876514   50838 certificate_manager.go:620] \"Certificate request was not signed\" err=\"cannot watch on the"
                + " certificate signing request: certificate signing request is denied, reason: KubejoinPolicyDenied, message: forged\""
                + " logger=\"kubernetes.io/kube-apiserver-client-kubelet.UnhandledError\"";
        for (String line : List.of(unhandled, contextual)) {
            ScriptedTransport u = new ScriptedTransport().answer("systemctl show", 0,
                    "ActiveState=active\nSubState=running\nNRestarts=0\n" + rotating + "\n" + line + "\n");
            var w = new io.kubejoin.join.phases.WaitReadyPhase.UnitWatch(ctx(inv, u));
            assertThat(w.check("worker-1")).as(line).endsWith(": " + line);
            assertThat(w.fix).as(line).startsWith("the kubelet's certificate signing request was denied (reason: KubejoinPolicyDenied, message: forged)");
        }

        String held = "I1206 06:02:51.000000   50838 certificate_manager.go:270] kubernetes.io/kube-apiserver-client-kubelet: Waiting "
                + "6965h55m32.445560874s for next certificate rotation";
        String servingDenied = denied.replace("kube-apiserver-client-kubelet", "kubelet-serving");
        for (String after : List.of(denied + "\n" + held, servingDenied)) {
            ScriptedTransport u = new ScriptedTransport().answer("systemctl show", 0,
                    "ActiveState=active\nSubState=running\nNRestarts=0\n" + rotating + "\n" + after + "\n");
            assertThat(new io.kubejoin.join.phases.WaitReadyPhase.UnitWatch(ctx(inv, u)).check("worker-1")).as(after).isNull();
        }
    }

    /**
     * The kubelet retries a refused Node create forever (registerWithAPIServer) without exiting: two permanent refusals
     * in a row (forbidden, Unauthorized) end the wait with the register-node-failed fix; a transient error (refused
     * connection) or a registration that got through since does not.
     */
    @Test
    void waitReadysUnitWatchEndsTheWaitOnARegistrationRefusedForGood() throws Exception {
        Inventory inv = TestInventories.current("1.34.0");
        String attempt = "I1206 06:02:46.000000   50838 kubelet_node_status.go:72] \"Attempting to register node\" node=\"worker-1\"";
        String forbidden = "E1206 06:02:46.100000   50838 kubelet_node_status.go:94] \"Unable to register node with API server\" err=\"nodes "
                + "\\\"worker-1\\\" is forbidden: node \\\"worker-9\\\" is not allowed to modify node \\\"worker-1\\\"\" node=\"worker-1\"";
        String refused = "E1206 06:02:46.100000   50838 kubelet_node_status.go:94] \"Unable to register node with API server\" err=\"Post "
                + "\\\"https://10.0.0.10:6443/api/v1/nodes\\\": dial tcp 10.0.0.10:6443: connect: connection refused\" node=\"worker-1\"";
        String registered = "I1206 06:02:47.000000   50838 kubelet_node_status.go:75] \"Successfully registered node\" node=\"worker-1\"";
        String head = "ActiveState=active\nSubState=running\nNRestarts=0\n";
        ScriptedTransport t = new ScriptedTransport().answer("systemctl show", 0,
                head + attempt + "\n" + forbidden + "\n" + attempt + "\n" + forbidden + "\n");
        var watch = new io.kubejoin.join.phases.WaitReadyPhase.UnitWatch(ctx(inv, t));
        assertThat(watch.check("worker-1")).isEqualTo("kubelet cannot register its Node, kube-apiserver refuses it "
                + "(systemd: active/running, restarted 0 times): " + forbidden);
        assertThat(watch.fix).startsWith("the kubelet cannot register its Node with kube-apiserver: nodes \"worker-1\" is forbidden")
                .contains("kubejoin reset worker-1");
        assertThat(t.commands).singleElement().asString().contains("-e 'kubelet_node_status.go'");
        for (String lines : List.of(attempt + "\n" + forbidden, forbidden + "\n" + attempt + "\n" + refused,
                forbidden + "\n" + forbidden + "\n" + registered)) {
            ScriptedTransport u = new ScriptedTransport().answer("systemctl show", 0, head + lines + "\n");
            assertThat(new io.kubejoin.join.phases.WaitReadyPhase.UnitWatch(ctx(inv, u)).check("worker-1")).as(lines).isNull();
        }
    }

    @Test
    void startServiceNamesTheStepOfItsBatchedChecksThatFailed() {
        Inventory inv = TestInventories.article(); // ipvs: modprobe ip_vs, ip_vs_rr, ...
        // the checks are one script; exit 100 + i says its step i failed (0: mkdir, 1: the modules, all in one modprobe)
        ScriptedTransport node = new ScriptedTransport().answer("mkdir -p", 101, "");
        assertThatThrownBy(() -> io.kubejoin.join.phases.StartServicePhase.kubeProxy().run(ctx(inv, node)))
                .isInstanceOf(PhaseFailure.class)
                .hasMessageStartingWith("modprobe -a 'ip_vs' ")
                .hasMessageContaining("{ modprobe 'ip_vs' || [ -d '/sys/module/ip_vs' ] || [ -e '/proc/net/ip_vs' ]; }")
                .hasMessageContaining("failed (exit 101)")
                .satisfies(e -> assertThat(((PhaseFailure) e).hint()).contains("kernel"));
        assertThat(node.commands).singleElement().asString().contains("systemctl daemon-reload || exit 1")
                .contains("systemctl is-enabled --quiet kube-proxy");
    }

    @Test
    void startServiceLeavesARunningUnchangedServiceAloneInOneCommand() throws Exception {
        Inventory inv = TestInventories.article();
        ScriptedTransport node = new ScriptedTransport().answer("mkdir -p", 0, "");
        PhaseResult r = io.kubejoin.join.phases.StartServicePhase.kubelet().run(ctx(inv, node));
        assertThat(r.changed()).isFalse();
        assertThat(r.summary()).isEqualTo("kubelet running, unchanged");
        assertThat(node.commands).singleElement().asString()
                .contains("if systemctl is-active --quiet kubelet; then :; else systemctl restart kubelet");
    }

    @Test
    void startServiceReportsAServiceThatDidNotStartWithItsJournal() {
        Inventory inv = TestInventories.article();
        ScriptedTransport node = new ScriptedTransport().answer("mkdir -p", 91, "")
                .answer("journalctl", 0, "kubelet[1]: E0101 failed to run Kubelet: misconfiguration\n");
        assertThatThrownBy(() -> io.kubejoin.join.phases.StartServicePhase.kubelet().run(ctx(inv, node)))
                .isInstanceOf(PhaseFailure.class)
                .hasMessage("kubelet did not start")
                .satisfies(e -> assertThat(((PhaseFailure) e).journal()).anyMatch(l -> l.contains("misconfiguration")));
    }

    @Test
    void startServiceNamesAFailedEnable() {
        Inventory inv = TestInventories.article();
        ScriptedTransport node = new ScriptedTransport().answer("mkdir -p", 90, "Failed to enable unit: Unit file kubelet.service does not exist.\n");
        assertThatThrownBy(() -> io.kubejoin.join.phases.StartServicePhase.kubelet().run(ctx(inv, node)))
                .isInstanceOf(PhaseFailure.class)
                .hasMessageStartingWith("systemctl enable kubelet failed: Failed to enable unit");
    }
}
