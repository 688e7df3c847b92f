package io.kubejoin.join;

import io.fabric8.kubernetes.api.model.Secret;
import io.kubejoin.cluster.Access;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.cluster.NodeReadiness;
import io.kubejoin.cluster.TokenService;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.remote.ExecResult;
import io.kubejoin.remote.RemoteFile;
import io.kubejoin.remote.Transport;
import io.kubejoin.remote.TransportException;
import io.kubejoin.remote.script.PushScripts;
import io.kubejoin.remote.script.ResetScripts;
import io.kubejoin.render.ClusterManifests;
import io.kubejoin.render.NodeFiles;
import io.kubejoin.render.RenderedFile;
import io.kubejoin.token.BootstrapToken;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * T3, the article's recovery for a kubelet stuck with a stale credential: stop kubelet, remove kubelet.kubeconfig
 * and the kubelet-client-current*.pem it points to, make sure the node's bootstrap token is valid again, start
 * kubelet so it bootstraps anew; {@link RecoveryProof} then waits for proof it did. {@link #full} instead undoes the
 * join on the node and removes the node from the cluster.
 */
public final class Reset {
    private Reset() {
    }

    /**
     * What {@link #recover} did, and what the node and the cluster showed once the old kubelet was stopped: the
     * baseline {@link RecoveryProof#await} compares with.
     */
    public record Recovery(List<String> done, RecoveryProof.Baseline baseline) {
    }

    public static Recovery recover(Inventory inv, Node node, KubeConnection conn, Transport t, BootstrapToken token,
                                   List<RenderedFile> files, Clock clock) throws PhaseFailure {
        NodeFiles paths = new NodeFiles(inv.paths());
        List<String> done = new ArrayList<>();
        // the token the node's bootstrap kubeconfig carries must authenticate again: it was deleted after the join
        String secretName = token.secretName();
        Secret existing = conn.call(Access.in("kube-system", "get", "secrets"),
                () -> conn.client().secrets().inNamespace("kube-system").withName(secretName).get());
        if (existing == null) {
            conn.run(Access.in("kube-system", "create", "secrets"), () -> conn.client().secrets().inNamespace("kube-system")
                    .resource(ClusterManifests.bootstrapTokenSecret(inv, token)).create());
            done.add("bootstrap token " + token.redacted() + " made valid again");
        }
        try {
            List<String> pushed = t.push(files.stream().filter(f -> f.path().equals(paths.kubeletBootstrapKubeconfig()))
                    .map(RemoteFile::of).toList()).changed();
            if (!pushed.isEmpty()) done.add("bootstrap kubeconfig updated");
        } catch (TransportException e) {
            throw new PhaseFailure("pushing the bootstrap kubeconfig failed: " + e.getMessage(), "run reset again",
                    List.of(), e.isTransient(), e);
        }
        java.time.Instant started = clock.instant();
        NodeCommands.run(t, ResetScripts.stop("kubelet"), "systemctl stop kubelet", "check systemd on the node");
        // read once the old kubelet can no longer write: its CSRs, certificate serial and Node are what the new ones must differ from
        RecoveryProof.Baseline baseline = RecoveryProof.baseline(conn, t, paths, node.name(), token.id(), started);
        // the API keeps whole seconds: a kubelet that posts Ready within the second of the last heartbeat writes the same
        // status again (a no-op update), indistinguishable from a stale one; so it starts in a later second (≤ 1 s wait)
        NodeReadiness.startAfterTheSecondOf(baseline.readyHeartbeat(), clock, java.time.Duration.ofSeconds(2));
        NodeCommands.run(t, ResetScripts.removeClientCredential(paths.kubeletKubeconfig(), paths.certDir()),
                "removing the stale client credential", "check the node's filesystem");
        done.add("removed " + paths.kubeletKubeconfig() + " and " + paths.certDir() + "/kubelet-client-*.pem");
        if (!NodeCommands.exec(t, ResetScripts.start("kubelet")).ok()
                || !NodeCommands.exec(t, ResetScripts.isActive("kubelet")).ok()) {
            throw new PhaseFailure("kubelet did not start again", "see its journal below",
                    NodeCommands.journal(t, "kubelet"), false, null);
        }
        done.add("kubelet started: it bootstraps with its token again");
        return new Recovery(done, baseline);
    }

    /**
     * What {@code reset --full} did, what it leaves on purpose, and what it could not remove.
     *
     * @param kept     left on the node on purpose, with the reason (not a failure)
     * @param problems what should have gone but did not, with the fix: the reset failed
     */
    public record Undone(List<String> done, List<String> kept, List<String> problems) {
    }

    /**
     * Undoes the join of a node, in an order that never deletes through a mount: reads what is mounted below
     * kubelet's root dir, stops and disables both services, removes kube-proxy's service rules with its own
     * {@code kube-proxy --cleanup} (iptables and ipvs rules of every mode, and its nftables table where that mode
     * exists), unmounts the pod volumes below kubelet's root dir (lazily, as kubeadm reset does), removes every
     * file kubejoin rendered (and its backups), kubelet's certificates and kubeconfig, the binaries the inventory
     * supplied when the node still has exactly those (sha256), kubelet's and kube-proxy's data folders
     * ({@code rm -rf --one-file-system}: a mount that would not go is skipped, never emptied), then deletes the
     * Node, the node's bootstrap tokens and its pending CSRs ({@link #forget}). It does not cordon or drain: that is
     * {@link Remove}, which runs this after the drain.
     *
     * @param binarySha256 the sha256 of the binaries the inventory supplies, by node path; empty when it names none
     */
    public static Undone full(Inventory inv, Node node, KubeConnection conn, Transport t, List<RenderedFile> files,
                              Map<String, String> binarySha256, Clock clock) throws PhaseFailure {
        NodeFiles paths = new NodeFiles(inv.paths());
        List<String> done = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        // read before anything changes: pod volumes mounted below kubelet's root dir
        ExecResult table = NodeCommands.exec(t, ResetScripts.mounts());
        List<String> mounts = table.ok() ? mountsBelow(table.stdout(), paths.kubeletRootDir()) : null;

        for (String unit : List.of("kube-proxy", "kubelet")) {
            NodeCommands.exec(t, ResetScripts.disableNow(unit));
        }
        done.add("kubelet and kube-proxy stopped and disabled");

        // the kernel keeps kube-proxy's rules after it stops; its own --cleanup knows every chain, set and table
        String proxy = paths.kubeProxyBinary();
        if (NodeCommands.exec(t, ResetScripts.isExecutable(proxy)).ok()) {
            String config = NodeCommands.exec(t, ResetScripts.isFile(paths.kubeProxyConfig())).ok()
                    ? paths.kubeProxyConfig() : null; // its feature gates decide about nftables
            ExecResult r = NodeCommands.exec(t, ResetScripts.proxyCleanup(proxy, config));
            if (r.ok()) {
                done.add("kube-proxy's service rules removed (kube-proxy --cleanup: iptables and ipvs rules, and the "
                        + "nftables table where that mode exists)");
            } else {
                problems.add("kube-proxy --cleanup failed (exit " + r.exitCode() + "): " + NodeCommands.firstLine(r.stderr(), r.stdout())
                        + ": its iptables/ipvs/nftables rules may remain; run '" + proxy + " --cleanup' on the node");
            }
        } else {
            kept.add("kube-proxy's service rules, if any: no executable " + proxy + " to run 'kube-proxy --cleanup' with");
        }

        boolean unmounted = mounts != null;
        if (mounts == null) {
            problems.add(paths.kubeletRootDir() + " kept: /proc/mounts could not be read (" + NodeCommands.firstLine(table.stderr(), table.stdout())
                    + "), so pod volumes mounted below it could not be unmounted first; unmount them and run reset --full again");
        } else {
            for (String m : mounts) {
                ExecResult r = NodeCommands.exec(t, ResetScripts.unmount(m));
                if (!r.ok()) {
                    unmounted = false;
                    problems.add(paths.kubeletRootDir() + " kept: " + m + " would not unmount (" + NodeCommands.firstLine(r.stderr(), r.stdout())
                            + "); stop the pods using it (drain the node, stop their containers), then run reset --full again");
                }
            }
            if (!mounts.isEmpty() && unmounted) done.add("unmounted " + mounts.size() + " pod volume(s) below " + paths.kubeletRootDir());
        }

        List<String> remove = new ArrayList<>();
        for (RenderedFile f : files) {
            remove.add(f.path());
            remove.add(PushScripts.bak(f.path()));
        }
        remove.add(paths.kubeletKubeconfig());
        // kubelet's own files in its cert dir: its self-signed serving pair and a half-finished bootstrap key
        for (String own : List.of("kubelet.crt", "kubelet.key", "kubelet-client.key.tmp")) remove.add(paths.certDir() + "/" + own);
        List<String> binaries = List.of(paths.kubeletBinary(), paths.kubeProxyBinary());
        Map<String, String> onNode;
        try {
            onNode = t.sha256(binaries);
        } catch (TransportException e) {
            throw new PhaseFailure(t.target() + ": " + e.getMessage(), "check the node is reachable over SSH, then run reset --full again",
                    List.of(), e.isTransient(), e);
        }
        int removedBinaries = 0;
        for (String b : binaries) {
            String want = binarySha256.get(b);
            String have = onNode.get(b);
            if (have == null) continue;
            if (want == null) {
                kept.add(b + ": not installed by kubejoin (the inventory names no binaries)");
            } else if (!want.equals(have)) {
                kept.add(b + ": not the binary the inventory supplies (sha256 differs), so not kubejoin's copy");
            } else {
                remove.add(b);
                remove.add(PushScripts.bak(b));
                removedBinaries++;
            }
        }
        NodeCommands.run(t, ResetScripts.removeFiles(remove, paths.certDir()),
                "removing kubejoin's files", "check the node's filesystem");
        NodeCommands.run(t, ResetScripts.daemonReload(), "systemctl daemon-reload", "check systemd on the node");
        done.add("removed " + files.size() + " installed files, their backups and kubelet's certificates"
                + (removedBinaries == 0 ? "" : ", and " + removedBinaries + " binaries the join installed"));

        List<String> dirs = new ArrayList<>();
        if (unmounted) dirs.add(paths.kubeletRootDir());
        dirs.add(paths.kubeProxyWorkDir());
        ExecResult rm = NodeCommands.exec(t, ResetScripts.removeFolders(dirs));
        if (rm.ok()) {
            done.add("removed the data folders " + String.join(" and ", dirs));
        } else {
            problems.add("removing " + String.join(" and ", dirs) + " failed: " + NodeCommands.firstLine(rm.stderr(), rm.stdout())
                    + " (a filesystem still mounted there is never emptied); unmount it, then run reset --full again");
        }

        done.addAll(forget(conn, node.name(), clock));
        kept.add("not kubejoin's to remove: the container runtime with its containers and images, CNI configuration, "
                + "loaded kernel modules (until reboot), and the folders " + String.join(", ", List.of(inv.paths().binDir(),
                inv.paths().dataDir(), inv.paths().configDir(), inv.paths().certDir())) + " themselves");
        return new Undone(done, kept, problems);
    }

    /**
     * The cluster's side of removing a node: deletes its Node, its bootstrap tokens and the CSRs still pending from
     * it (its own identity {@code system:node:NAME}, or one of its tokens {@code system:bootstrap:ID}: a pending one
     * would otherwise be approved later and a certificate issued for a node that is gone). Approved and issued CSRs
     * stay: kube-controller-manager's csrcleaner removes them after an hour. Each line says what went.
     */
    public static List<String> forget(KubeConnection conn, String node, Clock clock) {
        List<String> done = new ArrayList<>();
        TokenService tokens = new TokenService(conn, clock, new SecureRandom());
        // the token ids first: the CSRs they filed are known by them after the Secrets are gone
        List<String> users = new ArrayList<>();
        users.add("system:node:" + node);
        tokens.listForNode(node).forEach(t -> users.add("system:bootstrap:" + t.id()));
        boolean deleted = conn.call(Access.cluster("delete", "nodes"),
                () -> !conn.client().nodes().withName(node).delete().isEmpty());
        if (deleted) done.add("Node " + node + " deleted");
        List<String> ids = tokens.deleteForNode(node);
        if (!ids.isEmpty()) done.add("bootstrap tokens deleted: " + String.join(", ", ids.stream().map(i -> i + ".****").toList()));
        List<String> csrs = new ArrayList<>();
        for (io.kubejoin.cluster.CsrView c : io.kubejoin.cluster.CsrView.list(conn)) {
            if (c.pending() && users.contains(c.username()) && deleteCsr(conn, c.name())) csrs.add(c.name());
        }
        if (!csrs.isEmpty()) done.add("pending CSRs deleted: " + String.join(", ", csrs));
        return done;
    }

    /** certificates.k8s.io/v1, else v1beta1 (clusters before 1.19). */
    private static boolean deleteCsr(KubeConnection conn, String name) {
        Access access = Access.cluster("delete", "certificatesigningrequests");
        try {
            return !conn.client().certificates().v1().certificateSigningRequests().withName(name).delete().isEmpty();
        } catch (RuntimeException e) {
            if (io.kubejoin.cluster.ApiErrors.statusCode(e) != 404) throw io.kubejoin.cluster.ApiErrors.translate(e, access, conn);
        }
        return conn.call(access, () -> !conn.client().certificates().v1beta1().certificateSigningRequests().withName(name).delete().isEmpty());
    }

    /** Mount points below {@code dir} in a /proc/mounts text (octal escapes decoded), deepest first. */
    static List<String> mountsBelow(String procMounts, String dir) {
        String prefix = dir.endsWith("/") ? dir : dir + "/"; // the folder itself, if a mount, is not a pod volume
        List<String> out = new ArrayList<>();
        for (String line : procMounts.split("\n")) {
            String[] f = line.split(" ");
            if (f.length < 2) continue;
            String mp = unescape(f[1]);
            if (mp.startsWith(prefix) && !out.contains(mp)) out.add(mp);
        }
        out.sort(java.util.Comparator.comparingInt(String::length).reversed().thenComparing(java.util.Comparator.reverseOrder()));
        return out;
    }

    /** /proc/mounts writes space, tab, newline and backslash in paths as \040, \011, \012, \134. */
    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
