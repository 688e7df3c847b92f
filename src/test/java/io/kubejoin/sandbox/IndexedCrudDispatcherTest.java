package io.kubejoin.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import org.junit.jupiter.api.Test;

/** The name index answers as fabric8's own scan: by name, kind and namespace, after updates and deletes. */
class IndexedCrudDispatcherTest {
    final ObjectStore store = new ObjectStore(new IndexedCrudDispatcher());

    static Node node(String name, String ip) {
        return new NodeBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewStatus().addNewAddress(ip, "InternalIP").endStatus().build();
    }

    static Secret secret(String ns, String name, String value) {
        return new SecretBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .addToData("v", value).build();
    }

    @Test
    void findsObjectsByNameKindAndNamespaceThroughUpdatesAndDeletes() {
        for (int i = 0; i < 50; i++) {
            assertThat(store.call(HttpMethod.POST, "/api/v1/nodes", node("n" + i, "10.0.0." + i)).code()).isEqualTo(201);
        }
        // the same name as a node, in another kind and in two namespaces
        store.call(HttpMethod.POST, "/api/v1/namespaces/a/secrets", secret("a", "n7", "YQ=="));
        store.call(HttpMethod.POST, "/api/v1/namespaces/b/secrets", secret("b", "n7", "Yg=="));

        assertThat(store.get("/api/v1/nodes/n7", Node.class).orElseThrow().getStatus().getAddresses().get(0).getAddress())
                .isEqualTo("10.0.0.7");
        assertThat(store.get("/api/v1/namespaces/a/secrets/n7", Secret.class).orElseThrow().getData()).containsEntry("v", "YQ==");
        assertThat(store.get("/api/v1/namespaces/b/secrets/n7", Secret.class).orElseThrow().getData()).containsEntry("v", "Yg==");
        assertThat(store.get("/api/v1/nodes/missing")).isEmpty();
        assertThat(store.get("/api/v1/namespaces/c/secrets/n7")).isEmpty();

        Node n7 = store.get("/api/v1/nodes/n7", Node.class).orElseThrow();
        n7.getStatus().getAddresses().get(0).setAddress("10.9.9.9");
        MockResponse put = store.call(HttpMethod.PUT, "/api/v1/nodes/n7", n7);
        assertThat(put.code()).isEqualTo(200);
        assertThat(store.get("/api/v1/nodes/n7", Node.class).orElseThrow().getStatus().getAddresses().get(0).getAddress())
                .isEqualTo("10.9.9.9");

        assertThat(store.call(HttpMethod.DELETE, "/api/v1/nodes/n7", (String) null).code()).isEqualTo(200);
        assertThat(store.get("/api/v1/nodes/n7")).isEmpty();
        assertThat(store.get("/api/v1/namespaces/a/secrets/n7")).isPresent();
        assertThat(store.call(HttpMethod.POST, "/api/v1/nodes", node("n7", "10.1.1.1")).code()).isEqualTo(201);
        assertThat(store.get("/api/v1/nodes/n7", Node.class).orElseThrow().getStatus().getAddresses().get(0).getAddress())
                .isEqualTo("10.1.1.1");
        assertThat(store.call(HttpMethod.POST, "/api/v1/nodes", node("n8", "10.1.1.2")).code())
                .as("a second create of a name is refused, as the mock's own lookup does").isEqualTo(409);

        String list = ObjectStore.body(store.crud().handleGet("/api/v1/nodes"));
        assertThat(Serialization.unmarshal(list, io.fabric8.kubernetes.api.model.NodeList.class).getItems()).hasSize(50);
    }
}
