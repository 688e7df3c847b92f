package io.kubejoin.cluster.approval;

import static io.kubejoin.cluster.approval.TestCsrs.bootstrapClient;
import static io.kubejoin.cluster.approval.TestCsrs.nodeRequest;
import static io.kubejoin.cluster.approval.TestCsrs.ip;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.render.ClusterManifests;
import io.kubejoin.testing.TestInventories;
import io.kubejoin.token.BootstrapToken;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/**
 * The approver's reads against fabric8's CRUD mock server (Secrets, Nodes, CSR lists work there). Writing an
 * approval does not (the mock cannot handle PUT .../approval), so approve/deny are tested against the sandbox
 * API server instead; here only CSRs the approver leaves pending are listed.
 */
@EnableKubernetesMockClient(crud = true)
class CsrApproverMockServerTest {
    KubernetesClient mockClient; // one mock server per test: no state leaks between tests
    KubernetesClient client;

    static Inventory twoNodes() {
        Inventory a = TestInventories.article();
        Node proto = a.nodes().get(0);
        List<Node> nodes = List.of(
                new Node("worker-1", "10.0.0.11", 0, Map.of(), List.of(), proto.kubelet(), proto.kubeProxy(), proto.ssh()),
                new Node("worker-2", "10.0.0.12", 1, Map.of(), List.of(), proto.kubelet(), proto.kubeProxy(), proto.ssh()));
        return new Inventory(a.source(), a.locations(), a.kubernetesVersion(), a.apiServer(), a.kubeconfig(), a.pki(),
                a.network(), a.paths(), a.runtime(), a.kubelet(), a.kubeProxy(), a.apiServerKubeletUser(), a.bootstrap(),
                a.ssh(), a.binaries(), a.sandbox(), nodes);
    }

