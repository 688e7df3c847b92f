package io.kubejoin.remote.script;

import io.kubejoin.inventory.NodePaths;
import io.kubejoin.render.NodeFiles;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * One sample of every script kubejoin sends to a node, by family, with the article's default paths: what the golden,
 * syntax and differential tests run.
 */
public final class ScriptCatalog {
    private ScriptCatalog() {
    }

    /** @param stdin the command's standard input (the bytes of an inline push), empty for most */
    public record Sample(String family, String name, String script, byte[] stdin) {
        public String golden() {
            return family + "/" + name + ".sh";
        }

        @Override
        public String toString() {
            return golden();
        }
    }

    public static final NodeFiles PATHS = new NodeFiles(new NodePaths("/opt/k8s/bin", "/data/k8s/k8s", "/etc/kubernetes",
            "/etc/kubernetes/cert"));
    public static final String SOCKET = "/run/containerd/containerd.sock";
    public static final String ADDRESS = "127.42.0.2";
    public static final String VIP = "10.254.0.1";
    public static final List<String> MODULES = List.of("ip_tables", "iptable_nat", "ip_vs", "nf_conntrack");
    public static final List<String> SYSCTLS = List.of("net.ipv4.ip_forward", "net.bridge.bridge-nf-call-iptables",
            "net.ipv6.conf.default.forwarding", "net.bridge.bridge-nf-call-ip6tables");

    /** Pushed bytes: a CA, a config, a private key (0600), with the sha256 the push checks. */
    public static final List<byte[]> CONTENTS = List.of("ca\n".getBytes(StandardCharsets.UTF_8),
            "kind: KubeletConfiguration\n".getBytes(StandardCharsets.UTF_8), "key\n".getBytes(StandardCharsets.UTF_8));

