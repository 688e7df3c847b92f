package io.kubejoin.join;

import io.fabric8.kubernetes.api.model.Secret;
import io.kubejoin.cluster.Access;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.cluster.Pages;
import io.kubejoin.cluster.TokenInfo;
import io.kubejoin.cluster.TokenService;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.render.ClusterManifests;
import io.kubejoin.token.BootstrapToken;
import io.kubejoin.util.Parallel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * K1 for a join: makes each node's bootstrap token (the one its rendered bootstrap kubeconfig carries, kept in the
 * state folder) valid in the cluster — unless the node is already registered, since a joined kubelet uses its own
 * certificate and a spare credential is better not created.
 */
public final class ClusterTokens {
    private static final int CONCURRENT_CREATES = 16;

    private ClusterTokens() {
    }

    /**
     * What {@link #ensure} did and found.
     *
     * @param lines one line per node that needed a token created
     * @param ids   the run's bootstrap-token ids by inventory node: those the list found labelled for the node and the
     *              one created for it. wait-ready deletes these once the node is Ready, one DELETE each, instead of
     *              listing the node's tokens again per node ({@link KnownTokens})
     */
    public record Result(List<String> lines, KnownTokens ids) {
    }

    /**
     * One line per node whose token was created, made when read from the node's name and its token (both held for
     * the run anyway): a 10,000-node join kept 10,000 such lines, and twice more in the cluster lines and the step
     * summary. The text is what the line always said.
     */
    static List<String> createdLines(List<String> nodes, Map<String, BootstrapToken> tokens) {
        return new java.util.AbstractList<>() {
            @Override
            public String get(int i) {
                String node = nodes.get(i);
                BootstrapToken token = tokens.get(node);
                return node + ": bootstrap token " + token.redacted() + " created, expires " + token.expiration();
            }

            @Override
            public int size() {
                return nodes.size();
            }
        };
    }

    public static Result ensure(KubeConnection conn, Inventory inv, Map<String, BootstrapToken> tokens) {
        // names only, read in pages: a big cluster's Secrets and Nodes are never all in memory at once; of the
        // bootstrap tokens labelled for an inventory node, their ids too
        Set<String> existing = new java.util.HashSet<>();
        Set<String> names = new java.util.HashSet<>();
        inv.nodes().forEach(n -> names.add(n.name()));
        KnownTokens ids = new KnownTokens();
        conn.run(Access.in("kube-system", "list", "secrets"), () -> Pages.each(
                o -> conn.client().secrets().inNamespace("kube-system").list(o), s -> {
                    existing.add(s.getMetadata().getName());
                    // read as token list and the per-node delete read them: type, token id, node label
                    TokenInfo token = TokenService.read(s);
                    if (token != null && token.node() != null && names.contains(token.node())) ids.add(token.node(), token.id());
                }));
        Set<String> registered = new java.util.HashSet<>();
        conn.run(Access.cluster("list", "nodes"), () -> Pages.each(
                o -> conn.client().nodes().list(o), n -> registered.add(n.getMetadata().getName())));
        List<Node> missing = new ArrayList<>();
        for (Node node : inv.nodes()) {
            BootstrapToken token = tokens.get(node.name());
            if (token == null || registered.contains(node.name())) continue;
            if (existing.contains(token.secretName())) {
                ids.add(node.name(), token.id()); // labelled or not, it is the node's own token
                continue;
            }
            missing.add(node);
        }
        // a few creates at once: one after another, a thousand nodes' tokens took seconds before any node began
        List<String> created;
        try {
            created = Parallel.map(missing, CONCURRENT_CREATES, "kubejoin-tokens", node -> {
                BootstrapToken token = tokens.get(node.name());
                Secret secret = ClusterManifests.bootstrapTokenSecret(inv, token);
                conn.run(Access.in("kube-system", "create", "secrets"),
                        () -> conn.client().secrets().inNamespace("kube-system").resource(secret).create());
                ids.add(node.name(), token.id());
                return node.name();
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating bootstrap tokens", e);
        }
        return new Result(createdLines(created, tokens), ids);
    }
}
