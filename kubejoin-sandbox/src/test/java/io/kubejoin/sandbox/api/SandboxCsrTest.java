package io.kubejoin.sandbox.api;

import static io.kubejoin.sandbox.api.SandboxApiServerTest.createToken;
import static io.kubejoin.sandbox.api.SandboxApiServerTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import io.kubejoin.sandbox.RawApi;
import io.kubejoin.sandbox.TestCsrs;

/** CertificateSigningRequests (identity, validation, /approval, /status, watches) and Node status. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SandboxCsrTest {
    static SandboxApiServer server;
    static KubernetesClient admin;
    static RawApi raw;

    @BeforeAll
    static void start() {
        server = SandboxApiServer.start(SandboxApiServer.Options.defaults().withSigner(false));
        admin = server.adminClient();
        raw = new RawApi(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static CertificateSigningRequest csr(String name, String request) {
        return new CertificateSigningRequestBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withRequest(request).withSignerName(CsrSigningController.KUBELET_CLIENT)
                .withUsages("digital signature", "client auth").endSpec().build();
    }

    @Test
    void csrIdentityComesFromTheCredentialNotTheBody() {
        String token = createToken(admin, "ident1", Map.of("auth-extra-groups", "system:bootstrappers:kubejoin"));
        KubernetesClient boot = server.clientWithToken(token);
        CertificateSigningRequest forged = csr("ident-csr", TestCsrs.kubeletClientRequest("n1"));
        forged.getSpec().setUsername("kubernetes-admin");
        forged.getSpec().setUid("fake-uid");
        forged.getSpec().setGroups(List.of("system:masters"));
        forged.getSpec().setExtra(Map.of("scopes", List.of("all")));
        CertificateSigningRequest created = boot.certificates().v1().certificateSigningRequests().resource(forged).create();
        assertThat(created.getSpec().getUsername()).isEqualTo("system:bootstrap:ident1");
        assertThat(created.getSpec().getGroups()).containsExactly("system:bootstrappers", "system:bootstrappers:kubejoin", "system:authenticated");
        assertThat(created.getSpec().getUid()).isNullOrEmpty();
        assertThat(created.getSpec().getExtra()).isNullOrEmpty();
        CertificateSigningRequest stored = admin.certificates().v1().certificateSigningRequests().withName("ident-csr").get();
        assertThat(stored.getSpec().getUsername()).isEqualTo("system:bootstrap:ident1");
        assertThat(stored.getSpec().getGroups()).doesNotContain("system:masters");

        server.addToken("node-token-n7", "system:node:n7", List.of("system:nodes"));
        CertificateSigningRequest byNode = server.clientWithToken("node-token-n7").certificates().v1().certificateSigningRequests()
                .resource(csr("node-csr", TestCsrs.kubeletClientRequest("n7"))).create();
        assertThat(byNode.getSpec().getUsername()).isEqualTo("system:node:n7");
        assertThat(byNode.getSpec().getGroups()).containsExactly("system:nodes", "system:authenticated");
    }

    @Test
    void statusSentOnCreateIsDropped() {
        CertificateSigningRequest c = csr("pre-approved", TestCsrs.kubeletClientRequest("n2"));
        c.setStatus(new io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatus("Zm9v",
                List.of(approvedCondition())));
        CertificateSigningRequest created = admin.certificates().v1().certificateSigningRequests().resource(c).create();
        assertThat(created.getStatus() == null || created.getStatus().getConditions() == null
                || created.getStatus().getConditions().isEmpty()).isTrue();
    }

    @Test
    void invalidCsrsAreRejectedWith422() {
        CertificateSigningRequest noSigner = csr("no-signer", TestCsrs.kubeletClientRequest("n3"));
        noSigner.getSpec().setSignerName(null);
        assertInvalid(noSigner, "spec.signerName");
        CertificateSigningRequest badRequest = csr("bad-request", java.util.Base64.getEncoder().encodeToString("not pem".getBytes()));
        assertInvalid(badRequest, "spec.request");
        String certNotCsr = java.util.Base64.getEncoder().encodeToString(server.caCertificatePem().getBytes());
        assertInvalid(csr("cert-not-csr", certNotCsr), "spec.request");
        CertificateSigningRequest tooShort = csr("too-short", TestCsrs.kubeletClientRequest("n3"));
        tooShort.getSpec().setExpirationSeconds(599);
        assertInvalid(tooShort, "spec.expirationSeconds");
        CertificateSigningRequest noUsages = csr("no-usages", TestCsrs.kubeletClientRequest("n3"));
        noUsages.getSpec().setUsages(List.of());
        assertInvalid(noUsages, "spec.usages");
        // a tampered request (signature no longer matches) is refused too
        String pem = TestCsrs.pem("O=system:nodes,CN=system:node:n3", List.of());
        String[] lines = pem.split("\n");
        char[] body = lines[2].toCharArray();
        body[10] = body[10] == 'A' ? 'B' : 'A';
        lines[2] = new String(body);
        String tampered = java.util.Base64.getEncoder().encodeToString(String.join("\n", lines).getBytes());
        assertInvalid(csr("tampered", tampered), "spec.request");
        assertThat(admin.certificates().v1().certificateSigningRequests().withName("no-signer").get()).isNull();
    }

    private static void assertInvalid(CertificateSigningRequest c, String field) {
        assertThatThrownBy(() -> admin.certificates().v1().certificateSigningRequests().resource(c).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(422);
                    assertThat(e.getStatus().getReason()).isEqualTo("Invalid");
                    assertThat(e.getStatus().getDetails().getCauses()).anySatisfy(cause -> assertThat(cause.getField()).isEqualTo(field));
                });
    }

    static CertificateSigningRequestCondition approvedCondition() {
        return new CertificateSigningRequestConditionBuilder().withType("Approved").withStatus("True")
                .withReason("KubejoinApproved").withMessage("test").build();
    }

    @Test
    void approveThroughFabric8UpdatesOnlyConditionsAndWatchSeesIt() throws Exception {
        admin.certificates().v1().certificateSigningRequests().resource(csr("to-approve", TestCsrs.kubeletClientRequest("n4"))).create();
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        try (Watch w = admin.certificates().v1().certificateSigningRequests().watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, CertificateSigningRequest resource) {
                boolean approved = resource.getStatus() != null && resource.getStatus().getConditions() != null
                        && resource.getStatus().getConditions().stream().anyMatch(c -> "Approved".equals(c.getType()));
                events.add(action + " " + resource.getMetadata().getName() + (approved ? " approved" : ""));
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        })) {
            CertificateSigningRequest approved = admin.certificates().v1().certificateSigningRequests().withName("to-approve")
                    .approve(approvedCondition());
            assertThat(approved.getStatus().getConditions()).singleElement().satisfies(c -> {
                assertThat(c.getType()).isEqualTo("Approved");
                assertThat(c.getStatus()).isEqualTo("True");
                assertThat(c.getReason()).isEqualTo("KubejoinApproved");
                assertThat(c.getLastUpdateTime()).isNotEmpty();
                assertThat(c.getLastTransitionTime()).isNotEmpty();
            });
            String event;
            do {
                event = events.poll(10, TimeUnit.SECONDS);
                assertThat(event).as("watch event").isNotNull();
            } while (!event.equals("MODIFIED to-approve approved"));
        }
        CertificateSigningRequest stored = admin.certificates().v1().certificateSigningRequests().withName("to-approve").get();
        assertThat(stored.getSpec().getUsername()).isEqualTo("kubernetes-admin");
        assertThat(stored.getStatus().getConditions()).extracting(CertificateSigningRequestCondition::getType).containsExactly("Approved");
        // the default approve() (no condition given) works as well
        admin.certificates().v1().certificateSigningRequests().resource(csr("to-approve-2", TestCsrs.kubeletClientRequest("n4"))).create();
        CertificateSigningRequest a2 = admin.certificates().v1().certificateSigningRequests().withName("to-approve-2").approve();
        assertThat(a2.getStatus().getConditions()).extracting(CertificateSigningRequestCondition::getType).containsExactly("Approved");
    }

    @Test
    void denyWorksAndApprovedWithDeniedIsRefused() {
        admin.certificates().v1().certificateSigningRequests().resource(csr("to-deny", TestCsrs.kubeletClientRequest("n5"))).create();
        CertificateSigningRequest denied = admin.certificates().v1().certificateSigningRequests().withName("to-deny").deny();
        assertThat(denied.getStatus().getConditions()).extracting(CertificateSigningRequestCondition::getType).containsExactly("Denied");

        admin.certificates().v1().certificateSigningRequests().resource(csr("both", TestCsrs.kubeletClientRequest("n5"))).create();
        CertificateSigningRequest both = admin.certificates().v1().certificateSigningRequests().withName("both").get();
        both.setStatus(new io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatus(null, List.of(
                approvedCondition(),
                new CertificateSigningRequestConditionBuilder().withType("Denied").withStatus("True").withReason("No").build())));
        RawApi.Answer a = raw.call("PUT", "/apis/certificates.k8s.io/v1/certificatesigningrequests/both/approval",
                server.adminToken(), Serialization.asJson(both));
        assertThat(a.code()).isEqualTo(422);
        assertThat((String) json(a.body()).get("message")).contains("Approved and Denied conditions are mutually exclusive");
        // once approved, an approval update cannot drop the Approved condition
        admin.certificates().v1().certificateSigningRequests().withName("both").approve(approvedCondition());
        CertificateSigningRequest approved = admin.certificates().v1().certificateSigningRequests().withName("both").get();
        approved.getStatus().setConditions(List.of());
        assertThat(raw.call("PUT", "/apis/certificates.k8s.io/v1/certificatesigningrequests/both/approval",
                server.adminToken(), Serialization.asJson(approved)).code()).isEqualTo(422);
        // approval of a CSR that does not exist
        RawApi.Answer mismatch = raw.call("PUT", "/apis/certificates.k8s.io/v1/certificatesigningrequests/nope/approval",
                server.adminToken(), Serialization.asJson(approved));
        assertThat(mismatch.code()).as("name in body differs from the URL").isEqualTo(400);
        approved.getMetadata().setName("nope");
        approved.getMetadata().setResourceVersion(null);
        RawApi.Answer missing = raw.call("PUT", "/apis/certificates.k8s.io/v1/certificatesigningrequests/nope/approval",
                server.adminToken(), Serialization.asJson(approved));
        assertThat(missing.code()).isEqualTo(404);
        assertThat(json(missing.body())).containsEntry("reason", "NotFound");
    }

    @Test
    void approvalIgnoresSpecChangesAndStaleVersionsConflict() {
        admin.certificates().v1().certificateSigningRequests().resource(csr("sneaky", TestCsrs.kubeletClientRequest("n6"))).create();
        CertificateSigningRequest c = admin.certificates().v1().certificateSigningRequests().withName("sneaky").get();
        String oldVersion = c.getMetadata().getResourceVersion();
        c.getSpec().setUsername("system:node:n6");
        c.setStatus(new io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatus("Zm9v", List.of(approvedCondition())));
        RawApi.Answer a = raw.call("PUT", "/apis/certificates.k8s.io/v1/certificatesigningrequests/sneaky/approval",
                server.adminToken(), Serialization.asJson(c));
        assertThat(a.code()).as(a.body()).isEqualTo(200);
        RawApi.Answer viaSubresource = raw.get("/apis/certificates.k8s.io/v1/certificatesigningrequests/sneaky/approval", server.adminToken());
        assertThat(viaSubresource.code()).isEqualTo(200);
        assertThat(viaSubresource.body()).contains("\"name\":\"sneaky\"");
        CertificateSigningRequest stored = admin.certificates().v1().certificateSigningRequests().withName("sneaky").get();
        assertThat(stored.getSpec().getUsername()).isEqualTo("kubernetes-admin");
        assertThat(stored.getStatus().getCertificate()).isNullOrEmpty();
        assertThat(stored.getMetadata().getResourceVersion()).isNotEqualTo(oldVersion);
        c.getMetadata().setResourceVersion(oldVersion);
        assertThat(raw.call("PUT", "/apis/certificates.k8s.io/v1/certificatesigningrequests/sneaky/approval",
                server.adminToken(), Serialization.asJson(c)).code()).isEqualTo(409);
    }

    @Test
    void statusSubresourceSetsTheCertificateButKeepsApproval() {
        admin.certificates().v1().certificateSigningRequests().resource(csr("with-status", TestCsrs.kubeletClientRequest("n8"))).create();
        CertificateSigningRequest c = admin.certificates().v1().certificateSigningRequests().withName("with-status").get();
        String pem = java.util.Base64.getEncoder().encodeToString(server.caCertificatePem().getBytes());
        c.setStatus(new io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatus(pem, List.of()));
        assertThatThrownBy(() -> admin.certificates().v1().certificateSigningRequests().resource(c).updateStatus())
                .as("no certificate before approval")
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422));
        admin.certificates().v1().certificateSigningRequests().withName("with-status").approve(approvedCondition());
        CertificateSigningRequest approved = admin.certificates().v1().certificateSigningRequests().withName("with-status").get();
        approved.getStatus().setCertificate(pem);
        approved.getStatus().setConditions(List.of()); // a status write cannot remove approval: it is kept
        CertificateSigningRequest updated = admin.certificates().v1().certificateSigningRequests().resource(approved).updateStatus();
        assertThat(updated.getStatus().getCertificate()).isEqualTo(pem);
        assertThat(updated.getStatus().getConditions()).extracting(CertificateSigningRequestCondition::getType).containsExactly("Approved");
        CertificateSigningRequest again = admin.certificates().v1().certificateSigningRequests().withName("with-status").get();
        again.getStatus().setCertificate(java.util.Base64.getEncoder().encodeToString("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".getBytes()));
        assertThatThrownBy(() -> admin.certificates().v1().certificateSigningRequests().resource(again).updateStatus())
                .as("certificate immutable once set")
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422));
    }

    @Test
    void kubectlListsApprovesAndDeniesCsrsAsInTheArticle(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        io.kubejoin.testing.Processes.requireTool("kubectl");
        String token = createToken(admin, "kctl01", Map.of());
        server.clientWithToken(token).certificates().v1().certificateSigningRequests()
                .resource(csr("kubectl-csr", TestCsrs.kubeletClientRequest("n9"))).create();
        java.nio.file.Path kubeconfig = dir.resolve("admin.kubeconfig");
        server.writeAdminKubeconfig(kubeconfig);
        List<String> kubectl = List.of("kubectl", "--kubeconfig", kubeconfig.toString(), "--cache-dir", dir.resolve("cache").toString(),
                "--request-timeout=10s");
        var get = io.kubejoin.testing.Processes.run(concat(kubectl, "get", "csr"));
        assertThat(get.exitCode()).as(get.stderr()).isZero();
        assertThat(get.stdout()).contains("kubectl-csr");
        var approve = io.kubejoin.testing.Processes.run(concat(kubectl, "certificate", "approve", "kubectl-csr"));
        assertThat(approve.exitCode()).as(approve.stderr()).isZero();
        assertThat(approve.stdout()).contains("approved");
        CertificateSigningRequest c = admin.certificates().v1().certificateSigningRequests().withName("kubectl-csr").get();
        assertThat(c.getStatus().getConditions()).singleElement().satisfies(x -> {
            assertThat(x.getType()).isEqualTo("Approved");
            assertThat(x.getStatus()).isEqualTo("True");
            assertThat(x.getReason()).isEqualTo("KubectlApprove");
            assertThat(x.getLastUpdateTime()).isNotEmpty();
        });
        assertThat(c.getSpec().getUsername()).isEqualTo("system:bootstrap:kctl01");
        server.clientWithToken(token).certificates().v1().certificateSigningRequests()
                .resource(csr("kubectl-deny", TestCsrs.kubeletClientRequest("n9"))).create();
        var deny = io.kubejoin.testing.Processes.run(concat(kubectl, "certificate", "deny", "kubectl-deny"));
        assertThat(deny.exitCode()).as(deny.stderr()).isZero();
        assertThat(admin.certificates().v1().certificateSigningRequests().withName("kubectl-deny").get().getStatus().getConditions())
                .extracting(CertificateSigningRequestCondition::getType).containsExactly("Denied");
        var name = io.kubejoin.testing.Processes.run(concat(kubectl, "get", "csr", "kubectl-csr", "-o", "jsonpath={.spec.username}"));
        assertThat(name.stdout()).isEqualTo("system:bootstrap:kctl01");
        var bootGet = io.kubejoin.testing.Processes.run(List.of("kubectl", "--server", server.url(), "--token", token,
                "--certificate-authority", writeCa(dir).toString(), "--cache-dir", dir.resolve("cache2").toString(),
                "--request-timeout=10s", "get", "secrets", "-n", "kube-system"));
        assertThat(bootGet.exitCode()).isNotZero();
        assertThat(bootGet.stderr()).contains("Forbidden").contains("system:bootstrap:kctl01");
    }

    private static java.nio.file.Path writeCa(java.nio.file.Path dir) throws java.io.IOException {
        java.nio.file.Path ca = dir.resolve("ca.pem");
        java.nio.file.Files.writeString(ca, server.caCertificatePem());
        return ca;
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> l = new java.util.ArrayList<>(a);
        l.addAll(List.of(b));
        return l;
    }

    @Test
    void nodeStatusCanBeUpdatedAndPatchedByTheNodeItself() {
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("w1").addToLabels("role", "worker").endMetadata().build()).create();
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("w2").endMetadata().build()).create();
        server.addToken("node-token-w1", "system:node:w1", List.of("system:nodes"));
        KubernetesClient kubelet = server.clientWithToken("node-token-w1");
        var node = kubelet.nodes().withName("w1").get();
        NodeCondition ready = new NodeConditionBuilder().withType("Ready").withStatus("True").withReason("KubeletReady").build();
        node.setStatus(new io.fabric8.kubernetes.api.model.NodeStatusBuilder().withConditions(ready).build());
        kubelet.nodes().resource(node).updateStatus();
        assertThat(admin.nodes().withName("w1").get().getStatus().getConditions()).extracting(NodeCondition::getStatus).containsExactly("True");
        assertThat(admin.nodes().withLabel("role", "worker").list().getItems()).hasSize(1);

        var patched = kubelet.nodes().withName("w1").editStatus(n -> {
            n.getStatus().getConditions().get(0).setStatus("False");
            return n;
        });
        assertThat(patched.getStatus().getConditions().get(0).getStatus()).isEqualTo("False");
        assertThat(admin.nodes().withName("w1").get().getStatus().getConditions().get(0).getStatus()).isEqualTo("False");

        var other = kubelet.nodes().withName("w2").get();
        other.setStatus(new io.fabric8.kubernetes.api.model.NodeStatusBuilder().withConditions(ready).build());
        assertThatThrownBy(() -> kubelet.nodes().resource(other).updateStatus())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    }
}