    public static List<PushScripts.File> pushFiles() {
        List<String> paths = List.of(PATHS.caCert(), PATHS.kubeletConfig(), PATHS.kubeProxyKey());
        int[] modes = {0644, 0644, 0600};
        List<PushScripts.File> out = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            out.add(new PushScripts.File(paths.get(i), modes[i], sha256(CONTENTS.get(i)), CONTENTS.get(i).length));
        }
        return out;
    }

    public static byte[] allContents() {
        StringBuilder sb = new StringBuilder();
        for (byte[] b : CONTENTS) sb.append(new String(b, StandardCharsets.UTF_8));
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A binary's stand-in: a block and a bit of fixed pseudo-random bytes. */
    public static byte[] binary() {
        byte[] b = new byte[PushScripts.DD_BLOCK + 4099];
        new java.util.Random(17).nextBytes(b);
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    public static List<Sample> all() {
        List<Sample> s = new ArrayList<>();
        byte[] none = new byte[0];
        List<PushScripts.File> files = pushFiles();
        List<String> paths = files.stream().map(PushScripts.File::path).toList();
        // push
        s.add(new Sample("push", "survey", PushScripts.survey(paths, PushScripts.parents(files), false), none));
        s.add(new Sample("push", "survey-create", PushScripts.survey(paths, PushScripts.parents(files), true), none));
        s.add(new Sample("push", "sha256", PushScripts.sha256(paths), none));
        // plan's look: the config's hash, and each binary's hashed only at the source's size (kubelet's: the size of
        // the joined node's stand-in "#!/bin/sh\nexit 0\n", so it is hashed there; kube-proxy's: another size)
        java.util.Map<String, Long> sizes = new java.util.LinkedHashMap<>();
        sizes.put(PATHS.kubeletBinary(), 17L);
        sizes.put(PATHS.kubeProxyBinary(), 1000L);
        s.add(new Sample("push", "sha256-size-first", PushScripts.sha256SizeFirst(List.of(PATHS.kubeletConfig()), sizes), none));
        // a push's survey with binaries: each hashed only at its source's size (openssl where the node has it)
        List<String> withBinaries = new ArrayList<>(paths);
        withBinaries.addAll(sizes.keySet());
        s.add(new Sample("push", "survey-size-first", PushScripts.survey(withBinaries, PushScripts.parents(files), true, sizes), none));
        s.add(new Sample("push", "read", PushScripts.read(PATHS.kubeletConfig()), none));
        s.add(new Sample("push", "inline", PushScripts.inlinePush(files), allContents()));
        byte[] all = allContents();
        s.add(new Sample("push", "inline-cut-short", PushScripts.inlinePush(files), java.util.Arrays.copyOf(all, all.length - 2)));
        s.add(new Sample("push", "finish-inline", PushScripts.finish(files, files, List.of()), allContents()));
        // a release binary among them: over PushScripts.DD_BLOCK, so dd copies it in blocks (count_bytes)
        byte[] binary = binary();
        List<PushScripts.File> withBinary = new ArrayList<>(files);
        withBinary.add(new PushScripts.File(PATHS.kubeletBinary(), 0755, sha256(binary), binary.length));
        byte[] allWithBinary = concat(allContents(), binary);
        s.add(new Sample("push", "finish-binary", PushScripts.finish(withBinary, withBinary, List.of()), allWithBinary));
        s.add(new Sample("push", "finish-binary-cut-short", PushScripts.finish(withBinary, withBinary, List.of()),
                java.util.Arrays.copyOf(allWithBinary, allWithBinary.length - 5000)));
        // survey of the node (node-preflight) and push-files' own look
        s.add(new Sample("survey", "node-preflight", PreflightScripts.nodePreflight(SOCKET, true, true,
                List.of(new String[] {"10250", "kubelet"}, new String[] {"10256", "kube-proxy"}), MODULES, SYSCTLS,
                "/run/systemd/resolve/resolv.conf", PATHS, host(PreflightScripts.Runtime.CONTAINERD, SOCKET)), none));
        s.add(new Sample("survey", "node-preflight-docker", PreflightScripts.nodePreflight("/var/run/docker.sock", false, false,
                List.of(), List.of("ip_tables"), List.of(), null, null, host(PreflightScripts.Runtime.DOCKER, "/var/run/docker.sock")), none));
        s.add(new Sample("survey", "push-look", PreflightScripts.pushLook("/run/systemd/resolve/resolv.conf", PATHS), none));
        s.add(new Sample("survey", "bootstrap-remove", BootstrapScripts.remove(PATHS), none));
        // node-prep (join --prepare)
        s.add(new Sample("prep", "look", PrepScripts.look(List.of("/etc/sysctl.d/99-kubernetes.conf",
                "/etc/modules-load.d/kubernetes.conf", "/etc/fstab"), SYSCTLS), none));
        s.add(new Sample("prep", "apply", PrepScripts.apply(List.of("br_netfilter"), "/etc/sysctl.d/99-kubernetes.conf", true), none));
        // start
        List<String> kubelet = StartScripts.kubeletSteps(PATHS.kubeletVolumePluginDir(), PATHS.kubeletRootDir(), PATHS.staticPodPath());
        s.add(new Sample("start", "kubelet-restart", StartScripts.start(kubelet, "kubelet", true), none));
        s.add(new Sample("start", "kube-proxy-start", StartScripts.start(StartScripts.kubeProxySteps(PATHS.kubeProxyWorkDir(),
                MODULES), "kube-proxy", false), none));
        // kubelet and kube-proxy by one script (releases whose kube-proxy may start before its Node exists)
        List<String> together = StartScripts.togetherSteps(kubelet, StartScripts.kubeProxySteps(PATHS.kubeProxyWorkDir(), MODULES));
        s.add(new Sample("start", "together-restart", StartScripts.startTogether(together, List.of(
                new StartScripts.Unit("kubelet", true), new StartScripts.Unit("kube-proxy", true))), none));
        s.add(new Sample("start", "together-start", StartScripts.startTogether(together, List.of(
                new StartScripts.Unit("kubelet", false), new StartScripts.Unit("kube-proxy", false))), none));
        s.add(new Sample("start", "together-proxy-changed", StartScripts.startTogether(together, List.of(
                new StartScripts.Unit("kubelet", false), new StartScripts.Unit("kube-proxy", true))), none));
        s.add(new Sample("start", "unit-states", StartScripts.unitStates(List.of("kubelet", "kube-proxy")), none));
        s.add(new Sample("start", "binaries-installed", StartScripts.binariesInstalled(PATHS.kubeletBinary(),
                PATHS.kubeProxyBinary()), none));
        // verify
        String serving = PATHS.certDir() + "/kubelet-server-current.pem";
        s.add(new Sample("verify", "iptables", VerifyScripts.verify(ADDRESS, "iptables", VIP, List.of("0.1", "0.1"), serving), none));
        s.add(new Sample("verify", "ipvs", VerifyScripts.verify(ADDRESS, "ipvs", VIP, List.of("0.1"), null), none));
        s.add(new Sample("verify", "nftables", VerifyScripts.verify(ADDRESS, "nftables", VIP, List.of("0.1"), null), none));
        s.add(new Sample("verify", "serving", VerifyScripts.servingCheck(serving), none));
        // status
        s.add(new Sample("status", "probe", StatusScripts.probe(PATHS, ADDRESS), none));
        s.add(new Sample("status", "client-certificate", StatusScripts.certificates(PATHS.kubeletClientCurrent()), none));
        // doctor (and wait-ready's look at kubelet, the journal of a failure)
        s.add(new Sample("doctor", "show", UnitScripts.show("kubelet", List.of("ActiveState", "SubState", "Result",
                "UnitFileState", "ExecMainStartTimestamp", "ExecMainExitTimestamp", "InvocationID")), none));
        s.add(new Sample("doctor", "journal-invocation", UnitScripts.journalSince("kubelet",
                "0123456789abcdef0123456789abcdef", "", 200), none));
        s.add(new Sample("doctor", "journal-since", UnitScripts.journalSince("kubelet", "",
                "Sat 2026-12-05 20:00:00 UTC", 200), none));
        s.add(new Sample("doctor", "journal", UnitScripts.journal("kube-proxy", 4), none));
        s.add(new Sample("doctor", "hostname", UnitScripts.hostname(), none));
        s.add(new Sample("doctor", "rules", VerifyScripts.rules("iptables", VIP), none));
        s.add(new Sample("doctor", "restarts", UnitScripts.restarts("kubelet"), none));
        // reset
        s.add(new Sample("reset", "stop", ResetScripts.stop("kubelet"), none));
        s.add(new Sample("reset", "remove-client-credential", ResetScripts.removeClientCredential(PATHS.kubeletKubeconfig(),
                PATHS.certDir()), none));
        s.add(new Sample("reset", "start", ResetScripts.start("kubelet"), none));
        s.add(new Sample("reset", "is-active", ResetScripts.isActive("kubelet"), none));
        s.add(new Sample("reset", "mounts", ResetScripts.mounts(), none));
        s.add(new Sample("reset", "disable-now", ResetScripts.disableNow("kube-proxy"), none));
        s.add(new Sample("reset", "is-executable", ResetScripts.isExecutable(PATHS.kubeProxyBinary()), none));
        s.add(new Sample("reset", "is-file", ResetScripts.isFile(PATHS.kubeProxyConfig()), none));
        s.add(new Sample("reset", "proxy-cleanup", ResetScripts.proxyCleanup(PATHS.kubeProxyBinary(), PATHS.kubeProxyConfig()), none));
        s.add(new Sample("reset", "unmount", ResetScripts.unmount(PATHS.kubeletRootDir() + "/pods/p1/volumes/v"), none));
        s.add(new Sample("reset", "remove-files", ResetScripts.removeFiles(List.of(PATHS.caCert(), PushScripts.bak(PATHS.caCert()),
                PATHS.kubeletKubeconfig(), PATHS.kubeletBinary()), PATHS.certDir()), none));
        s.add(new Sample("reset", "daemon-reload", ResetScripts.daemonReload(), none));
        s.add(new Sample("reset", "remove-folders", ResetScripts.removeFolders(List.of(PATHS.kubeletRootDir(),
                PATHS.kubeProxyWorkDir())), none));
        return s;
    }

    /** node-preflight's look at the host: ipvs mode's programs (conntrack before 1.32), kubelet's and the images' disks. */
    static PreflightScripts.HostLook host(PreflightScripts.Runtime runtime, String socket) {
        return new PreflightScripts.HostLook(List.of("conntrack", "ipset", "ipvsadm"), "node-1",
                List.of(new String[] {"kubelet", PATHS.kubeletRootDir()}, new String[] {"images", "/var/lib/containerd"}), runtime, socket, true);
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
