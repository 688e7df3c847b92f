package io.kubejoin.sandbox.api;

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

    static Secret labelled(String name, String node) {
        SecretBuilder b = new SecretBuilder().withNewMetadata().withNamespace("kube-system").withName(name).endMetadata();
        if (node != null) b.editMetadata().addToLabels("kubejoin.io/node", node).addToLabels("kind", "token").endMetadata();
        return b.build();
    }

    static java.util.List<String> names(String list) {
        return Serialization.unmarshal(list, io.fabric8.kubernetes.api.model.SecretList.class).getItems().stream()
                .map(x -> x.getMetadata().getName()).toList();
    }

    @Test
    void labelSelectedListsAndDeletesAnswerAsTheMocksOwnScan() {
        ObjectStore plain = new ObjectStore(new io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher());
        for (ObjectStore st : java.util.List.of(store, plain)) {
            for (int i = 0; i < 30; i++) st.call(HttpMethod.POST, "/api/v1/namespaces/kube-system/secrets", labelled("t" + i, "n" + (i % 10)));
            st.call(HttpMethod.POST, "/api/v1/namespaces/kube-system/secrets", labelled("plain", null));
        }
        String[] paths = {
                "/api/v1/namespaces/kube-system/secrets?labelSelector=kubejoin.io%2Fnode%3Dn3",
                "/api/v1/namespaces/kube-system/secrets?labelSelector=kubejoin.io%2Fnode%3D%3Dn4",
                "/api/v1/namespaces/kube-system/secrets?labelSelector=kubejoin.io%2Fnode%3Dn3%2Ckind%3Dtoken",
                "/api/v1/namespaces/kube-system/secrets?labelSelector=kubejoin.io%2Fnode%21%3Dn3",
                "/api/v1/namespaces/kube-system/secrets?labelSelector=kubejoin.io%2Fnode",
                "/api/v1/namespaces/kube-system/secrets?labelSelector=kubejoin.io%2Fnode%3Dnobody",
                "/api/v1/namespaces/other/secrets?labelSelector=kubejoin.io%2Fnode%3Dn3"};
        for (String path : paths) {
            assertThat(names(ObjectStore.body(store.crud().handleGet(path)))).as(path)
                    .isEqualTo(names(ObjectStore.body(plain.crud().handleGet(path))));
        }
        assertThat(names(ObjectStore.body(store.crud().handleGet(paths[0])))).containsExactly("t3", "t13", "t23");

        // the label index follows creates and deletes made after it was built
        store.call(HttpMethod.POST, "/api/v1/namespaces/kube-system/secrets", labelled("late", "n3"));
        assertThat(store.call(HttpMethod.DELETE, "/api/v1/namespaces/kube-system/secrets/t13", (String) null).code()).isEqualTo(200);
        assertThat(names(ObjectStore.body(store.crud().handleGet(paths[0])))).containsExactly("t3", "t23", "late");
        // a delete by label removes exactly the selected objects
        assertThat(store.crud().handleDelete(paths[0]).code()).isEqualTo(200);
        assertThat(names(ObjectStore.body(store.crud().handleGet(paths[0])))).isEmpty();
        assertThat(names(ObjectStore.body(store.crud().handleGet("/api/v1/namespaces/kube-system/secrets")))).hasSize(28);
    }
}
