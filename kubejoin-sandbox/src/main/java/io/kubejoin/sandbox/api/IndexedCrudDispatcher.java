package io.kubejoin.sandbox.api;

import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.AttributeType;
import io.fabric8.mockwebserver.crud.Value;
import io.fabric8.mockwebserver.http.MockResponse;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.function.Supplier;

/**
 * fabric8's CRUD store with indexes, as etcd's keys and kube-apiserver's watch cache give: the mock finds objects
 * by testing every stored object against the request's attributes (and copies its whole table for each GET), so
 * with a thousand nodes (their Secrets, Nodes and CSRs) every request cost thousands of comparisons: a third of
 * the sandbox's CPU. Here the objects are indexed by name, and by the value of any label a request selects on
 * (built the first time one does). A request that names its object, selects a label value, deletes by name, or
 * opens a watch on one object ({@code fieldSelector=metadata.name=...}) tests only the objects with that name or
 * label value, in the table's order, with the mock's own matching; the answers are the mock's own. Other lists and
 * watches scan as before.
 * <p>
 * For the mock's own scans (lists, deletes, the initial events of a watch) the narrowing goes through its table:
 * while such a request runs on a thread, the table's entry set shows that thread only the candidates.
 */
final class IndexedCrudDispatcher extends KubernetesCrudDispatcher {
    private static final String NAME = KubernetesAttributesExtractor.NAME;
    private static final String LABEL_PREFIX = "labels:";
    private static final ThreadLocal<Scope> SCOPE = new ThreadLocal<>();
    private final Map<AttributeSet, String> table;
    private final AttributeIndex index;
    private final Lock readLock;

    IndexedCrudDispatcher() {
        super();
        // the store's table is created by the mock's constructor: put an indexed one in its place while it is empty
        index = new AttributeIndex();
        table = Collections.synchronizedMap(index);
        LibraryInternals.replaceCrudStore(this, table);
        readLock = LibraryInternals.crudLock(this).readLock();
    }

    /**
     * Stores {@code json} at {@code path} as given, with the next resourceVersion and a MODIFIED event; 404 when
     * nothing is there. For kube-apiserver's graceful deletion: the mock's own PUT removes at once an object that
     * carries a deletionTimestamp and no finalizer, where the real server keeps a pod terminating until its kubelet
     * confirms.
     */
    MockResponse replaceAsIs(String path, String json) {
        Lock write = LibraryInternals.crudLock(this).writeLock();
        write.lock();
        try {
            AttributeSet key = getKey(path);
            Map.Entry<AttributeSet, String> old = findResource(key);
            if (old == null) return new MockResponse().setResponseCode(HttpURLConnection.HTTP_NOT_FOUND);
            var resource = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(json,
                    io.fabric8.kubernetes.api.model.GenericKubernetesResource.class);
            resource.getMetadata().setResourceVersion(String.valueOf(requestResourceVersion()));
            String stored = io.fabric8.kubernetes.client.utils.Serialization.asJson(resource);
            processEvent(path, old.getKey(), key, resource, stored);
            return new MockResponse().setResponseCode(HttpURLConnection.HTTP_OK).setBody(stored);
        } finally {
            write.unlock();
        }
    }