    @BeforeEach
    void fastClient() {
        // a gap in the mock must fail fast, not retry for minutes
        client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(mockClient.getConfiguration())
                .withRequestTimeout(5_000).withRequestRetryBackoffLimit(0).build()).build();
    }

    @AfterEach
    void closeClient() {
        client.close();
    }

    Secret tokenSecret(Inventory inv, String id, String node) {
        BootstrapToken t = new BootstrapToken(id, "0123456789abcdef", node, Instant.parse("2030-01-01T00:00:00Z"));
        return ClusterManifests.bootstrapTokenSecret(inv, t);
    }

    @Test
    void contextComesFromLabelledTokenSecretsAndNodes() {
        Inventory inv = twoNodes();
        client.secrets().resource(tokenSecret(inv, "abc123", "worker-1")).create();
        // what a real API server stores: stringData merged into data
        Secret merged = tokenSecret(inv, "def456", "worker-2");
        merged.setData(Map.of("token-id", java.util.Base64.getEncoder().encodeToString("def456".getBytes())));
        merged.setStringData(null);
        client.secrets().resource(merged).create();
        // unusable or foreign: wrong type, token-id not matching the name, no kubejoin label
        Secret opaque = new SecretBuilder(tokenSecret(inv, "opq111", "worker-1")).withType("Opaque").build();
        client.secrets().resource(opaque).create();
        Secret mismatched = new SecretBuilder(tokenSecret(inv, "mis111", "worker-2"))
                .addToStringData("token-id", "abc123").build();
        client.secrets().resource(mismatched).create();
        Secret kubeadm = new SecretBuilder(tokenSecret(inv, "kad111", "worker-1")).editMetadata()
                .removeFromLabels(ClusterManifests.NODE_LABEL).endMetadata().build();
        client.secrets().resource(kubeadm).create();
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("worker-1").endMetadata()
                .withNewStatus().addNewAddress("10.0.0.11", "InternalIP").addNewAddress("10.0.1.11", "InternalIP")
                .endStatus().build()).create();

        ApprovalContext ctx = new CsrApprover(client, inv, Duration.ofDays(30)).loadContext();
        assertThat(ctx.tokenNode("abc123")).contains("worker-1");
        assertThat(ctx.tokenNode("def456")).contains("worker-2");
        assertThat(ctx.tokenNode("opq111")).isEmpty();
        assertThat(ctx.tokenNode("mis111")).isEmpty();
        assertThat(ctx.tokenNode("kad111")).isEmpty();
        // worker-1's Node reports a second address; only the inventory's count
        assertThat(ctx.statedNames("worker-1")).hasValueSatisfying(n -> assertThat(n.addresses())
                .containsExactly(ip("10.0.0.11")));
        assertThat(ctx.statedNames("worker-2")).hasValueSatisfying(n -> assertThat(n.addresses())
                .containsExactly(ip("10.0.0.12")));
        // the mock answers no /version: the inventory's release stands for the signer's
        assertThat(ctx.signerRelease()).isEqualTo(inv.kubernetesVersion());
        assertThat(ctx.maxServingExpirationSeconds()).isEqualTo(Duration.ofDays(30).toSeconds());
    }

    @Tag("hostile")
    @Test
    void approveOnceLeavesForeignCsrsPendingAndSkipsDecidedOnes() {
        Inventory inv = twoNodes();
        client.secrets().resource(tokenSecret(inv, "abc123", "worker-1")).create();
        CertificateSigningRequest foreignToken = bootstrapClient("zzz999", nodeRequest("worker-1").specRequest());
        CertificateSigningRequest otherSigner = new CertificateSigningRequestBuilder(
                bootstrapClient("abc123", nodeRequest("worker-1").specRequest()))
                .editMetadata().withName("other-signer").endMetadata()
                .editSpec().withSignerName("example.com/signer").endSpec().build();
        CertificateSigningRequest decided = new CertificateSigningRequestBuilder(
                bootstrapClient("abc123", nodeRequest("worker-2").specRequest()))
                .editMetadata().withName("decided").endMetadata()
                .withNewStatus().addNewCondition().withType("Denied").withStatus("True").endCondition().endStatus()
                .build();
        for (CertificateSigningRequest c : List.of(foreignToken, otherSigner, decided)) {
            client.certificates().v1().certificateSigningRequests().resource(c).create();
        }

        List<CsrApprover.Outcome> outcomes = new CsrApprover(client, inv, Duration.ofDays(30)).approveOnce();
        assertThat(outcomes).extracting(CsrApprover.Outcome::csrName)
                .containsExactlyInAnyOrder("node-csr-zzz999", "other-signer");
        assertThat(outcomes).allSatisfy(o -> assertThat(o.action()).isEqualTo(CsrApprover.Action.LEFT_PENDING));
        assertThat(outcomes).extracting(o -> o.decision().rule())
                .containsExactlyInAnyOrder(Rule.FOREIGN_TOKEN, Rule.UNHANDLED_SIGNER);
        CertificateSigningRequest after = client.certificates().v1().certificateSigningRequests()
                .withName("node-csr-zzz999").get();
        assertThat(after.getStatus() == null || after.getStatus().getConditions() == null
                || after.getStatus().getConditions().isEmpty()).isTrue();
    }

    @Test
    void watchDecidesCsrsAsTheyArrive() throws Exception {
        Inventory inv = twoNodes();
        java.util.concurrent.BlockingQueue<CsrApprover.Outcome> seen = new java.util.concurrent.LinkedBlockingQueue<>();
        client.certificates().v1().certificateSigningRequests()
                .resource(bootstrapClient("old111", nodeRequest("worker-1").specRequest())).create();
        try (CsrApprover approver = new CsrApprover(client, inv, Duration.ofDays(30))) {
            approver.watch(seen::add);
            // the one that existed before the watch comes from the initial list
            CsrApprover.Outcome first = seen.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(first).isNotNull();
            assertThat(first.csrName()).isEqualTo("node-csr-old111");
            client.certificates().v1().certificateSigningRequests()
                    .resource(bootstrapClient("new222", nodeRequest("worker-2").specRequest())).create();
            CsrApprover.Outcome next;
            do {
                next = seen.poll(10, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(next).as("an outcome for node-csr-new222").isNotNull();
            } while (!next.csrName().equals("node-csr-new222"));
            assertThat(next.action()).isEqualTo(CsrApprover.Action.LEFT_PENDING);
            assertThat(next.decision().rule()).isEqualTo(Rule.FOREIGN_TOKEN);
        }
    }
}
