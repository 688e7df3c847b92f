package io.kubejoin.cluster.approval;

import static io.kubejoin.cluster.approval.TestCsrs.nodeRequest;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.render.ClusterManifests;
import io.kubejoin.sandbox.api.SandboxApiServer;
import io.kubejoin.token.BootstrapToken;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/**
 * The approver against the sandbox API server: CSRs created by the bootstrap-token and node identities
 * themselves (the server fills in spec.username/groups), conditions written through /approval, certificates
 * issued by the sandbox's signer for what was approved.
 */
class CsrApproverSandboxTest {
    static final Duration MAX_SERVING = Duration.ofDays(30);

    SandboxApiServer sandbox;
    KubernetesClient admin;
    Inventory inventory = CsrApproverMockServerTest.twoNodes();
    BootstrapToken token1;
    BootstrapToken token2;

    @BeforeEach
    void start() {
        sandbox = SandboxApiServer.start();
        admin = sandbox.adminClient();
        Instant exp = Instant.now().plus(Duration.ofHours(1));
        token1 = new BootstrapToken("abc123", "0123456789abcdef", "worker-1", exp);
        token2 = new BootstrapToken("def456", "fedcba9876543210", "worker-2", exp);
        admin.secrets().resource(ClusterManifests.bootstrapTokenSecret(inventory, token1)).create();
        admin.secrets().resource(ClusterManifests.bootstrapTokenSecret(inventory, token2)).create();
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    static CertificateSigningRequest clientCsr(String name, String specRequest) {
        return TestCsrs.csr(name, CsrPolicy.CLIENT_SIGNER, null, null,
                List.of("digital signature", "key encipherment", "client auth"), specRequest);
    }

    static CertificateSigningRequest servingCsr(String name, String specRequest) {
        return TestCsrs.csr(name, CsrPolicy.SERVING_SIGNER, null, null,
                List.of("digital signature", "server auth"), specRequest);
    }

    void create(KubernetesClient as, CertificateSigningRequest csr) {
        as.certificates().v1().certificateSigningRequests().resource(csr).create();
    }

    CertificateSigningRequest get(String name) {
        return admin.certificates().v1().certificateSigningRequests().withName(name).get();
    }

    static Optional<CertificateSigningRequestCondition> condition(CertificateSigningRequest csr, String type) {
        if (csr.getStatus() == null || csr.getStatus().getConditions() == null) return Optional.empty();
        return csr.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    CertificateSigningRequest await(String name, Predicate<CertificateSigningRequest> done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        CertificateSigningRequest csr = get(name);
        while (!done.test(csr)) {
            assertThat(System.nanoTime()).as("waiting for CSR %s: %s", name, csr.getStatus()).isLessThan(deadline);
            Thread.sleep(50);
            csr = get(name);
        }
        return csr;
    }

    static boolean issued(CertificateSigningRequest csr) {
        return csr.getStatus() != null && csr.getStatus().getCertificate() != null
                && !csr.getStatus().getCertificate().isEmpty();
    }

    static X509Certificate certificate(CertificateSigningRequest csr) throws Exception {
        byte[] pem = Base64.getDecoder().decode(csr.getStatus().getCertificate());
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem));
    }

