package io.kubejoin.sandbox;

import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.AttributeType;
import io.fabric8.mockwebserver.crud.Value;
import io.fabric8.mockwebserver.http.MockResponse;
import java.lang.reflect.Field;
import java.net.HttpURLConnection;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * fabric8's CRUD store with an index by object name, as etcd's keys are: the mock finds an object (a GET by name,
 * the PUT or POST that first looks it up) by testing every stored object against the request's attributes, and
 * copies its whole table for each GET, so with a thousand nodes (their Secrets, Nodes and CSRs) every request cost
 * thousands of comparisons: a third of the sandbox's CPU. Here a request that names its object tests only the
 * objects of that name, in the same order, with the same matching; the answers are the mock's own. Lists, watches
 * and deletes are the mock's, unchanged.
 */
final class IndexedCrudDispatcher extends KubernetesCrudDispatcher {
    private static final String NAME = KubernetesAttributesExtractor.NAME;
    private final Map<AttributeSet, String> table;
    private final NameIndex index;
    private final Lock readLock;

    IndexedCrudDispatcher() {
        super();
        try {
            // the store's table is created by the mock's constructor: put an indexed one in its place while it is empty
            Field mapField = io.fabric8.mockwebserver.crud.CrudDispatcher.class.getDeclaredField("map");
            mapField.setAccessible(true);
            index = new NameIndex();
            table = Collections.synchronizedMap(index);
            mapField.set(this, table);
            Field lockField = KubernetesCrudDispatcher.class.getDeclaredField("lock");
            lockField.setAccessible(true);
            readLock = ((ReadWriteLock) lockField.get(this)).readLock();
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("this fabric8 mock has no store table or lock to index (not 8.0?)", e);
        }
    }

    @Override
    public MockResponse handleGet(String path) {
        if (path.contains("watch=")) return super.handleGet(path);
        AttributeSet query = attributeExtractor.fromPath(path);
        List<String> names = names(query);
        if (names == null) return super.handleGet(path);
        readLock.lock();
        try {
            Map.Entry<AttributeSet, String> found = find(query, names);
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
    public Map.Entry<AttributeSet, String> findResource(AttributeSet attributes) {
        List<String> names = names(attributes);
        return names == null ? super.findResource(attributes) : find(attributes, names);
    }

    /** The first stored object (in the table's order) that matches, looking only at those with one of the names. */
    private Map.Entry<AttributeSet, String> find(AttributeSet query, List<String> names) {
        synchronized (table) {
            for (AttributeSet key : index.candidates(names)) {
                if (key.matches(query)) return new AbstractMap.SimpleImmutableEntry<>(key, index.get(key));
            }
            return null;
        }
    }

    /** The names a query asks for by equality, or null when it does not (then every object is tested). */
    private static List<String> names(AttributeSet query) {
        Attribute name = query.getAttribute(NAME);
        if (name == null || name.getType() != AttributeType.WITH || name.getValues().isEmpty()) return null;
        List<String> out = new ArrayList<>(name.getValues().size());
        for (Value v : name.getValues()) {
            String s = v.toString();
            if ("*".equals(s)) return null;
            // null: the name of an object still to be named from generateName (the mock's POST looks for a
            // conflict by it); no stored object has it, so only the unnamed keys are candidates, as for any name
            out.add(s);
        }
        return out;
    }

    /** The mock's table (insertion ordered) plus, kept in step with it, its keys by object name. */
    private static final class NameIndex extends LinkedHashMap<AttributeSet, String> {
        private final Map<String, Set<AttributeSet>> byName = new HashMap<>();
        /** Keys without a plain name: candidates for every name. */
        private final Set<AttributeSet> unnamed = new LinkedHashSet<>();

        private static String nameOf(AttributeSet key) {
            Attribute a = key.getAttribute(NAME);
            if (a == null || a.getValues().size() != 1) return null;
            String s = a.getValues().get(0).toString();
            return s == null || "*".equals(s) ? null : s;
        }

        @Override
        public String put(AttributeSet key, String value) {
            String old = super.put(key, value);
            String n = nameOf(key);
            if (n == null) unnamed.add(key);
            else byName.computeIfAbsent(n, k -> new LinkedHashSet<>()).add(key);
            return old;
        }

        @Override
        public void putAll(Map<? extends AttributeSet, ? extends String> m) {
            m.forEach(this::put);
        }

        @Override
        public String remove(Object key) {
            String old = super.remove(key);
            if (key instanceof AttributeSet k && old != null) {
                String n = nameOf(k);
                if (n == null) {
                    unnamed.remove(k);
                } else {
                    Set<AttributeSet> s = byName.get(n);
                    if (s != null) {
                        s.remove(k);
                        if (s.isEmpty()) byName.remove(n);
                    }
                }
            }
            return old;
        }

        @Override
        public void clear() {
            super.clear();
            byName.clear();
            unnamed.clear();
        }

        /** Keys that may match one of the names, in table order. */
        List<AttributeSet> candidates(List<String> names) {
            List<AttributeSet> out = new ArrayList<>();
            for (String n : names) {
                Set<AttributeSet> s = byName.get(n);
                if (s != null) out.addAll(s);
            }
            out.addAll(unnamed);
            if (names.size() > 1 || !unnamed.isEmpty()) {
                // back to the table's order, as the mock's own scan would find them
                Set<AttributeSet> wanted = new java.util.HashSet<>(out);
                out.clear();
                for (AttributeSet k : keySet()) if (wanted.contains(k)) out.add(k);
            }
            return out;
        }
    }
}
