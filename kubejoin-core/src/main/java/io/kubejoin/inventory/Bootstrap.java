package io.kubejoin.inventory;

import java.time.Duration;

/**
 * Bootstrap-token settings (K1).
 *
 * @param tokenTTL how long a node's token stays valid (default 1h)
 * @param group    the token's extra group is system:bootstrappers:&lt;group&gt; (default kubejoin)
 */
public record Bootstrap(Duration tokenTTL, String group) {
    public String extraGroup() {
        return "system:bootstrappers:" + group;
    }
}
