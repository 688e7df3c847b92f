package io.kubejoin.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kubejoin.testing.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import io.kubejoin.sandbox.RawApi;

/** Authentication, authorization, plain CRUD, /version and the admin kubeconfig of the sandbox API server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SandboxApiServerTest {
    static SandboxApiServer server;
    static KubernetesClient admin;
    static RawApi raw;

    @BeforeAll
    static void start() {
        server = SandboxApiServer.start(SandboxApiServer.Options.defaults().withGitVersion("v1.31.7").withSigner(false));
        admin = server.adminClient();
        raw = new RawApi(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A bootstrap-token Secret as kubejoin's K1 writes it (stringData), with changes applied by {@code edit}. */
    static Secret tokenSecret(String id, String secret, Map<String, String> overrides) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("description", "test token");
        data.put("token-id", id);
        data.put("token-secret", secret);
        data.put("expiration", Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).toString());
        data.put("usage-bootstrap-authentication", "true");
        data.put("usage-bootstrap-signing", "true");
        data.put("auth-extra-groups", "system:bootstrappers:kubejoin");
        overrides.forEach((k, v) -> {
            if (v == null) data.remove(k);
            else data.put(k, v);
        });
        return new SecretBuilder().withNewMetadata().withName("bootstrap-token-" + id).withNamespace("kube-system").endMetadata()
                .withType("bootstrap.kubernetes.io/token").withStringData(data).build();
    }

    static String createToken(KubernetesClient admin, String id, Map<String, String> overrides) {
        String secret = (id + "0123456789abcdef").substring(0, 16);
        admin.secrets().inNamespace("kube-system").resource(tokenSecret(id, secret, overrides)).create();
        return id + "." + secret;
    }

    @Test
    void adminCanCreateReadListAndDelete() {
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("crud").endMetadata().build()).create();
        admin.configMaps().inNamespace("crud").resource(new ConfigMapBuilder().withNewMetadata().withName("cm").endMetadata()
                .addToData("k", "v").build()).create();
        assertThat(admin.configMaps().inNamespace("crud").withName("cm").get().getData()).containsEntry("k", "v");
        assertThat(admin.configMaps().inNamespace("crud").list().getItems()).hasSize(1);
        admin.configMaps().inNamespace("crud").withName("cm").delete();
        assertThat(admin.configMaps().inNamespace("crud").withName("cm").get()).isNull();
    }

    @Test
    void secretStringDataIsStoredAsDataLikeARealServer() {
        admin.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata().withName("s1").endMetadata()
                .addToStringData("password", "hunter2").build()).create();
        Secret s = admin.secrets().inNamespace("default").withName("s1").get();
        assertThat(s.getStringData()).isNullOrEmpty();
        assertThat(s.getData()).containsEntry("password", "aHVudGVyMg==");
    }

    @Test
    void versionIsTheConfiguredOne() {
        assertThat(admin.getKubernetesVersion().getGitVersion()).isEqualTo("v1.31.7");
        assertThat(admin.getKubernetesVersion().getMinor()).isEqualTo("31");
    }

    @Test
    void noOrUnknownCredentialsGet401Status() {
        for (String token : new String[] {null, "not-a-token", "abcdef.0123456789abcdef"}) {
            RawApi.Answer a = raw.get("/api/v1/namespaces/default/secrets", token);
            assertThat(a.code()).as("token %s", token).isEqualTo(401);
            Map<String, Object> status = json(a.body());
            assertThat(status).containsEntry("kind", "Status").containsEntry("reason", "Unauthorized")
                    .containsEntry("status", "Failure").containsEntry("message", "Unauthorized");
        }
        KubernetesClient anonymous = server.clientWithToken("wrong");
        assertThatThrownBy(() -> anonymous.secrets().inNamespace("default").list())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(401));
    }

    @Test
    void validBootstrapTokenAuthenticatesAsItsBootstrapUser() {
        String token = createToken(admin, "aaaaaa", Map.of("auth-extra-groups", "system:bootstrappers:worker,system:bootstrappers:kubejoin"));
        RawApi.Answer a = raw.post("/apis/authentication.k8s.io/v1/selfsubjectreviews", token,
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}");
        assertThat(a.code()).isEqualTo(201);
        Map<String, Object> userInfo = json(json(a.body()).get("status")).get("userInfo") == null ? null : json(json(json(a.body()).get("status")).get("userInfo"));
        assertThat(userInfo.get("username")).isEqualTo("system:bootstrap:aaaaaa");
        assertThat(strings(userInfo.get("groups"))).containsExactly("system:bootstrappers", "system:bootstrappers:kubejoin",
                "system:bootstrappers:worker", "system:authenticated");
    }

    @Test
    void bootstrapTokenRefusedForEachBrokenRule() {
        Map<String, Map<String, String>> broken = new LinkedHashMap<>();
        broken.put("bbbbb1", Map.of("expiration", Instant.now().minusSeconds(5).truncatedTo(ChronoUnit.SECONDS).toString()));
        broken.put("bbbbb2", Map.of("usage-bootstrap-authentication", "false"));
        broken.put("bbbbb3", Map.of("auth-extra-groups", "system:masters"));
        broken.put("bbbbb4", Map.of("expiration", "tomorrow"));
        broken.put("bbbbb5", Map.of("token-id", "zzzzzz"));
        for (var e : broken.entrySet()) {
            String token = createToken(admin, e.getKey(), e.getValue());
            assertThat(raw.get("/api", token).code()).as("%s %s", e.getKey(), e.getValue()).isEqualTo(401);
        }
        // usage key absent
        Map<String, String> noUsage = new LinkedHashMap<>();
        noUsage.put("usage-bootstrap-authentication", null);
        assertThat(raw.get("/api", createToken(admin, "bbbbb6", noUsage)).code()).isEqualTo(401);
        // wrong type
        Secret opaque = tokenSecret("bbbbb7", "0123456789abcdef", Map.of());
        opaque.setType("Opaque");
        admin.secrets().inNamespace("kube-system").resource(opaque).create();
        assertThat(raw.get("/api", "bbbbb7.0123456789abcdef").code()).isEqualTo(401);
        // wrong secret for an existing token
        String good = createToken(admin, "bbbbb8", Map.of());
        assertThat(raw.get("/api", good).code()).isEqualTo(200);
        assertThat(raw.get("/api", "bbbbb8.ffffffffffffffff").code()).isEqualTo(401);
        // missing secret
        assertThat(raw.get("/api", "cccccc.0123456789abcdef").code()).isEqualTo(401);
        // in another namespace than kube-system it does not count
        Secret elsewhere = tokenSecret("bbbbb9", "0123456789abcdef", Map.of());
        elsewhere.getMetadata().setNamespace("default");
        admin.secrets().inNamespace("default").resource(elsewhere).create();
        assertThat(raw.get("/api", "bbbbb9.0123456789abcdef").code()).isEqualTo(401);
    }

    @Test
    void bootstrapTokenFollowsItsSecretAsTheSecretChanges() {
        // the authenticator's Secrets are decoded once per change: a changed or deleted Secret counts at once
        String token = createToken(admin, "sc0001", Map.of());
        assertThat(raw.get("/api", token).code()).isEqualTo(200);
        admin.secrets().inNamespace("kube-system").resource(tokenSecret("sc0001", "ffffffffffffffff", Map.of())).update();
        assertThat(raw.get("/api", token).code()).as("token-secret changed").isEqualTo(401);
        assertThat(raw.get("/api", "sc0001.ffffffffffffffff").code()).isEqualTo(200);
        admin.secrets().inNamespace("kube-system").withName("bootstrap-token-sc0001").delete();
        assertThat(raw.get("/api", "sc0001.ffffffffffffffff").code()).as("secret deleted").isEqualTo(401);
        createToken(admin, "sc0001", Map.of());
        assertThat(raw.get("/api", token).code()).as("created again").isEqualTo(200);
    }

    @Test
    void bootstrapTokenAuthSwitchedOffRefusesEveryBootstrapToken() {
        String token = createToken(admin, "dddddd", Map.of());
        assertThat(raw.get("/api", token).code()).isEqualTo(200);
        server.bootstrapTokenAuth(false);
        try {
            RawApi.Answer a = raw.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", token,
                    "{\"spec\":{\"resourceAttributes\":{\"group\":\"certificates.k8s.io\",\"resource\":\"certificatesigningrequests\",\"verb\":\"create\"}}}");
            assertThat(a.code()).isEqualTo(401);
            assertThat(json(a.body())).containsEntry("reason", "Unauthorized");
            assertThat(raw.get("/api", server.adminToken()).code()).as("admin unaffected").isEqualTo(200);
        } finally {
            server.bootstrapTokenAuth(true);
        }
        assertThat(raw.get("/api", token).code()).isEqualTo(200);
    }

    @Test
    void bootstrapUserIsForbiddenEverythingButCsrs() {
        String token = createToken(admin, "eeeeee", Map.of());
        RawApi.Answer a = raw.get("/api/v1/namespaces/kube-system/secrets", token);
        assertThat(a.code()).isEqualTo(403);
        Map<String, Object> status = json(a.body());
        assertThat(status).containsEntry("reason", "Forbidden");
        assertThat((String) status.get("message")).isEqualTo("secrets is forbidden: User \"system:bootstrap:eeeeee\" cannot list "
                + "resource \"secrets\" in API group \"\" in the namespace \"kube-system\"");
        KubernetesClient boot = server.clientWithToken(token);
        assertThatThrownBy(() -> boot.nodes().list())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
        assertThat(boot.certificates().v1().certificateSigningRequests().list().getItems()).isNotNull();
        assertThat(raw.call("DELETE", "/apis/certificates.k8s.io/v1/certificatesigningrequests/x", token, null).code()).isEqualTo(403);
        assertThat(raw.call("PUT", "/apis/certificates.k8s.io/v1/certificatesigningrequests/x/approval", token, "{}").code()).isEqualTo(403);
    }

    @Test
    void withBindingsRequiredBootstrapUsersNeedTheK9Binding() {
        String token = createToken(admin, "hhhhhh", Map.of());
        server.requireBootstrapBinding(true);
        try {
            assertThat(raw.get("/apis/certificates.k8s.io/v1/certificatesigningrequests", token).code()).isEqualTo(403);
            admin.rbac().clusterRoleBindings().resource(io.kubejoin.render.ClusterManifests.kubeletBootstrap()).create();
            assertThat(raw.get("/apis/certificates.k8s.io/v1/certificatesigningrequests", token).code()).isEqualTo(200);
            assertThat(raw.get("/api/v1/namespaces/kube-system/secrets", token).code()).isEqualTo(403);
        } finally {
            server.requireBootstrapBinding(false);
            admin.rbac().clusterRoleBindings().withName(io.kubejoin.render.ClusterManifests.kubeletBootstrap().getMetadata().getName()).delete();
        }
    }

    @Test
    void selfSubjectAccessReviewAnswersPerPolicy() {
        String token = createToken(admin, "ffffff", Map.of());
        String csrCreate = "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\",\"spec\":{\"resourceAttributes\":"
                + "{\"group\":\"certificates.k8s.io\",\"resource\":\"certificatesigningrequests\",\"verb\":\"create\"}}}";
        String secretList = "{\"spec\":{\"resourceAttributes\":{\"namespace\":\"kube-system\",\"resource\":\"secrets\",\"verb\":\"list\"}}}";
        RawApi.Answer yes = raw.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", token, csrCreate);
        RawApi.Answer no = raw.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", token, secretList);
        RawApi.Answer adminYes = raw.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", server.adminToken(), secretList);
        assertThat(yes.code()).isEqualTo(201);
        assertThat(allowed(yes)).isTrue();
        assertThat(no.code()).isEqualTo(201);
        assertThat(allowed(no)).isFalse();
        assertThat(allowed(adminYes)).isTrue();
    }

    private static boolean allowed(RawApi.Answer a) {
        return (Boolean) json(json(a.body()).get("status")).get("allowed");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(Object bodyOrMap) {
        if (bodyOrMap instanceof Map<?, ?> m) return (Map<String, Object>) m;
        return Serialization.unmarshal((String) bodyOrMap, Map.class);
    }

    @SuppressWarnings("unchecked")
    static List<String> strings(Object list) {
        return (List<String>) list;
    }

    @Test
    void adminKubeconfigIsPrivateAndWorksWithCaVerification(@TempDir Path dir) throws Exception {
        assertThat(server.https()).isTrue();
        assertThat(server.url()).startsWith("https://127.0.0.1:");
        Path file = dir.resolve("admin.kubeconfig");
        server.writeAdminKubeconfig(file);
        assertThat(Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(
                java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        String text = Files.readString(file);
        assertThat(text).contains("certificate-authority-data: ").doesNotContain("insecure");
        Config config = Config.fromKubeconfig(text);
        config.setRequestRetryBackoffLimit(0);
        try (KubernetesClient c = new KubernetesClientBuilder().withConfig(config).build()) {
            assertThat(c.getKubernetesVersion().getGitVersion()).isEqualTo("v1.31.7");
        }
        // a client that does not trust the sandbox CA must fail the TLS handshake
        Config untrusted = server.clientConfig(server.adminToken());
        untrusted.setCaCertData(null);
        untrusted.setTrustCerts(false);
        try (KubernetesClient c = new KubernetesClientBuilder().withConfig(untrusted).build()) {
            assertThatThrownBy(() -> c.namespaces().list()).isInstanceOf(KubernetesClientException.class);
        }
    }

    @Test
    void kubectlTalksToTheSandboxOverVerifiedTls(@TempDir Path dir) throws Exception {
        Processes.requireTool("kubectl");
        Path file = dir.resolve("admin.kubeconfig");
        server.writeAdminKubeconfig(file);
        var r = Processes.run(List.of("kubectl", "--kubeconfig", file.toString(), "--request-timeout=10s", "get", "--raw", "/version"));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stdout()).contains("\"gitVersion\":\"v1.31.7\"");
    }

    @Test
    void aBodyTheMockCannotReadIsAnsweredNotLeftHanging() {
        RawApi.Answer a = raw.post("/api/v1/nodes", server.adminToken(), "not json");
        assertThat(a.code()).isGreaterThanOrEqualTo(400);
        assertThat(json(a.body())).containsEntry("kind", "Status").containsEntry("status", "Failure");
    }

    @Test
    void manyConcurrentRequestsAllSucceed() throws Exception {
        String token = createToken(admin, "gggggg", Map.of());
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Integer>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String t = i % 2 == 0 ? token : server.adminToken();
                answers.add(pool.submit(() -> raw.get("/apis/certificates.k8s.io/v1/certificatesigningrequests", t).code()));
            }
            for (Future<Integer> f : answers) assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(200);
        } finally {
            pool.shutdownNow();
        }
    }
}
