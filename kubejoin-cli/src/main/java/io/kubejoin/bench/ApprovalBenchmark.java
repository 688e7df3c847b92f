package io.kubejoin.bench;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.kubejoin.cluster.approval.CsrApprover;
import io.kubejoin.cluster.approval.CsrPolicy;
import io.kubejoin.inventory.Bootstrap;
import io.kubejoin.inventory.ContainerRuntime;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.KubeProxySpec;
import io.kubejoin.inventory.KubeletSpec;
import io.kubejoin.inventory.Network;
import io.kubejoin.inventory.Node;
import io.kubejoin.inventory.NodePaths;
import io.kubejoin.inventory.Pki;
import io.kubejoin.inventory.ProxyMode;
import io.kubejoin.inventory.SourceLocations;
import io.kubejoin.inventory.Ssh;
import io.kubejoin.render.ClusterManifests;
import io.kubejoin.sandbox.kubelet.KubeletCsrs;
import io.kubejoin.sandbox.api.SandboxApiServer;
import io.kubejoin.token.BootstrapToken;
import io.kubejoin.version.KubeVersion;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * CSR approval latency and throughput of {@code kubejoin approve --watch}'s approver: N kubelet client CSRs,
 * each created by its node's own bootstrap token against the sandbox API server, timed from the moment the
 * create is sent until the approver has written the Approved condition. The sandbox's signer is off so the
 * figure is the approver's alone.
 */
public final class ApprovalBenchmark {
    private ApprovalBenchmark() {
    }

    public record Result(int count, int rate, int approved, Duration wall, double perSecond,
                         Duration p50, Duration p90, Duration p99, Duration max, long heapUsedMiB) {
        public String format() {
            return String.format("%s: approved %d/%d CSRs in %.2f s: %.0f CSR/s; create->approved latency p50 %d ms, "
                            + "p90 %d ms, p99 %d ms, max %d ms; heap used %d MiB",
                    rate > 0 ? "offered " + rate + " CSR/s" : "all at once", approved, count, wall.toMillis() / 1000.0, perSecond, p50.toMillis(), p90.toMillis(),
                    p99.toMillis(), max.toMillis(), heapUsedMiB);
        }
    }

