package io.kubejoin.cluster;

import io.kubejoin.util.ExitCodes;
import io.fabric8.kubernetes.api.model.Secret;
import io.kubejoin.inventory.Bootstrap;
import io.kubejoin.inventory.Inventory;

import io.kubejoin.util.UserFacingException;
import io.kubejoin.inventory.Bootstrap;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.render.ClusterManifests;
import io.kubejoin.token.BootstrapToken;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * K1 against the API: bootstrap-token Secrets in kube-system, one per node, made with
 * {@link ClusterManifests#bootstrapTokenSecret} so the cluster gets exactly what {@code kubejoin render} shows.
 * Logs and messages only ever show {@code <id>.****}.
 */
public final class TokenService {
    public static final String NAMESPACE = "kube-system";
    public static final String TYPE = "bootstrap.kubernetes.io/token";
    /** What kube-apiserver accepts in auth-extra-groups (k8s.io/cluster-bootstrap/token/api). */
    public static final Pattern GROUP = Pattern.compile("system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]");
    private static final Logger log = LoggerFactory.getLogger(TokenService.class);

    private final KubeConnection conn;
    private final Clock clock;
    private final SecureRandom random;

    public TokenService(KubeConnection conn, Clock clock, SecureRandom random) {
        this.conn = conn;
        this.clock = clock;
        this.random = random;
    }

    /**
     * What a new token looks like.
     *
     * @param node        the node it is for (labelled kubejoin.io/node), or null for a token tied to no node
     * @param ttl         how long it is valid
     * @param group       the group suffix: the token's extra group is system:bootstrappers:&lt;group&gt;
     * @param description null for the default ("kubejoin bootstrap token for node N")
     */
    public record Request(String node, Duration ttl, String group, String description) {
        public static Request forNode(Inventory inv, String node) {
            Bootstrap b = inv.bootstrap();
            return new Request(node, b.tokenTTL(), b.group(), null);
        }
    }

    /** Creates one bootstrap token in the cluster and returns it (the only place its secret is available). */
    public BootstrapToken create(Request request) {
        Objects.requireNonNull(request.ttl(), "ttl");
        if (request.ttl().isNegative() || request.ttl().isZero()) {
            throw new UserFacingException("the token TTL must be positive, not " + request.ttl(), ExitCodes.BAD_INPUT);
        }
        String extraGroup = "system:bootstrappers:" + request.group();
        if (!GROUP.matcher(extraGroup).matches()) {
            throw new UserFacingException("'" + request.group() + "' cannot be a bootstrap group: kube-apiserver only "
                    + "accepts lower-case letters, digits, ':' and '-', ending in a letter or digit", ExitCodes.BAD_INPUT);
        }
        Instant expiration = clock.instant().plus(request.ttl());
        BootstrapToken token = BootstrapToken.generate(random, request.node() == null ? "" : request.node(), expiration);
        Secret secret = secretFor(token, extraGroup, request);
        conn.run(Access.in(NAMESPACE, "create", "secrets"),
                () -> conn.client().secrets().inNamespace(NAMESPACE).resource(secret).create());
        log.debug("created bootstrap token {}", token);
        return token;
    }

    /** The manifest ClusterManifests renders, with this request's group, description and node label. */
    static Secret secretFor(BootstrapToken token, String extraGroup, Request request) {
        String description = request.description() != null ? request.description()
                : request.node() == null ? "kubejoin bootstrap token" : "kubejoin bootstrap token for node " + request.node();
        return ClusterManifests.bootstrapTokenSecret(token, extraGroup, description);
    }

    /** Every bootstrap token in the cluster (kubejoin's and others'), soonest to expire first. */
    public List<TokenInfo> list() {
        return tokens(conn.call(Access.in(NAMESPACE, "list", "secrets"),
                () -> conn.client().secrets().inNamespace(NAMESPACE).list().getItems()));
    }

    private static List<TokenInfo> tokens(List<Secret> secrets) {
        List<TokenInfo> out = new ArrayList<>();
        for (Secret s : secrets) {
            TokenInfo info = read(s);
            if (info != null) out.add(info);
        }
        out.sort(Comparator.comparing(TokenInfo::expiration, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(TokenInfo::id));
        return out;
    }

    /**
     * The tokens issued for one node: listed by their node label, so a join of a thousand nodes does not read every
     * node's token Secret once per node; the label is checked again here in case a server ignores the selector.
     */
    public List<TokenInfo> listForNode(String node) {
        List<Secret> secrets = conn.call(Access.in(NAMESPACE, "list", "secrets"), () -> conn.client().secrets()
                .inNamespace(NAMESPACE).withLabel(ClusterManifests.NODE_LABEL, node).list().getItems());
        return tokens(secrets).stream().filter(t -> node.equals(t.node())).toList();
    }

    /**
     * Reads any Secret as a bootstrap token: null unless it has the token type (field selectors are not applied by
     * every server, nor by the fabric8 mock: filtered here) and a valid token id. The secret value is never read.
     */
    public static TokenInfo read(Secret s) {
        return TYPE.equals(s.getType()) ? info(s) : null;
    }

    /** Reads a token Secret; the secret value is never read out of it. Null when it is no valid token Secret. */
    static TokenInfo info(Secret s) {
        String id = value(s, "token-id");
        if (id == null || !BootstrapToken.ID.matcher(id).matches()) return null;
        Instant expiration = null;
        String exp = value(s, "expiration");
        if (exp != null) {
            try {
                expiration = Instant.parse(exp);
            } catch (DateTimeParseException e) {
                expiration = Instant.EPOCH; // kube-apiserver treats an unparsable expiration as expired
            }
        }
        String groups = value(s, "auth-extra-groups");
        List<String> usages = new ArrayList<>();
        for (String key : keys(s)) {
            if (key.startsWith("usage-bootstrap-") && "true".equals(value(s, key))) {
                usages.add(key.substring("usage-bootstrap-".length()));
            }
        }
        usages.sort(null);
        Map<String, String> labels = s.getMetadata().getLabels();
        String node = labels == null ? null : labels.get(ClusterManifests.NODE_LABEL);
        return new TokenInfo(id, node == null || node.isEmpty() ? null : node, expiration,
                groups == null || groups.isBlank() ? List.of() : Arrays.stream(groups.split(",")).map(String::trim).toList(),
                List.copyOf(usages), value(s, "description"));
    }

    private static List<String> keys(Secret s) {
        List<String> keys = new ArrayList<>();
        if (s.getData() != null) keys.addAll(s.getData().keySet());
        if (s.getStringData() != null) keys.addAll(s.getStringData().keySet());
        return keys;
    }

    /** A real server merges stringData into data; the fabric8 mock keeps stringData as written: read both. */
    private static String value(Secret s, String key) {
        if (s.getStringData() != null && s.getStringData().containsKey(key)) return s.getStringData().get(key);
        if (s.getData() != null && s.getData().containsKey(key)) {
            try {
                return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }

    /**
     * Moves a token's expiration to {@code expiration}: one JSON merge patch of the Secret's {@code data.expiration}
     * (what kube-apiserver's bootstrap-token authenticator and the token cleaner read on each use). False when the
     * Secret is gone (the token cleaner removes a token once expired). The token's secret is not touched.
     */
    public boolean extend(String id, Instant expiration) {
        String value = java.time.format.DateTimeFormatter.ISO_INSTANT.format(expiration.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        String patch = "{\"data\":{\"expiration\":\"" + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)) + "\"}}";
        boolean found = conn.call(Access.in(NAMESPACE, "patch", "secrets"), () -> {
            try {
                conn.client().secrets().inNamespace(NAMESPACE).withName("bootstrap-token-" + id)
                        .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), patch);
                return true;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() == 404) return false;
                throw e;
            }
        });
        if (!found) return false;
        log.debug("bootstrap token {}.**** now expires {}", id, value);
        return true;
    }

    /** Deletes one token by id; false when there was none. */
    public boolean delete(String id) {
        if (!BootstrapToken.ID.matcher(id).matches()) {
            throw new UserFacingException("'" + id + "' is not a bootstrap token id (6 characters a-z0-9; "
                    + "'kubejoin token list' shows them)", ExitCodes.BAD_INPUT);
        }
        boolean deleted = conn.call(Access.in(NAMESPACE, "delete", "secrets"),
                () -> !conn.client().secrets().inNamespace(NAMESPACE).withName("bootstrap-token-" + id).delete().isEmpty());
        if (deleted) log.debug("deleted bootstrap token {}.****", id);
        return deleted;
    }

    /** Deletes these tokens by id, one DELETE each; returns the ids that existed (a missing one is no error). */
    public List<String> deleteIds(java.util.Collection<String> ids) {
        return ids.stream().filter(this::delete).toList();
    }

    /** Deletes every token issued for a node; returns their ids. */
    public List<String> deleteForNode(String node) {
        List<String> ids = listForNode(node).stream().map(TokenInfo::id).toList();
        ids.forEach(this::delete);
        return ids;
    }

    /** Deletes tokens whose expiration has passed (kube-apiserver already ignores them; this tidies up). */
    public List<String> deleteExpired() {
        Instant now = clock.instant();
        List<String> ids = list().stream().filter(t -> t.isExpiredAt(now)).map(TokenInfo::id).toList();
        ids.forEach(this::delete);
        return ids;
    }

    /**
     * Called by the join once a node may have joined: deletes the node's tokens only if the API shows it holds its
     * client certificate - a CSR from one of its tokens has been signed, or its Node object exists. A node that
     * has not got there keeps its token, so a kubelet still bootstrapping is not cut off.
     *
     * @return the ids deleted; empty when the node has not joined yet (or had no token)
     */
    public List<String> deleteIfJoined(String node) {
        List<TokenInfo> tokens = listForNode(node);
        if (tokens.isEmpty()) return List.of();
        boolean joined = conn.call(Access.cluster("get", "nodes"),
                () -> conn.client().nodes().withName(node).get() != null);
        if (!joined) {
            List<String> users = tokens.stream().map(t -> "system:bootstrap:" + t.id()).toList();
            joined = CsrView.list(conn).stream().anyMatch(c -> users.contains(c.username()) && c.hasCertificate());
        }
        if (!joined) return List.of();
        List<String> ids = tokens.stream().map(TokenInfo::id).toList();
        ids.forEach(this::delete);
        return ids;
    }
}