    @Tag("hostile")
    @Test
    void approveOnceApprovesOwnRequestsDeniesForgedOnesAndLeavesForeignOnesPending() throws Exception {
        KubernetesClient boot1 = sandbox.clientWithToken(token1.value());
        create(boot1, clientCsr("legit", nodeRequest("worker-1").specRequest()));
        create(boot1, clientCsr("forged", nodeRequest("worker-2").specRequest()));
        // a bootstrap token another tool created (no kubejoin.io/node label)
        BootstrapToken kubeadm = new BootstrapToken("kad111", "aaaaaaaaaaaaaaaa", "worker-2",
                Instant.now().plus(Duration.ofHours(1)));
        admin.secrets().resource(new SecretBuilder(ClusterManifests.bootstrapTokenSecret(inventory, kubeadm))
                .editMetadata().removeFromLabels(ClusterManifests.NODE_LABEL).endMetadata().build()).create();
        create(sandbox.clientWithToken(kubeadm.value()), clientCsr("foreign", nodeRequest("worker-2").specRequest()));
        // worker-1 as a node: it writes a second address into its own Node status, which proves nothing
        sandbox.addToken("node-worker-1-credential", "system:node:worker-1", List.of("system:nodes", "system:authenticated"));
        KubernetesClient node1 = sandbox.clientWithToken("node-worker-1-credential");
        node1.nodes().resource(new NodeBuilder().withNewMetadata().withName("worker-1").endMetadata().build()).create();
        node1.nodes().resource(new NodeBuilder().withNewMetadata().withName("worker-1").endMetadata()
                .withNewStatus().addNewAddress("10.0.0.11", "InternalIP").addNewAddress("10.0.1.11", "InternalIP")
                .addNewAddress("worker-1", "Hostname").endStatus().build()).updateStatus();
        create(node1, servingCsr("serving-ok", nodeRequest("worker-1").dns("worker-1").ip("10.0.0.11").specRequest()));
        create(node1, servingCsr("serving-self-reported", nodeRequest("worker-1").dns("worker-1").ip("10.0.0.11")
                .ip("10.0.1.11").specRequest()));
        create(node1, servingCsr("serving-steals-ip", nodeRequest("worker-1").dns("worker-1").ip("10.0.0.12")
                .specRequest()));

        List<CsrApprover.Outcome> outcomes = new CsrApprover(admin, inventory, MAX_SERVING).approveOnce();
        Map<String, CsrApprover.Action> actions = outcomes.stream()
                .collect(Collectors.toMap(CsrApprover.Outcome::csrName, CsrApprover.Outcome::action));
        assertThat(actions).as(outcomes.toString()).isEqualTo(Map.of(
                "legit", CsrApprover.Action.APPROVED,
                "forged", CsrApprover.Action.DENIED,
                "foreign", CsrApprover.Action.LEFT_PENDING,
                "serving-ok", CsrApprover.Action.APPROVED,
                "serving-self-reported", CsrApprover.Action.DENIED,
                "serving-steals-ip", CsrApprover.Action.DENIED));

        CertificateSigningRequest legit = await("legit", CsrApproverSandboxTest::issued);
        assertThat(condition(legit, "Approved")).hasValueSatisfying(c -> {
            assertThat(c.getReason()).isEqualTo("KubejoinPolicyApproved");
            assertThat(c.getStatus()).isEqualTo("True");
        });
        assertThat(certificate(legit).getSubjectX500Principal().getName())
                .isEqualTo("CN=system:node:worker-1,O=system:nodes");

        CertificateSigningRequest forged = get("forged");
        assertThat(condition(forged, "Denied")).hasValueSatisfying(c -> {
            assertThat(c.getReason()).isEqualTo("KubejoinPolicyDenied");
            assertThat(c.getMessage()).isEqualTo(
                    "token abc123 was issued for node worker-1, but the request is for system:node:worker-2");
        });
        assertThat(issued(forged)).isFalse();
        assertThat(get("foreign").getStatus() == null || get("foreign").getStatus().getConditions() == null
                || get("foreign").getStatus().getConditions().isEmpty()).isTrue();

        CertificateSigningRequest servingOk = await("serving-ok", CsrApproverSandboxTest::issued);
        assertThat(certificate(servingOk).getSubjectAlternativeNames()).hasSize(2);
        assertThat(condition(get("serving-self-reported"), "Denied")).hasValueSatisfying(c -> assertThat(c.getMessage())
                .contains("IP address 10.0.1.11 is not an address the inventory states for node worker-1"));
        assertThat(condition(get("serving-steals-ip"), "Denied")).hasValueSatisfying(c -> assertThat(c.getMessage())
                .contains("IP address 10.0.0.12 is an inventory address of node worker-2"));

        // a second pass finds nothing left to do but the foreign one
        assertThat(new CsrApprover(admin, inventory, MAX_SERVING).approveOnce())
                .extracting(CsrApprover.Outcome::csrName).containsExactly("foreign");
    }

