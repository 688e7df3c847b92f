package io.kubejoin.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The store's own watches send what fabric8's mock sends its watchers, line for line: the same sequence of writes on
 * both stores, the same watches (one name by field selector or path, a label value, a whole kind), one of them
 * opened only after some writes (those then follow its initial events).
 */
class IndexedWatchTest {
    static final List<String> WATCHES = List.of(
            "/api/v1/nodes?fieldSelector=metadata.name%3Dn1&watch=true",
            "/api/v1/nodes/n2?watch=true",
            "/api/v1/nodes?watch=true",
            "/api/v1/namespaces/kube-system/secrets?labelSelector=kubejoin.io%2Fnode%3Dn1&watch=true",
            "/api/v1/namespaces/kube-system/secrets?watch=true");

    /** A websocket that keeps the lines it is sent. */
    static final class Lines implements WebSocket {
        final List<String> sent = new CopyOnWriteArrayList<>();

        @Override
        public RecordedRequest request() {
            return null;
        }

        @Override
        public boolean send(String text) {
            sent.add(text);
            return true;
        }

        @Override
        public boolean send(byte[] bytes) {
            return send(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
        }

        @Override
        public boolean close(int code, String reason) {
            return true;
        }
    }

    static Map<String, List<String>> run(KubernetesCrudDispatcher crud) throws InterruptedException {
        ObjectStore store = new ObjectStore(crud);
        store.call(HttpMethod.POST, "/api/v1/nodes", IndexedCrudDispatcherTest.node("n0", "10.0.0.9"));
        Map<String, WebSocketListener> listeners = new java.util.LinkedHashMap<>();
        Map<String, Lines> lines = new java.util.LinkedHashMap<>();
        for (String w : WATCHES) {
            listeners.put(w, crud.handleGet(w).getWebSocketListener());
            lines.put(w, new Lines());
        }
        String late = WATCHES.get(2);
        for (String w : WATCHES) if (!w.equals(late)) listeners.get(w).onOpen(lines.get(w), null);
        store.call(HttpMethod.POST, "/api/v1/nodes", IndexedCrudDispatcherTest.node("n1", "10.0.0.1"));
        store.call(HttpMethod.POST, "/api/v1/nodes", IndexedCrudDispatcherTest.node("n2", "10.0.0.2"));
        listeners.get(late).onOpen(lines.get(late), null); // after two creates: its initial events, then those two
        Node n1 = store.get("/api/v1/nodes/n1", Node.class).orElseThrow();
        n1.getStatus().getAddresses().get(0).setAddress("10.9.9.9");
        store.call(HttpMethod.PUT, "/api/v1/nodes/n1", n1);
        store.call(HttpMethod.DELETE, "/api/v1/nodes/n2", (String) null);
        store.call(HttpMethod.POST, "/api/v1/namespaces/kube-system/secrets", IndexedCrudDispatcherTest.labelled("t1", "n1"));
        store.call(HttpMethod.POST, "/api/v1/namespaces/kube-system/secrets", IndexedCrudDispatcherTest.labelled("t2", "n2"));
        store.call(HttpMethod.DELETE, "/api/v1/namespaces/kube-system/secrets/t1", (String) null);
        // the mock sends on a thread per watch: wait until every expected line is there
        Map<String, Integer> expected = Map.of(WATCHES.get(0), 2, WATCHES.get(1), 2, WATCHES.get(2), 7, WATCHES.get(3), 2, WATCHES.get(4), 3);
        for (int i = 0; i < 500 && expected.entrySet().stream().anyMatch(e -> lines.get(e.getKey()).sent.size() < e.getValue()); i++) {
            Thread.sleep(10);
        }
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        lines.forEach((w, l) -> out.put(w, l.sent.stream().map(IndexedWatchTest::comparable).toList()));
        return out;
    }

    /**
     * A line without what differs between two stores by design: the uid counter is the mock's, one for the JVM; the
     * creation second. And a {@code "namespace":null} the mock's PUT stores in a cluster-scoped object: this store
     * sends the object as stored (as a GET answers it), the mock's watcher read it back first, which dropped the null.
     */
    static String comparable(String line) {
        return line.replaceAll("\"uid\":\"[^\"]*\"", "\"uid\":\"U\"")
                .replaceAll("\"creationTimestamp\":\"[^\"]*\"", "\"creationTimestamp\":\"T\"")
                .replace(",\"namespace\":null", "");
    }

    @Test
    void everyWatchIsSentWhatTheMocksWatchersAreSent() throws InterruptedException {
        Map<String, List<String>> mock = run(new KubernetesCrudDispatcher());
        Map<String, List<String>> indexed = run(new IndexedCrudDispatcher());
        assertThat(indexed).isEqualTo(mock);
        assertThat(indexed.get(WATCHES.get(0))).hasSize(2).allMatch(l -> l.contains("\"name\":\"n1\""));
        assertThat(indexed.get(WATCHES.get(2))).as("n0, n1, n2 as found at the opening, then the two creates before it (the mock's order), the update, the delete").hasSize(7);
        assertThat(indexed.get(WATCHES.get(2)).get(0)).startsWith("{\"object\":").endsWith(",\"type\":\"ADDED\"}").contains("\"name\":\"n0\"");
    }
}
