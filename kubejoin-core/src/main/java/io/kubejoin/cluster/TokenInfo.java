package io.kubejoin.cluster;

import java.time.Instant;
import java.util.List;

/**
 * A bootstrap token as stored in the cluster, without its secret (there is no field for it, so it cannot leak
 * through a listing).
 *
 * @param id          the public token id
 * @param node        the node it was issued for (label kubejoin.io/node), or null when not kubejoin's/not per-node
 * @param expiration  when it stops working, or null when it never expires
 * @param groups      its extra groups (auth-extra-groups)
 * @param usages      usage-bootstrap-* keys set to true, without the prefix (authentication, signing)
 * @param description its description
 */
public record TokenInfo(String id, String node, Instant expiration, List<String> groups, List<String> usages,
                        String description) {
    /** How a token is shown to people: the id and stars. */
    public String redacted() {
        return id + ".****";
    }

    public String secretName() {
        return "bootstrap-token-" + id;
    }

    public boolean isExpiredAt(Instant now) {
        return expiration != null && !expiration.isAfter(now);
    }
}
