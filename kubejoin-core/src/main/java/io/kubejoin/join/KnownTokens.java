package io.kubejoin.join;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A join's bootstrap-token ids by node, from the one list of kube-system's Secrets {@link ClusterTokens} reads at the
 * start plus the tokens it creates. wait-ready deletes a Ready node's tokens from here: one DELETE per token, where
 * listing the node's tokens first cost a list request per node (a thousand-node join: a thousand lists). The ids are
 * kubejoin's own (its node label) and the node's: nothing else is deleted. A node's entry is dropped once handled,
 * so what is held shrinks as nodes finish.
 */
public final class KnownTokens {
    private final Map<String, List<String>> byNode = new ConcurrentHashMap<>();

    void add(String node, String id) {
        byNode.compute(node, (n, ids) -> {
            if (ids != null && ids.contains(id)) return ids;
            List<String> next = ids == null ? new ArrayList<>(1) : new ArrayList<>(ids);
            next.add(id);
            return List.copyOf(next);
        });
    }

    /** The node's token ids (empty when it has none), without dropping them. */
    public List<String> of(String node) {
        return byNode.getOrDefault(node, List.of());
    }

    /** Drops the node's entry: its tokens were deleted. */
    public void forget(String node) {
        byNode.remove(node);
    }
}
