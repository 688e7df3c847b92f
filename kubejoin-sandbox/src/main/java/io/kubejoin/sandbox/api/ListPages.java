package io.kubejoin.sandbox.api;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * kube-apiserver's chunked lists, which fabric8's mock lacks (it ignores {@code limit} and {@code continue} and answers
 * everything at once, so a client's paging was never exercised). As the etcd3 store does
 * (k8s.io/apiserver/pkg/storage/etcd3/store.go, storage/continue.go):
 * <ul>
 *   <li>items in key order (namespace/name, or name in one namespace or for cluster-scoped objects);</li>
 *   <li>with {@code limit} and more to come, {@code metadata.continue}: base64url (no padding) of
 *       {@code {"v":"meta.k8s.io/v1","rv":R,"start":"<last key>\u0000"}}, and {@code remainingItemCount} only when no
 *       label or field selector was given;</li>
 *   <li>the next pages are the list as it was at R (etcd reads at that revision): objects created, changed or deleted
 *       meanwhile do not show;</li>
 *   <li>once R is compacted (kube-apiserver compacts etcd every 5 minutes, --etcd-compaction-interval), 410 Expired
 *       "The provided continue parameter is too old ..." with a token (rv -1) that goes on from the same key over the
 *       current state; a token that does not decode: 400.</li>
 * </ul>
 * The revision R is kept here as the list's snapshot (its remaining items), dropped when its last page is served, at
 * compaction, or when too many are open (then its token is answered 410, as a compacted one).
 */
final class ListPages {
    /** kube-apiserver's default --etcd-compaction-interval. */
    static final Duration COMPACTION_INTERVAL = Duration.ofMinutes(5);
    static final String EXPIRED = "The provided continue parameter is too old to display a consistent list result. You can "
            + "start a new list without the continue parameter, or use the continue token in this response to retrieve the "
            + "remainder of the results. Continuing with the provided token results in an inconsistent list - objects that "
            + "were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";
    /** Open snapshots at most: a 10,000-node list's is megabytes. */
    private static final int MAX_SNAPSHOTS = 16;

    private final Clock clock;
    private final java.util.function.LongSupplier newRevision;
    /** By the list's path without limit/continue, then "#" and its revision; oldest first. Guarded by this. */
    private final Map<String, Snapshot> snapshots = new LinkedHashMap<>();

    /** @param newRevision a new revision of the store, for a list the mock gave none */
    ListPages(Clock clock, java.util.function.LongSupplier newRevision) {
        this.clock = clock;
        this.newRevision = newRevision;
    }

    /** A list as it was at one revision: its items' keys and JSON, in key order. */
    private record Snapshot(String apiVersion, String kind, long rv, List<String> keys, List<String> items, Instant taken) {
    }

    /** True when a list request asks for a chunk: limit or continue. */
    static boolean asks(String query) {
        if (query == null) return false;
        for (String part : query.split("&")) {
            if (part.startsWith("limit=") || part.startsWith("continue=")) return true;
        }
        return false;
    }

    /**
     * Answers a list request with {@code limit}/{@code continue}; {@code fullList} answers the same request without
     * them (the whole list, selectors applied).
     */
    MockResponse serve(String path, String query, boolean namespaced, Function<String, MockResponse> fullList) {
        long limit = 0;
        String token = null;
        boolean selected = false;
        boolean versioned = false;
        StringBuilder rest = new StringBuilder();
        for (String part : query.split("&")) {
            if (part.startsWith("limit=")) {
                try {
                    limit = Long.parseLong(part.substring("limit=".length()));
                } catch (NumberFormatException e) {
                    return ApiStatus.badRequest("invalid value for limit: " + part.substring("limit=".length()));
                }
                continue;
            }
            if (part.startsWith("continue=")) {
                token = URLDecoder.decode(part.substring("continue=".length()), StandardCharsets.UTF_8);
                if (token.isEmpty()) token = null;
                continue;
            }
            if ((part.startsWith("labelSelector=") || part.startsWith("fieldSelector=")) && part.indexOf('=') < part.length() - 1) {
                selected = true;
            }
            if (part.startsWith("resourceVersion=") && part.length() > "resourceVersion=".length()) versioned = true;
            rest.append(rest.length() == 0 ? "" : "&").append(part);
        }
        String base = path + (rest.length() == 0 ? "" : "?" + rest);
        if (token != null && versioned) {
            return ApiStatus.badRequest("specifying resource version is not allowed when using continue");
        }
        Snapshot snapshot;
        String start = "";
        if (token == null) {
            MockResponse whole = fullList.apply(base);
            snapshot = take(whole, namespaced);
            if (snapshot == null) return whole; // an error, or no list
        } else {
            Token t;
            try {
                t = Token.decode(token);
            } catch (IllegalArgumentException e) {
                return ApiStatus.badRequest("invalid continue token: continue key is not valid: " + e.getMessage());
            }
            start = t.start();
            if (t.rv() == -1) {
                // the inconsistent remainder a 410 offered: from the same key over what is stored now
                MockResponse whole = fullList.apply(base);
                snapshot = take(whole, namespaced);
                if (snapshot == null) return whole;
            } else {
                synchronized (this) {
                    expire();
                    snapshot = snapshots.get(base + "#" + t.rv());
                }
                if (snapshot == null) return expired(t.start());
            }
        }
        int from = Collections.binarySearch(snapshot.keys(), start, Comparator.naturalOrder());
        if (from < 0) from = -from - 1;
        int to = limit > 0 ? (int) Math.min(snapshot.keys().size(), from + limit) : snapshot.keys().size();
        boolean more = to < snapshot.keys().size();
        synchronized (this) {
            String id = base + "#" + snapshot.rv();
            if (more) {
                snapshots.remove(id);
                snapshots.put(id, snapshot); // the newest last
                while (snapshots.size() > MAX_SNAPSHOTS) snapshots.remove(snapshots.keySet().iterator().next());
            } else {
                snapshots.remove(id);
            }
        }
        StringBuilder body = new StringBuilder(256 + (to - from) * 512);
        body.append("{\"apiVersion\":").append(Serialization.asJson(snapshot.apiVersion()))
                .append(",\"kind\":").append(Serialization.asJson(snapshot.kind()))
                .append(",\"metadata\":{\"resourceVersion\":\"").append(snapshot.rv()).append('"');
        if (more) {
            body.append(",\"continue\":").append(Serialization.asJson(new Token(snapshot.rv(), snapshot.keys().get(to - 1) + "\u0000").encode()));
            if (!selected) body.append(",\"remainingItemCount\":").append(snapshot.keys().size() - to);
        }
        body.append("},\"items\":[");
        for (int i = from; i < to; i++) {
            if (i > from) body.append(',');
            body.append(snapshot.items().get(i));
        }
        body.append("]}");
        return ApiStatus.json(200, body.toString());
    }

    /** Forgets every open list, as an etcd compaction does to the revisions before it (kube-apiserver: every 5 minutes). */
    synchronized void compact() {
        snapshots.clear();
    }

    private void expire() {
        Instant now = clock.instant();
        snapshots.values().removeIf(s -> Duration.between(s.taken(), now).compareTo(COMPACTION_INTERVAL) >= 0);
    }

    /** The whole list now, in key order; null when it is not a list (an error, or a body without items). */
    private Snapshot take(MockResponse r, boolean namespaced) {
        if (r.code() != 200 || r.getBody() == null) return null;
        Map<?, ?> list;
        try {
            list = Serialization.unmarshal(ObjectStore.body(r), Map.class);
        } catch (RuntimeException e) {
            return null;
        }
        if (list == null || !(list.get("items") instanceof List<?> raw)) return null;
        List<Map.Entry<String, Object>> keyed = new ArrayList<>(raw.size());
        for (Object item : raw) keyed.add(Map.entry(key(item, namespaced), item));
        keyed.sort(Map.Entry.comparingByKey());
        List<String> keys = new ArrayList<>(keyed.size());
        List<String> items = new ArrayList<>(keyed.size());
        for (Map.Entry<String, Object> e : keyed) {
            keys.add(e.getKey());
            items.add(Serialization.asJson(e.getValue()));
        }
        long rv = -1;
        if (list.get("metadata") instanceof Map<?, ?> meta && meta.get("resourceVersion") instanceof String s && !s.isEmpty()) {
            try {
                rv = Long.parseLong(s);
            } catch (NumberFormatException ignored) {
                // not a number: take the store's
            }
        }
        // a revision of its own for each list the mock gave none: two lists never share a snapshot
        if (rv <= 0) rv = newRevision.getAsLong();
        String kind = list.get("kind") instanceof String k ? k : "List";
        String apiVersion = list.get("apiVersion") instanceof String a ? a : "v1";
        synchronized (this) {
            expire();
        }
        return new Snapshot(apiVersion, kind, rv, keys, items, clock.instant());
    }

    /** The object's key below the list's prefix, as etcd orders them: "namespace/name" across namespaces, else "name". */
    private static String key(Object item, boolean namespaced) {
        if (!(item instanceof Map<?, ?> o) || !(o.get("metadata") instanceof Map<?, ?> meta)) return "";
        String name = meta.get("name") instanceof String n ? n : "";
        String ns = meta.get("namespace") instanceof String s ? s : "";
        return namespaced || ns.isEmpty() ? name : ns + "/" + name;
    }

    private static MockResponse expired(String start) {
        io.fabric8.kubernetes.api.model.Status status = new io.fabric8.kubernetes.api.model.StatusBuilder().withStatus("Failure")
                .withCode(410).withReason("Expired").withMessage(EXPIRED)
                .withNewMetadata().withContinue(new Token(-1, start).encode()).endMetadata().build();
        return ApiStatus.response(status);
    }

    /** storage.continueToken: {"v":"meta.k8s.io/v1","rv":R,"start":KEY}, base64url without padding. */
    record Token(long rv, String start) {
        String encode() {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("v", "meta.k8s.io/v1");
            t.put("rv", rv);
            t.put("start", start);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Serialization.asJson(t).getBytes(StandardCharsets.UTF_8));
        }

        static Token decode(String value) {
            Map<?, ?> t;
            try {
                t = Serialization.unmarshal(new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8), Map.class);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("it is not base64url-encoded JSON");
            }
            if (t == null || !"meta.k8s.io/v1".equals(t.get("v"))) {
                throw new IllegalArgumentException("server does not recognize this encoded version " + (t == null ? null : t.get("v")));
            }
            if (!(t.get("rv") instanceof Number rv) || rv.longValue() == 0) throw new IllegalArgumentException("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
            if (!(t.get("start") instanceof String start) || start.isEmpty()) throw new IllegalArgumentException("encoded start key empty (version meta.k8s.io/v1)");
            return new Token(rv.longValue(), start);
        }
    }
}
