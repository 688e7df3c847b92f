package io.kubejoin.join;

import io.kubejoin.cluster.TokenService;
import io.kubejoin.token.BootstrapToken;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * K1 at the moment of use: a node's bootstrap token was made valid for the token TTL when the run began, but a long
 * run (thousands of nodes, slow machines) may reach a node after most of that hour: its kubelet would then start
 * with a token that expires before, or while, it asks for its certificate — kube-apiserver refuses an expired token
 * (401) and the token cleaner deletes its Secret. So kubelet-start, before it starts a kubelet that will use the
 * bootstrap kubeconfig, extends a token closer to its expiry than {@link #margin} to a full TTL from now. The token
 * itself (and so the rendered kubeconfig) stays the same; only the Secret's expiration moves. Nothing is written for
 * a token with time left, so a run shorter than the TTL makes no extra request.
 */
public final class TokenLifetime {
    /** As the state's rule for reusing a stored token: a kubelet may need it for minutes after its start. */
    static final Duration MIN_REMAINING = Duration.ofMinutes(10);

    private final Map<String, BootstrapToken> tokens;
    private final TokenService service;
    private final Clock clock;
    private final Duration ttl;
    /** Expirations moved by this run, by node (the tokens map is the run's shared, read-only one). */
    private final Map<String, Instant> extended = new ConcurrentHashMap<>();

    public TokenLifetime(Map<String, BootstrapToken> tokens, TokenService service, Clock clock, Duration ttl) {
        this.tokens = tokens;
        this.service = service;
        this.clock = clock;
        this.ttl = ttl;
    }

    /** Ten minutes, or half the TTL when the inventory sets a shorter one (else every token would qualify at once). */
    Duration margin() {
        Duration half = ttl.dividedBy(2);
        return half.compareTo(MIN_REMAINING) < 0 ? half : MIN_REMAINING;
    }

    /**
     * Makes the node's token valid for at least {@link #margin} more. Returns what was done, for the phase's summary,
     * or null when nothing was needed (or the node has no token of this run).
     *
     * @throws PhaseFailure when the token's Secret is gone: the kubelet could not authenticate with it
     */
    public String ensure(String node) throws PhaseFailure {
        BootstrapToken token = tokens.get(node);
        if (token == null) return null;
        Instant expiration = extended.getOrDefault(node, token.expiration());
        Instant now = clock.instant();
        if (!expiration.isBefore(now.plus(margin()))) return null;
        Instant until = now.truncatedTo(ChronoUnit.SECONDS).plus(ttl);
        if (!service.extend(token.id(), until)) {
            throw new PhaseFailure("bootstrap token " + token.redacted() + " " + (expiration.isAfter(now) ? "expires " : "expired ")
                    + expiration + " and its Secret kube-system/" + token.secretName() + " is gone",
                    "run 'kubejoin join' again for this node: it issues the node a new token");
        }
        extended.put(node, until);
        return "bootstrap token " + token.redacted() + " extended to " + until + " (it "
                + (expiration.isAfter(now) ? "would have expired " : "had expired ") + expiration + ": the run outlived it)";
    }
}
