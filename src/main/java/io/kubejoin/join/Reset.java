package io.kubejoin.join;

import static io.kubejoin.join.NodeCommands.quote;

import io.fabric8.kubernetes.api.model.Secret;
import io.kubejoin.cluster.Access;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.cluster.TokenService;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.remote.RemoteFile;
import io.kubejoin.remote.Transport;
import io.kubejoin.remote.TransportException;
import io.kubejoin.render.ClusterManifests;
import io.kubejoin.render.NodeFiles;
import io.kubejoin.render.RenderedFile;
import io.kubejoin.token.BootstrapToken;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * T3, the article's recovery for a kubelet stuck with a stale credential: stop kubelet, remove kubelet.kubeconfig
 * and the kubelet-client-current*.pem it points to, make sure the node's bootstrap token is valid again, start
 * kubelet so it bootstraps anew. {@link #full} instead removes what kubejoin installed and the node from the cluster.
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
        NodeCommands.run(t, "systemctl stop kubelet", "systemctl stop kubelet", "check systemd on the node");
        // read once the old kubelet can no longer write: its CSRs, certificate serial and Node are what the new ones must differ from
        RecoveryProof.Baseline baseline = RecoveryProof.baseline(conn, t, paths, node.name(), token.id(), started);
        NodeCommands.run(t, "rm -f " + quote(paths.kubeletKubeconfig()) + " " + quote(paths.certDir())
                        + "/kubelet-client-current*.pem " + quote(paths.certDir()) + "/kubelet-client-2*.pem",
                "removing the stale client credential", "check the node's filesystem");
        done.add("removed " + paths.kubeletKubeconfig() + " and " + paths.certDir() + "/kubelet-client-*.pem");
        if (!NodeCommands.exec(t, "systemctl start kubelet").ok()
                || !NodeCommands.exec(t, "systemctl is-active --quiet kubelet").ok()) {
            throw new PhaseFailure("kubelet did not start again", "see its journal below",
                    NodeCommands.journal(t, "kubelet"), false, null);
        }
        done.add("kubelet started: it bootstraps with its token again");
        return new Recovery(done, baseline);
    }

    /** Stops and disables both services, removes every file kubejoin installed (and its backups), deletes the Node and its tokens. */
    public static List<String> full(Inventory inv, Node node, KubeConnection conn, Transport t, List<RenderedFile> files,
                                    Clock clock) throws PhaseFailure {
        NodeFiles paths = new NodeFiles(inv.paths());
        List<String> done = new ArrayList<>();
        for (String unit : List.of("kube-proxy", "kubelet")) {
            NodeCommands.exec(t, "systemctl disable --now " + unit);
        }
        done.add("kubelet and kube-proxy stopped and disabled");
        List<String> remove = new ArrayList<>();
        for (RenderedFile f : files) {
            remove.add(quote(f.path()));
            remove.add(quote(f.path() + ".kubejoin-bak"));
        }
        remove.add(quote(paths.kubeletKubeconfig()));
        NodeCommands.run(t, "rm -f " + String.join(" ", remove) + " " + quote(paths.certDir()) + "/kubelet-client-*.pem "
                        + quote(paths.certDir()) + "/kubelet-server-*.pem",
                "removing kubejoin's files", "check the node's filesystem");
        NodeCommands.run(t, "systemctl daemon-reload", "systemctl daemon-reload", "check systemd on the node");
        done.add("removed " + files.size() + " installed files, their backups and kubelet's certificates");
        boolean deleted = conn.call(Access.cluster("delete", "nodes"),
                () -> !conn.client().nodes().withName(node.name()).delete().isEmpty());
        if (deleted) done.add("Node " + node.name() + " deleted");
        TokenService tokens = new TokenService(conn, clock, new SecureRandom());
        List<String> ids = tokens.deleteForNode(node.name());
        if (!ids.isEmpty()) done.add("bootstrap tokens deleted: " + String.join(", ", ids.stream().map(i -> i + ".****").toList()));
        return done;
    }
}