    public static Result run(int count, int concurrency, int ratePerSecond, PrintWriter progress) throws InterruptedException {
        try (SandboxApiServer server = SandboxApiServer.start(SandboxApiServer.Options.defaults().withSigner(false))) {
            KubernetesClient admin = server.adminClient();
            Inventory inv = inventory(count, server.url());
            SecureRandom random = new SecureRandom();
            Instant expiry = Instant.now().plus(Duration.ofHours(1));
            List<BootstrapToken> tokens = new ArrayList<>();
            for (Node n : inv.nodes()) {
                BootstrapToken t = BootstrapToken.generate(random, n.name(), expiry);
                admin.secrets().resource(ClusterManifests.bootstrapTokenSecret(inv, t)).create();
                tokens.add(t);
            }
            List<String> bodies = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                bodies.add(admin.getKubernetesSerialization().asJson(csr("bench-" + i, inv.nodes().get(i).name())));
            }
            progress.printf("sandbox API server at %s; %d bootstrap tokens and CSRs prepared%n", server.url(), count);
            progress.flush();

            Map<String, Long> approvedAt = new ConcurrentHashMap<>();
            long[] sentAt = new long[count];
            try (CsrApprover approver = new CsrApprover(admin, inv, Duration.ofDays(365))) {
                approver.watch(o -> {
                    if (o.action() == CsrApprover.Action.APPROVED) approvedAt.putIfAbsent(o.csrName(), System.nanoTime());
                });
                Thread.sleep(1_000); // let the approver's first list and its watch start

                // one HTTP client without credentials; each request carries its node's own bootstrap token
                KubernetesClient anonymous = server.clientWithToken(null);
                long start = System.nanoTime();
                HttpClient http = anonymous.getHttpClient();
                String url = server.url() + "/apis/certificates.k8s.io/v1/certificatesigningrequests";
                Semaphore inFlight = new Semaphore(concurrency);
                for (int i = 0; i < count; i++) {
                    if (ratePerSecond > 0) {
                        // open loop: CSRs arrive at a steady rate, as kubelets of a large join would
                        long due = start + i * 1_000_000_000L / ratePerSecond;
                        long wait = due - System.nanoTime();
                        if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    inFlight.acquire();
                    HttpRequest request = http.newHttpRequestBuilder().uri(url)
                            .header("Authorization", "Bearer " + tokens.get(i).value())
                            .post("application/json", bodies.get(i)).build();
                    sentAt[i] = System.nanoTime();
                    int index = i;
                    http.sendAsync(request, String.class).whenComplete((resp, err) -> {
                        inFlight.release();
                        if (err != null || resp.code() != 201) {
                            progress.printf("create bench-%d failed: %s%n", index, err != null ? err : "HTTP " + resp.code());
                        }
                    });
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60 + count / 10);
                while (approvedAt.size() < count && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                long end = approvedAt.values().stream().mapToLong(Long::longValue).max().orElse(System.nanoTime());
                long[] latencies = new long[approvedAt.size()];
                int k = 0;
                for (int i = 0; i < count; i++) {
                    Long at = approvedAt.get("bench-" + i);
                    if (at != null) latencies[k++] = at - sentAt[i];
                }
                Arrays.sort(latencies);
                Duration wall = Duration.ofNanos(end - start);
                Runtime rt = Runtime.getRuntime();
                return new Result(count, ratePerSecond, latencies.length, wall,
                        latencies.length / Math.max(wall.toNanos() / 1e9, 1e-9),
                        percentile(latencies, 50), percentile(latencies, 90), percentile(latencies, 99),
                        percentile(latencies, 100), (rt.totalMemory() - rt.freeMemory()) / (1024 * 1024));
            }
        }
    }

    private static Duration percentile(long[] sorted, int p) {
        if (sorted.length == 0) return Duration.ZERO;
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return Duration.ofNanos(sorted[Math.max(0, Math.min(sorted.length - 1, index))]);
    }

    private static CertificateSigningRequest csr(String name, String node) {
        String pem = KubeletCsrs.client(node).pem();
        return new CertificateSigningRequestBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withNewSpec()
                .withSignerName(CsrPolicy.CLIENT_SIGNER)
                .withUsages("digital signature", "key encipherment", "client auth")
                .withRequest(Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII)))
                .endSpec().build();
    }

    /** N nodes worker-1..N on 10.200.x.y: an in-memory inventory, nothing is contacted at these addresses. */
    static Inventory inventory(int count, String apiServer) {
        KubeletSpec kubelet = new KubeletSpec(Map.of(), Map.of(), 2);
        KubeProxySpec proxy = new KubeProxySpec(ProxyMode.IPVS, "rr", Map.of(), 2);
        Ssh ssh = new Ssh("root", 22, Path.of("id_ed25519"), Path.of("known_hosts"));
        List<Node> nodes = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            nodes.add(new Node("worker-" + i, "10.200." + (i / 256) + "." + (i % 256), i - 1, Map.of(), List.of(),
                    kubelet, proxy, ssh));
        }
        return new Inventory(Path.of("bench-inventory.yaml"), SourceLocations.none(), KubeVersion.parse("1.32.4"),
                URI.create(apiServer), null, new Pki(Path.of("ca.pem"), Path.of("ca-key.pem"), null, "kubernetes", null),
                new Network("10.244.0.0/16", "10.96.0.0/12", List.of("10.96.0.10"), "cluster.local"),
                new NodePaths("/opt/k8s/bin", "/data/k8s/k8s", "/etc/kubernetes", "/etc/kubernetes/cert"),
                ContainerRuntime.containerd(), kubelet, proxy, "kubernetes-api",
                new Bootstrap(Duration.ofHours(1), "kubejoin"), ssh, io.kubejoin.inventory.Binaries.none(), true, nodes);
    }
}