    @Test
    void watchDecidesCsrsAsTheyArrive() throws Exception {
        ConcurrentLinkedQueue<CsrApprover.Outcome> seen = new ConcurrentLinkedQueue<>();
        try (CsrApprover approver = new CsrApprover(admin, inventory, MAX_SERVING)) {
            approver.watch(seen::add);
            KubernetesClient boot2 = sandbox.clientWithToken(token2.value());
            create(boot2, clientCsr("w-legit", nodeRequest("worker-2").specRequest()));
            create(boot2, clientCsr("w-forged", nodeRequest("worker-1").specRequest()));
            CertificateSigningRequest legit = await("w-legit", CsrApproverSandboxTest::issued);
            assertThat(condition(legit, "Approved")).isPresent();
            CertificateSigningRequest forged = await("w-forged", c -> condition(c, "Denied").isPresent());
            assertThat(condition(forged, "Denied").get().getMessage())
                    .isEqualTo("token def456 was issued for node worker-2, but the request is for system:node:worker-1");
            // a token created after the watch started is picked up (fresh snapshot before anything short of approval)
            BootstrapToken late = new BootstrapToken("lat333", "bbbbbbbbbbbbbbbb", "worker-1",
                    Instant.now().plus(Duration.ofHours(1)));
            admin.secrets().resource(ClusterManifests.bootstrapTokenSecret(inventory, late)).create();
            create(sandbox.clientWithToken(late.value()), clientCsr("w-late", nodeRequest("worker-1").specRequest()));
            await("w-late", CsrApproverSandboxTest::issued);
        }
        assertThat(seen).extracting(CsrApprover.Outcome::csrName).contains("w-legit", "w-forged", "w-late");
    }

    /**
     * An API server too loaded to finish the approval write in time (504, or the client's own timeout, as the 10,000-node
     * join met) leaves the CSR pending with no further event: the watch must try the write again itself, or the node
     * waits for an approval that never comes. The client does not retry (the join's: no fabric8 retries).
     */
    @Test
    void anApprovalWriteThatTimesOutIsTriedAgainUntilItLands() throws Exception {
        KubernetesClient noRetries = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(
                new io.fabric8.kubernetes.client.ConfigBuilder(admin.getConfiguration()).withRequestRetryBackoffLimit(0).build()).build();
        ConcurrentLinkedQueue<CsrApprover.Outcome> seen = new ConcurrentLinkedQueue<>();
        sandbox.timeOutNext("update", "certificatesigningrequests", "approval", 2);
        try (noRetries; CsrApprover approver = new CsrApprover(noRetries, inventory, MAX_SERVING)) {
            approver.watch(seen::add);
            create(sandbox.clientWithToken(token1.value()), clientCsr("busy", nodeRequest("worker-1").specRequest()));
            CertificateSigningRequest issued = await("busy", CsrApproverSandboxTest::issued);
            assertThat(condition(issued, "Approved")).isPresent();
        }
        // said once that it did not land and will be tried again, then the approval
        assertThat(seen).extracting(CsrApprover.Outcome::action)
                .containsExactly(CsrApprover.Action.FAILED, CsrApprover.Action.APPROVED);
        assertThat(seen.peek().describe()).startsWith("NOT approved yet: could not write the Approved condition: ")
                .contains("answered HTTP 504").endsWith("; trying again in 1 s");
    }

    /**
     * The approver writes its condition with the CSR it decided on, resourceVersion included, in one PUT. When the
     * CSR changed since it was read, kube-apiserver answers 409 Conflict: the approver then writes the condition to
     * the current version, so the approval is not lost, and the change made meanwhile is kept.
     */
    @Test
    void aCsrChangedSinceItWasReadIsStillApprovedAndKeepsTheChange() throws Exception {
        create(sandbox.clientWithToken(token1.value()), clientCsr("stale", nodeRequest("worker-1").specRequest()));
        CertificateSigningRequest read = get("stale");
        admin.certificates().v1().certificateSigningRequests().withName("stale")
                .edit(c -> new io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder(c)
                        .editMetadata().addToLabels("changed", "meanwhile").endMetadata().build());
        assertThat(get("stale").getMetadata().getResourceVersion()).isNotEqualTo(read.getMetadata().getResourceVersion());

        CsrApprover.Outcome outcome = new CsrApprover(admin, inventory, MAX_SERVING).handle(read);
        assertThat(outcome.action()).as(outcome.toString()).isEqualTo(CsrApprover.Action.APPROVED);
        CertificateSigningRequest issued = await("stale", CsrApproverSandboxTest::issued);
        assertThat(condition(issued, "Approved")).isPresent();
        assertThat(issued.getMetadata().getLabels()).containsEntry("changed", "meanwhile");
    }
}
