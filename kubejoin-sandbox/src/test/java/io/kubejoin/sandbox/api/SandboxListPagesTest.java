package io.kubejoin.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kubejoin.sandbox.RawApi;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sandbox honours limit and continue on lists as kube-apiserver's etcd3 store does (key order, a continue token,
 * remainingItemCount, the list as it was at the first page, 410 Expired once compacted): fabric8's mock answered
 * everything at once, so kubejoin's paging was never exercised.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SandboxListPagesTest {
    static SandboxApiServer server;
    static KubernetesClient admin;
    static RawApi raw;

    @BeforeAll
    static void start() {
        server = SandboxApiServer.start(SandboxApiServer.Options.defaults().withGitVersion("v1.31.7").withSigner(false));
        admin = server.adminClient();
        raw = new RawApi(server);
        for (String n : List.of("pg-e", "pg-a", "pg-d", "pg-b", "pg-c")) {
            admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(n).addToLabels("pages", "yes").endMetadata().build()).create();
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Page(List<String> names, String token, Object remaining) {
    }

    @SuppressWarnings("unchecked")
    static Page page(String path) {
        RawApi.Answer a = raw.get(path, server.adminToken());
        assertThat(a.code()).as(a.body()).isEqualTo(200);
        Map<String, Object> list = Serialization.unmarshal(a.body(), Map.class);
        List<String> names = new ArrayList<>();
        for (Object item : (List<Object>) list.get("items")) {
            names.add((String) ((Map<String, Object>) ((Map<String, Object>) item).get("metadata")).get("name"));
        }
        Map<String, Object> meta = (Map<String, Object>) list.get("metadata");
        String token = (String) meta.get("continue");
        return new Page(names, token == null || token.isEmpty() ? null : token, meta.get("remainingItemCount"));
    }

    static String nodes(String query) {
        return "/api/v1/nodes?labelSelector=pages%3Dyes&" + query;
    }

    @Test
    void aListWithALimitComesInPagesInKeyOrderEachObjectOnce() {
        Page first = page("/api/v1/nodes?limit=2");
        assertThat(first.names()).containsExactly("pg-a", "pg-b");
        assertThat(first.token()).as("a continue token for the rest").isNotNull();
        assertThat(first.remaining()).as("no selector: the count of the rest").isEqualTo(3);
        @SuppressWarnings("unchecked")
        Map<String, Object> token = Serialization.unmarshal(new String(Base64.getUrlDecoder().decode(first.token()), StandardCharsets.UTF_8), Map.class);
        assertThat(token).containsEntry("v", "meta.k8s.io/v1").containsEntry("start", "pg-b\u0000").containsKey("rv");

        Page second = page("/api/v1/nodes?limit=2&continue=" + URLEncoder.encode(first.token(), StandardCharsets.UTF_8));
        assertThat(second.names()).containsExactly("pg-c", "pg-d");
        Page last = page("/api/v1/nodes?limit=2&continue=" + URLEncoder.encode(second.token(), StandardCharsets.UTF_8));
        assertThat(last.names()).containsExactly("pg-e");
        assertThat(last.token()).isNull();
        assertThat(last.remaining()).isNull();
    }

    @Test
    void theNextPagesShowTheListAsItWasAtTheFirst() {
        Page first = page(nodes("limit=2"));
        assertThat(first.names()).containsExactly("pg-a", "pg-b");
        assertThat(first.remaining()).as("a selector: no count of the rest").isNull();
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("pg-bb").addToLabels("pages", "yes").endMetadata().build()).create();
        try {
            Page rest = page(nodes("limit=10&continue=" + URLEncoder.encode(first.token(), StandardCharsets.UTF_8)));
            assertThat(rest.names()).as("etcd reads at the first page's revision").containsExactly("pg-c", "pg-d", "pg-e");
        } finally {
            admin.nodes().withName("pg-bb").delete();
        }
    }

    @Test
    void aTokenOfACompactedRevisionIsAnswered410ExpiredWithATokenForTheRest() {
        Page first = page(nodes("limit=2"));
        server.compactStorage();
        RawApi.Answer a = raw.get(nodes("limit=2&continue=" + URLEncoder.encode(first.token(), StandardCharsets.UTF_8)), server.adminToken());
        assertThat(a.code()).isEqualTo(410);
        @SuppressWarnings("unchecked")
        Map<String, Object> status = Serialization.unmarshal(a.body(), Map.class);
        assertThat(status).containsEntry("reason", "Expired").containsEntry("status", "Failure");
        assertThat((String) status.get("message")).startsWith("The provided continue parameter is too old to display a consistent list result.");
        @SuppressWarnings("unchecked")
        String inconsistent = (String) ((Map<String, Object>) status.get("metadata")).get("continue");
        Page rest = page(nodes("limit=10&continue=" + URLEncoder.encode(inconsistent, StandardCharsets.UTF_8)));
        assertThat(rest.names()).as("the remainder, from what is stored now").containsExactly("pg-c", "pg-d", "pg-e");
    }

    @Test
    void aTokenThatDoesNotDecodeIsABadRequest() {
        RawApi.Answer a = raw.get("/api/v1/nodes?limit=2&continue=bm90LWpzb24", server.adminToken());
        assertThat(a.code()).isEqualTo(400);
        assertThat(a.body()).contains("invalid continue token");
    }

    @Test
    void namespacedListsAndFieldSelectedPodsArePagedToo() {
        admin.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName("pages").endMetadata().build()).create();
        for (int i = 0; i < 3; i++) {
            admin.secrets().inNamespace("pages").resource(new SecretBuilder().withNewMetadata().withName("s" + i).endMetadata().build()).create();
        }
        Page first = page("/api/v1/namespaces/pages/secrets?limit=2");
        assertThat(first.names()).containsExactly("s0", "s1");
        Page rest = page("/api/v1/namespaces/pages/secrets?limit=2&continue=" + URLEncoder.encode(first.token(), StandardCharsets.UTF_8));
        assertThat(rest.names()).containsExactly("s2");
        for (int i = 0; i < 3; i++) {
            admin.pods().inNamespace("pages").resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("p" + i).endMetadata()
                    .withNewSpec().withNodeName(i == 1 ? "pg-b" : "pg-a").addNewContainer().withName("c").withImage("pause").endContainer().endSpec().build()).create();
        }
        Page pods = page("/api/v1/namespaces/pages/pods?fieldSelector=spec.nodeName%3Dpg-a&limit=1");
        assertThat(pods.names()).containsExactly("p0");
        assertThat(page("/api/v1/namespaces/pages/pods?fieldSelector=spec.nodeName%3Dpg-a&limit=1&continue="
                + URLEncoder.encode(pods.token(), StandardCharsets.UTF_8)).names()).as("the selection, paged").containsExactly("p2");
        assertThat(page("/apis/certificates.k8s.io/v1/certificatesigningrequests?limit=2").token()).as("nothing more: no token").isNull();
    }
}
