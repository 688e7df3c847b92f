package io.kubejoin.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.kubejoin.cluster.Finding.Level;
import io.kubejoin.testing.TestInventories;
import io.kubejoin.version.KubeVersion;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PreflightTest {
    static final String SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
    final MockCluster cluster = new MockCluster();
    final KubeConnection conn = cluster.connect();
    final TokenService tokens = new TokenService(conn, Clock.systemUTC(), new SecureRandom());
    final Preflight preflight = new Preflight(conn, tokens, Clock.systemUTC(),
            new Preflight.Settings(Duration.ofMinutes(2), Duration.ofMillis(1200), Duration.ofSeconds(10)));

    @AfterEach
    void close() {
        conn.close();
        cluster.close();
    }

    static SelfSubjectAccessReview answer(boolean allowed) {
        return new SelfSubjectAccessReviewBuilder().withNewStatus().withAllowed(allowed).endStatus().build();
    }

    void lease(Instant renewed, String holder) {
        conn.client().leases().inNamespace("kube-system").resource(new LeaseBuilder()
                .withNewMetadata().withName("kube-controller-manager").withNamespace("kube-system").endMetadata()
                .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds(15)
                .withRenewTime(ZonedDateTime.ofInstant(renewed, ZoneOffset.UTC)).endSpec().build()).create();
    }

    /** The mock answers /version itself (an expectation does not override it). */
    void version(String gitVersion, String minor) {
        cluster.server.setVersionInfo(new io.fabric8.kubernetes.client.VersionInfo.Builder()
                .withMajor("1").withMinor(minor).withGitVersion(gitVersion).build());
    }

    List<RecordedRequest> requests() throws InterruptedException {
        List<RecordedRequest> out = new ArrayList<>();
        RecordedRequest r;
        while ((r = cluster.server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) out.add(r);
        return out;
    }

    @Test
    void healthyControlPlanePassesAndTheProbeActsAsTheTokenThenIsDeleted() throws Exception {
        cluster.server.expect().post().withPath(SSAR).andReturn(201, answer(true)).always();
        lease(Instant.now().minusSeconds(3), "master-1_0a1b");
        version("v1.33.1", "33");

        List<Finding> findings = preflight.run(TestInventories.current("1.32.4"));

        assertThat(findings).extracting(Finding::check).containsExactly(Preflight.CHECK_VERSION,
                Preflight.CHECK_TOKEN_AUTH, Preflight.CHECK_CSR_RIGHTS, Preflight.CHECK_CONTROLLER_MANAGER);
        assertThat(findings).extracting(Finding::format).allMatch(s -> s.startsWith("ok: "));
        assertThat(findings.get(3).message()).isEqualTo("kube-controller-manager is running (leader master-1_0a1b)");
        assertThat(Preflight.anyFailed(findings)).isFalse();

        List<RecordedRequest> requests = requests();
        // the CRUD store consumes request bodies, so the order of requests tells the story: create, ask, delete
        List<String> calls = requests.stream().map(r -> r.getMethod() + " " + r.getPath())
                .filter(c -> c.contains("/secrets") || c.contains("selfsubjectaccessreviews")).toList();
        assertThat(calls).hasSize(3);
        assertThat(calls.get(0)).isEqualTo("POST /api/v1/namespaces/kube-system/secrets");
        assertThat(calls.get(1)).isEqualTo("POST " + SSAR);
        assertThat(calls.get(2)).startsWith("DELETE /api/v1/namespaces/kube-system/secrets/bootstrap-token-");
        RecordedRequest review = requests.stream().filter(r -> r.getPath().equals(SSAR)).findFirst().orElseThrow();
        assertThat(review.getHeader("Authorization")).matches("Bearer [a-z0-9]{6}\\.[a-z0-9]{16}");
        assertThat(review.getUtf8Body()).contains("\"verb\":\"create\"").contains("certificatesigningrequests");
        assertThat(requests.stream().filter(r -> r.getMethod().equals("DELETE")).map(RecordedRequest::getPath))
                .singleElement().asString().startsWith("/api/v1/namespaces/kube-system/secrets/bootstrap-token-");
        assertThat(tokens.list()).as("probe token deleted").isEmpty();
    }

    @Test
    void unauthorizedProbeMeansBootstrapTokenAuthIsOff() throws Exception {
        cluster.server.expect().post().withPath(SSAR).andReturn(401,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}").always();

        List<Finding> findings = preflight.checkBootstrapTokens("kubejoin");

        assertThat(findings).singleElement().satisfies(f -> {
            assertThat(f.level()).isEqualTo(Level.FAIL);
            assertThat(f.message()).startsWith("kube-apiserver does not accept bootstrap tokens");
            assertThat(f.fix()).isEqualTo("start kube-apiserver with --enable-bootstrap-token-auth");
        });
        List<RecordedRequest> reviews = requests().stream().filter(r -> r.getPath().equals(SSAR)).toList();
        assertThat(reviews).as("retried while the new token may not be known yet").hasSizeGreaterThan(1);
        // never fell back to the admin credentials after a 401
        assertThat(reviews).allSatisfy(r -> assertThat(r.getHeader("Authorization")).doesNotContain(MockCluster.ADMIN_TOKEN)
                .matches("Bearer [a-z0-9]{6}\\.[a-z0-9]{16}"));
        assertThat(tokens.list()).as("probe token deleted even on failure").isEmpty();
    }

    @Test
    void deniedCsrCreationWarnsAboutTheMissingBinding() {
        cluster.server.expect().post().withPath(SSAR).andReturn(201, answer(false)).always();
        List<Finding> findings = preflight.checkBootstrapTokens("kubejoin");
        assertThat(findings).extracting(Finding::level).containsExactly(Level.OK, Level.WARN);
        assertThat(findings.get(1).message()).contains("kubelet-bootstrap ClusterRoleBinding is missing");
        assertThat(findings.get(1).fix()).contains("the join's RBAC step adds it");
    }

    @Test
    void staleOrMissingLeaseMeansNoControllerManager() {
        // no lease is not proof of no signing: the throwaway CSR decides (PreflightCommandTest, against the sandbox's
        // signer: FAIL when it stays unsigned, WARN when it is signed); this mock has no signer and no /approval
        Finding missing = preflight.checkControllerManager();
        assertThat(missing.level()).isNotEqualTo(Level.OK);
        assertThat(missing.message()).contains("holds no leader lease (kube-system/kube-controller-manager is missing)");
        assertThat(missing.fix()).contains("--cluster-signing-cert-file/--cluster-signing-key-file");
        assertThat(conn.client().certificates().v1().certificateSigningRequests().list().getItems()).isEmpty();

        lease(Instant.now().minusSeconds(300), "master-1_0a1b");
        Finding stale = preflight.checkControllerManager();
        assertThat(stale.level()).isNotEqualTo(Level.OK);
        assertThat(stale.message()).containsPattern("a stale leader lease \\(last renewed 30\\d s ago by master-1_0a1b\\)");
    }

    @Test
    void oldClustersKeepTheLeaderRecordOnEndpoints() {
        String record = "{\"holderIdentity\":\"master-1_x\",\"leaseDurationSeconds\":15,\"acquireTime\":\"2020-01-01T00:00:00Z\","
                + "\"renewTime\":\"" + Instant.now().minusSeconds(2).truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "\"}";
        conn.client().endpoints().inNamespace("kube-system").resource(new EndpointsBuilder().withNewMetadata()
                .withName("kube-controller-manager").withNamespace("kube-system")
                .addToAnnotations("control-plane.alpha.kubernetes.io/leader", record).endMetadata().build()).create();
        assertThat(preflight.checkControllerManager().level()).isEqualTo(Level.OK);
    }

    @Test
    void versionSkewFromTheServersVersion() {
        version("v1.30.2+k3s1", "30+");
        assertThat(preflight.checkVersionSkew(KubeVersion.parse("1.31.0")).level()).isEqualTo(Level.FAIL);
        assertThat(preflight.checkVersionSkew(KubeVersion.parse("1.27.3")).level()).isEqualTo(Level.OK);
        Finding old = preflight.checkVersionSkew(KubeVersion.parse("1.26.0"));
        assertThat(old.level()).isEqualTo(Level.WARN);
        assertThat(old.message()).isEqualTo("kubelet 1.26.0 is 4 minor releases older than kube-apiserver 1.30.2 "
                + "(at most 3 are supported)");
    }

    @Test
    void skewPolicyAllowsTwoMinorsBefore128AndThreeAfter() {
        assertThat(VersionSkew.check(KubeVersion.parse("1.27.0"), KubeVersion.parse("1.25.0")).level()).isEqualTo(Level.OK);
        assertThat(VersionSkew.check(KubeVersion.parse("1.27.0"), KubeVersion.parse("1.24.0")).level()).isEqualTo(Level.WARN);
        assertThat(VersionSkew.check(KubeVersion.parse("1.28.0"), KubeVersion.parse("1.25.0")).level()).isEqualTo(Level.OK);
        assertThat(VersionSkew.check(KubeVersion.parse("1.17.2"), KubeVersion.parse("1.17.2")).level()).isEqualTo(Level.OK);
        Finding newer = VersionSkew.check(KubeVersion.parse("1.32.4"), KubeVersion.parse("1.33.0"));
        assertThat(newer.level()).isEqualTo(Level.FAIL);
        assertThat(newer.fix()).startsWith("set kubernetesVersion to 1.32 or older");
    }
}