    /** Every stored object as "Kind namespace/name" (cluster-scoped: "Kind name"), sorted: for tests. */
    List<String> storedObjects() {
        List<String> out = new ArrayList<>();
        readLock.lock();
        try {
            synchronized (table) {
                for (String json : index.allValues()) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> o = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(json, Map.class);
                    @SuppressWarnings("unchecked")
                    Map<String, Object> meta = (Map<String, Object>) o.getOrDefault("metadata", Map.of());
                    Object ns = meta.get("namespace");
                    out.add(o.get("kind") + " " + (ns == null ? "" : ns + "/") + meta.get("name"));
                }
            }
        } finally {
            readLock.unlock();
        }
        java.util.Collections.sort(out);
        return out;
    }

    /** An indexed attribute and the values a request asks for. */
    private record Scope(String key, List<String> values) {
    }

    @Override
    public MockResponse handleGet(String path) {
        if (path.contains("watch=")) return super.handleGet(path);
        AttributeSet query = attributeExtractor.fromPath(path);
        List<String> names = values(query, NAME);
        if (names == null) return scoped(scopeOf(query, path), () -> super.handleGet(path));
        readLock.lock();
        try {
            Map.Entry<AttributeSet, String> found = find(query, new Scope(NAME, names));
            MockResponse response = new MockResponse();
            if (found != null) {
                response.setBody(found.getValue());
                response.setResponseCode(HttpURLConnection.HTTP_OK);
            } else {
                response.setResponseCode(HttpURLConnection.HTTP_NOT_FOUND);
            }
            return response;
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public MockResponse handleDelete(String path) {
        return scoped(scopeOf(attributeExtractor.fromPath(path), path), () -> super.handleDelete(path));
    }

    /**
     * A watch: the mock's semantics (its query, as the mock builds it; the matching objects as ADDED when it opens,
     * events that came before the opening after them; ADDED, MODIFIED or DELETED as an object enters, stays in or
     * leaves the query; the event line {@code {"object":...,"type":...}}), kept here instead of the mock's
     * WatchEventsListener, which per watch started a thread of its own, was tested against every change of every
     * object, and read every object it sent back from JSON into a map and wrote it out again (the stored JSON, which
     * its serializer wrote in the first place). A watch on one name is told only of changes to objects of that name;
     * its initial events come from the candidates of its name or label value.
     */
    @Override
    public MockResponse handleWatch(String path) {
        AttributeSet query = attributeExtractor.fromPath(path);
        String name = watchedName(path);
        if (name != null) query = query.add(new Attribute(NAME, name));
        List<String> names = values(query, NAME);
        Watch watch = new Watch(query, names != null && names.size() == 1 ? names.get(0) : null, scopeOf(query, path));
        watches.add(watch);
        return new MockResponse().withWebSocketUpgrade(watch);
    }

    /** Open watches on one name, by that name; the others under "". */
    private final Watches watches = new Watches();

    private static final class Watches {
        private final Map<String, Set<Watch>> byName = new java.util.concurrent.ConcurrentHashMap<>();

        void add(Watch w) {
            byName.compute(w.name == null ? "" : w.name, (k, set) -> {
                Set<Watch> s = set != null ? set : java.util.concurrent.ConcurrentHashMap.newKeySet();
                s.add(w);
                return s;
            });
        }

        void remove(Watch w) {
            byName.computeIfPresent(w.name == null ? "" : w.name, (k, set) -> {
                set.remove(w);
                return set.isEmpty() ? null : set;
            });
        }

        /** The watches an object with these names may match: those on its name(s) and those on no one name. */
        List<Watch> candidates(String oldName, String newName) {
            List<Watch> out = new ArrayList<>();
            Set<Watch> any = byName.get("");
            if (any != null) out.addAll(any);
            if (oldName != null && !oldName.isEmpty()) {
                Set<Watch> s = byName.get(oldName);
                if (s != null) out.addAll(s);
            }
            if (newName != null && !newName.isEmpty() && !newName.equals(oldName)) {
                Set<Watch> s = byName.get(newName);
                if (s != null) out.addAll(s);
            }
            return out;
        }
    }

    /** The mock's processEvent (the table), then the watches this store keeps, as the mock told its own. */
    @Override
    public void processEvent(String path, AttributeSet pathAttributes, AttributeSet oldAttributes,
                             io.fabric8.kubernetes.api.model.GenericKubernetesResource resource, String newState) {
        String existing = oldAttributes == null ? null : table.get(oldAttributes);
        super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
        if (java.util.Objects.equals(existing, newState)) return;
        AttributeSet newAttributes = null;
        if (newState != null) {
            // as the mock's processEvent keys the new state
            KubernetesAttributesExtractor extractor = (KubernetesAttributesExtractor) attributeExtractor;
            newAttributes = resource != null ? extractor.extract(resource) : extractor.fromResource(newState);
            if (!newAttributes.containsKey(KubernetesAttributesExtractor.PLURAL)) newAttributes = AttributeSet.merge(pathAttributes, newAttributes);
        }
        String oldName = oldAttributes == null ? null : AttributeIndex.valueOf(oldAttributes, NAME);
        String newName = newAttributes == null ? null : AttributeIndex.valueOf(newAttributes, NAME);
        for (Watch w : watches.candidates(oldName, newName)) {
            boolean matchesOld = oldAttributes != null && oldAttributes.matches(w.query);
            boolean matchesNew = newAttributes != null && newAttributes.matches(w.query);
            if (matchesOld && matchesNew) w.send(newState, "MODIFIED");
            else if (matchesOld) w.send(existing, "DELETED");
            else if (matchesNew) w.send(newState, "ADDED");
        }
    }

    /**
     * Sends watch lines off the store's lock and off the event loops: the mock's websocket waits until its write is
     * done on an event loop, which may itself be waiting for the store's lock. One small pool for every watch (the
     * mock ran a thread per watch); each watch's lines leave in order, one drain at a time.
     */
    private static final java.util.concurrent.ExecutorService SENDER = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "sandbox-watch-send");
        t.setDaemon(true);
        return t;
    });

    /** One watch's stream (a websocket, or a plain HTTP watch's lines): sent in the order the store changed. */
    final class Watch extends io.fabric8.mockwebserver.http.WebSocketListener {
        private final AttributeSet query;
        private final String name;
        private final Scope scope;
        private final java.util.concurrent.ConcurrentLinkedQueue<String> queue = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final java.util.concurrent.atomic.AtomicBoolean draining = new java.util.concurrent.atomic.AtomicBoolean();
        private volatile io.fabric8.mockwebserver.http.WebSocket socket;
        private List<String> pending = new ArrayList<>();
        private volatile boolean closed;

        Watch(AttributeSet query, String name, Scope scope) {
            this.query = query;
            this.name = name;
            this.scope = scope;
        }

        /** The mock's event line for {@code json}: WatchEvent written by its serializer, object first. */
        private static String line(String json, String type) {
            return "{\"object\":" + json + ",\"type\":\"" + type + "\"}";
        }

        /** Called under the store's write lock: queues the line, never writes it here. */
        void send(String json, String type) {
            String line = line(json, type);
            synchronized (this) {
                if (closed) return;
                if (socket == null) {
                    pending.add(line); // before the opening: sent after the initial events, as the mock does
                    return;
                }
                queue.add(line);
            }
            schedule();
        }

        private void schedule() {
            if (!queue.isEmpty() && draining.compareAndSet(false, true)) {
                try {
                    SENDER.execute(this::drain);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    draining.set(false);
                }
            }
        }

        private void drain() {
            do {
                String line;
                while ((line = queue.poll()) != null) {
                    if (closed) {
                        queue.clear();
                        break;
                    }
                    try {
                        socket.send(line);
                    } catch (RuntimeException e) {
                        // the client went away meanwhile; its close takes the watch off
                    }
                }
                draining.set(false);
            } while (!queue.isEmpty() && draining.compareAndSet(false, true));
        }

        @Override
        public void onOpen(io.fabric8.mockwebserver.http.WebSocket ws, io.fabric8.mockwebserver.http.Response response) {
            // the initial events queued under the store's read lock, so no change comes between them
            readLock.lock();
            try {
                List<String> initial = new ArrayList<>();
                scoped(scope, () -> {
                    synchronized (table) {
                        for (Map.Entry<AttributeSet, String> e : table.entrySet()) {
                            if (e.getKey().matches(query)) initial.add(e.getValue());
                        }
                    }
                    return null;
                });
                synchronized (this) {
                    if (closed) return;
                    for (String json : initial) queue.add(line(json, "ADDED"));
                    queue.addAll(pending);
                    pending = null;
                    socket = ws;
                }
            } finally {
                readLock.unlock();
            }
            schedule();
        }

        @Override
        public void onClosing(io.fabric8.mockwebserver.http.WebSocket ws, int code, String reason) {
            ws.close(code, reason);
        }

        @Override
        public void onClosed(io.fabric8.mockwebserver.http.WebSocket ws, int code, String reason) {
            end();
            ws.close(code, reason);
        }

        @Override
        public void onFailure(io.fabric8.mockwebserver.http.WebSocket ws, Throwable t, io.fabric8.mockwebserver.http.Response response) {
            end();
            ws.close(1000, t.getMessage());
        }

        private void end() {
            synchronized (this) {
                closed = true;
                pending = null;
            }
            watches.remove(this);
        }
    }

    /** The name a watch's {@code fieldSelector=metadata.name=N} asks for, read as the mock reads it. */
    private static String watchedName(String path) {
        String q = query(path);
        if (q == null) return null;
        String name = null;
        for (String part : q.split("&")) {
            if (part.contains("fieldSelector") && part.contains("metadata.name")) {
                String[] kv = part.split("=");
                name = kv[kv.length - 1];
            }
        }
        return name == null || name.isEmpty() ? null : name;
    }

    @Override
    public Map.Entry<AttributeSet, String> findResource(AttributeSet attributes) {
        List<String> names = values(attributes, NAME);
        return names == null ? super.findResource(attributes) : find(attributes, new Scope(NAME, names));
    }

    private static <T> T scoped(Scope scope, Supplier<T> body) {
        if (scope == null) return body.get();
        Scope outer = SCOPE.get();
        SCOPE.set(scope);
        try {
            return body.get();
        } finally {
            if (outer == null) SCOPE.remove();
            else SCOPE.set(outer);
        }
    }

    /** The first stored object (in the table's order) that matches, among the scope's candidates. */
    private Map.Entry<AttributeSet, String> find(AttributeSet query, Scope scope) {
        synchronized (table) {
            for (AttributeSet key : index.candidates(scope)) {
                if (key.matches(query)) return new AbstractMap.SimpleImmutableEntry<>(key, index.get(key));
            }
            return null;
        }
    }

    /** The index to narrow a query by: its name, else a label it selects by value; null when neither. */
    private static Scope scopeOf(AttributeSet query, String path) {
        List<String> names = values(query, NAME);
        if (names != null) return new Scope(NAME, names);
        for (String label : labelKeys(path)) {
            List<String> v = values(query, label);
            if (v != null && v.size() == 1) return new Scope(label, v);
        }
        return null;
    }

    /** The attribute keys ("labels:KEY", as the mock names them) of the labels a path's labelSelector names. */
    private static List<String> labelKeys(String path) {
        List<String> keys = new ArrayList<>();
        String q = query(path);
        if (q == null) return keys;
        for (String part : q.split("&")) {
            if (!part.startsWith("labelSelector=")) continue;
            for (String requirement : part.substring("labelSelector=".length()).split(",")) {
                int end = 0;
                while (end < requirement.length() && "=!".indexOf(requirement.charAt(end)) < 0) end++;
                String key = requirement.substring(0, end).trim();
                if (!key.isEmpty() && !key.startsWith("!")) keys.add(LABEL_PREFIX + key);
            }
        }
        return keys;
    }

    /** The decoded query string of a request path, or null. */
    private static String query(String path) {
        try {
            return new URI(path).getQuery();
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /** The values a query asks {@code key} to equal, or null when it does not (then every object is tested). */
    private static List<String> values(AttributeSet query, String key) {
        Attribute a = query.getAttribute(key);
        if (a == null || a.getType() != AttributeType.WITH || a.getValues().isEmpty()) return null;
        List<String> out = new ArrayList<>(a.getValues().size());
        for (Value v : a.getValues()) {
            String s = v.toString();
            if ("*".equals(s)) return null;
            // null: the name of an object still to be named from generateName (the mock's POST looks for a
            // conflict by it); no stored object has it, so only the unindexed keys are candidates
            out.add(s);
        }
        return out;
    }

    /**
     * The mock's table (insertion ordered) plus, kept in step with it, its keys by name and by the values of the
     * labels asked for so far. Keys whose value is not one plain string (a wildcard; for names, no name at all)
     * are candidates for every value.
     */
    private static final class AttributeIndex extends LinkedHashMap<AttributeSet, String> {
        private final Map<String, ByValue> indexes = new HashMap<>();
        private final Set<Map.Entry<AttributeSet, String>> entries = new ScopedEntries();

        AttributeIndex() {
            indexes.put(NAME, new ByValue());
        }

        private static final class ByValue {
            final Map<String, Set<AttributeSet>> keys = new HashMap<>();
            final Set<AttributeSet> wild = new LinkedHashSet<>();
        }

        /** The key's one plain value of {@code attribute}; "" when it has another form; null when it has none. */
        private static String valueOf(AttributeSet key, String attribute) {
            Attribute a = key.getAttribute(attribute);
            if (a == null) return NAME.equals(attribute) ? "" : null;
            if (a.getValues().size() != 1) return "";
            String s = a.getValues().get(0).toString();
            return s == null || "*".equals(s) ? "" : s;
        }

        private static void add(ByValue idx, String attribute, AttributeSet key) {
            String v = valueOf(key, attribute);
            if (v == null) return;
            if (v.isEmpty()) idx.wild.add(key);
            else idx.keys.computeIfAbsent(v, k -> new LinkedHashSet<>()).add(key);
        }

        private static void remove(ByValue idx, String attribute, AttributeSet key) {
            String v = valueOf(key, attribute);
            if (v == null) return;
            if (v.isEmpty()) {
                idx.wild.remove(key);
            } else {
                Set<AttributeSet> s = idx.keys.get(v);
                if (s != null) {
                    s.remove(key);
                    if (s.isEmpty()) idx.keys.remove(v);
                }
            }
        }

        @Override
        public synchronized String put(AttributeSet key, String value) {
            String old = super.put(key, value);
            if (old == null) indexes.forEach((attribute, idx) -> add(idx, attribute, key));
            return old;
        }

        @Override
        public synchronized void putAll(Map<? extends AttributeSet, ? extends String> m) {
            m.forEach(this::put);
        }

        @Override
        public synchronized String remove(Object key) {
            String old = super.remove(key);
            if (key instanceof AttributeSet k && old != null) indexes.forEach((attribute, idx) -> remove(idx, attribute, k));
            return old;
        }

        @Override
        public synchronized void clear() {
            super.clear();
            indexes.values().forEach(idx -> {
                idx.keys.clear();
                idx.wild.clear();
            });
        }

        /** Keys that may match one of the scope's values, in table order. */
        synchronized List<AttributeSet> candidates(Scope scope) {
            ByValue idx = indexes.get(scope.key());
            if (idx == null) {
                // first request on this label: index the table as it stands, then keep it in step
                idx = new ByValue();
                for (AttributeSet k : keySet()) add(idx, scope.key(), k);
                indexes.put(scope.key(), idx);
            }
            List<AttributeSet> out = new ArrayList<>();
            for (String v : scope.values()) {
                Set<AttributeSet> s = idx.keys.get(v);
                if (s != null) out.addAll(s);
            }
            out.addAll(idx.wild);
            if (scope.values().size() > 1 || !idx.wild.isEmpty()) {
                // back to the table's order, as the mock's own scan would find them
                Set<AttributeSet> wanted = new java.util.HashSet<>(out);
                out.clear();
                for (AttributeSet k : keySet()) if (wanted.contains(k)) out.add(k);
            }
            return out;
        }

        private synchronized List<Map.Entry<AttributeSet, String>> scopedSnapshot(Scope scope) {
            List<Map.Entry<AttributeSet, String>> out = new ArrayList<>();
            for (AttributeSet k : candidates(scope)) out.add(new AbstractMap.SimpleImmutableEntry<>(k, get(k)));
            return out;
        }

        private Set<Map.Entry<AttributeSet, String>> allEntries() {
            return super.entrySet();
        }

        synchronized List<String> allValues() {
            List<String> out = new ArrayList<>();
            for (Map.Entry<AttributeSet, String> e : allEntries()) out.add(e.getValue());
            return out;
        }

        @Override
        public Set<Map.Entry<AttributeSet, String>> entrySet() {
            return entries;
        }

        /**
         * The table's entries; on a thread inside a scoped request, only that request's candidates (read-only). One
         * view object: Collections.synchronizedMap keeps the first entry set it is given.
         */
        private final class ScopedEntries extends AbstractSet<Map.Entry<AttributeSet, String>> {
            @Override
            public Iterator<Map.Entry<AttributeSet, String>> iterator() {
                Scope scope = SCOPE.get();
                return scope == null ? allEntries().iterator() : Collections.unmodifiableList(scopedSnapshot(scope)).iterator();
            }

            @Override
            public int size() {
                Scope scope = SCOPE.get();
                return scope == null ? allEntries().size() : scopedSnapshot(scope).size();
            }

            @Override
            public Object[] toArray() {
                Scope scope = SCOPE.get();
                return scope == null ? allEntries().toArray() : scopedSnapshot(scope).toArray();
            }

            @Override
            public <T> T[] toArray(T[] a) {
                Scope scope = SCOPE.get();
                return scope == null ? allEntries().toArray(a) : scopedSnapshot(scope).toArray(a);
            }

            @Override
            public boolean contains(Object o) {
                return allEntries().contains(o);
            }

            @Override
            public boolean remove(Object o) {
                return allEntries().remove(o);
            }

            @Override
            public void clear() {
                AttributeIndex.this.clear();
            }
        }
    }
}
