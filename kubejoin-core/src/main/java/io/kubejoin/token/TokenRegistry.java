package io.kubejoin.token;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decides which bootstrap token each node uses: the stored one while it is still valid for a while,
 * otherwise a new one. Keeping valid tokens is what makes a second render byte-identical.
 */
public final class TokenRegistry {
    /** A token this close to expiry is replaced: a kubelet may need it for a few minutes after the push. */
    static final Duration MIN_REMAINING = Duration.ofMinutes(10);

    private TokenRegistry() {
    }

    /** Result: the tokens to use, whether they differ from what was stored (so the caller saves them), how many are new. */
    public record Tokens(Map<String, BootstrapToken> byNode, boolean changed, int issued) {
    }

    public static Tokens reconcile(Inventory inv, Map<String, BootstrapToken> stored, Instant now, SecureRandom random) {
        Map<String, BootstrapToken> result = new TreeMap<>();
        boolean changed = false;
        int issued = 0;
        // one Instant for every token issued now (a 10,000-node run kept 10,000 equal ones)
        Instant expiration = now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).plus(inv.bootstrap().tokenTTL());
        for (Node node : inv.nodes()) {
            BootstrapToken t = stored.get(node.name());
            if (t == null || t.expiration().isBefore(now.plus(MIN_REMAINING))) {
                t = BootstrapToken.generate(random, node.name(), expiration);
                changed = true;
                issued++;
            }
            result.put(node.name(), t);
        }
        // tokens of nodes no longer in the inventory are dropped from the state
        if (!stored.keySet().equals(result.keySet())) changed = true;
        return new Tokens(result, changed, issued);
    }
}
