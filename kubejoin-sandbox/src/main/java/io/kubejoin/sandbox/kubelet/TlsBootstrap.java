package io.kubejoin.sandbox.kubelet;

import static io.kubejoin.sandbox.kubelet.ApiServerClient.reason;
import static io.kubejoin.sandbox.kubelet.CsrWatch.CSR_PATH;
import static io.kubejoin.sandbox.kubelet.KubeletPem.PEM_STAMP;
import static io.kubejoin.sandbox.kubelet.KubeletPem.base64;
import static io.kubejoin.sandbox.kubelet.KubeletPem.certificates;
import static io.kubejoin.sandbox.kubelet.KubeletPem.csrPem;
import static io.kubejoin.sandbox.kubelet.KubeletPem.ecKey;
import static io.kubejoin.sandbox.kubelet.KubeletPem.firstCertificate;
import static io.kubejoin.sandbox.kubelet.KubeletPem.parseKey;
import static io.kubejoin.sandbox.kubelet.KubeletPem.sec1Pem;
import static io.kubejoin.sandbox.kubelet.SimulatedKubelet.quote;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kubejoin.util.SecureFiles;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import io.kubejoin.sandbox.api.CsrSigningController;
import io.kubejoin.sandbox.node.NodeRoot;
import io.kubejoin.sandbox.kubelet.ApiServerClient.Connection;
import io.kubejoin.sandbox.kubelet.KubeletStartup.Startup;
import io.kubejoin.sandbox.kubelet.SimulatedKubelet.KubeletExit;

/**
 * The client certificate (pkg/kubelet/certificate/bootstrap): reuses {@code --kubeconfig} while its certificate is
 * valid, else bootstraps with the bootstrap kubeconfig's token (CSR, wait for the signer) and writes
 * {@code kubelet-client-<time>.pem}, the {@code kubelet-client-current.pem} symlink and {@code kubelet.kubeconfig}.
 */
final class TlsBootstrap extends KubeletPart {
    private final ApiServerClient api;
    private final CsrWatch csrs;

    TlsBootstrap(SimulatedKubelet kubelet, ApiServerClient api, CsrWatch csrs) {
        super(kubelet);
        this.api = api;
        this.csrs = csrs;
    }

    Future<Connection> clientCredential(Startup s) {
        return runtime.vertx().<Connection>executeBlocking(() -> existingKubeconfig(s), false).compose(existing -> {
            if (existing != null) return Future.succeededFuture(existing);
            return bootstrap(s);
        });
    }

    /** kubelet's LoadClientConfig: a kubeconfig whose client certificate has not expired is used as it is. */
    private Connection existingKubeconfig(Startup s) throws IOException {
        if (s.kubeconfigPath() == null) return null;
        String text = root.readOrNull(s.kubeconfigPath());
        if (text == null) return null;
        NodeRoot.Kubeconfig kc;
        try {
            kc = root.kubeconfig(text);
        } catch (IOException | RuntimeException e) {
            journal.info("bootstrap.go:85", "\"Unable to read existing bootstrap client config from " + s.kubeconfigPath() + ": " + quote(String.valueOf(e.getMessage())) + "\"");
            return null;
        }
        if (kc.clientCertPem() == null || kc.clientKeyPem() == null) return null;
        X509Certificate cert = firstCertificate(kc.clientCertPem());
        Instant now = runtime.clock().instant();
        if (cert == null || now.isAfter(cert.getNotAfter().toInstant())) {
            journal.info("bootstrap.go:95", "\"Part of the existing bootstrap client certificate in " + s.kubeconfigPath() + " is expired\"");
            return null;
        }
        journal.info("bootstrap.go:101", "\"Kubeconfig exists and is valid, skipping bootstrap\" path=\"" + s.kubeconfigPath() + "\"");
        return api.connection(kc.server(), kc.caPem(), null, certificates(kc.clientCertPem()), parseKey(kc.clientKeyPem()));
    }

    private Future<Connection> bootstrap(Startup s) {
        if (s.bootstrapKubeconfigPath() == null) {
            return Future.failedFuture(commandFailed("failed to run Kubelet: no client certificate and no --bootstrap-kubeconfig"));
        }
        return runtime.vertx().executeBlocking(() -> {
            String text = root.readOrNull(s.bootstrapKubeconfigPath());
            if (text == null) {
                throw commandFailed("failed to run Kubelet: unable to load bootstrap kubeconfig: stat " + s.bootstrapKubeconfigPath()
                        + ": no such file or directory");
            }
            NodeRoot.Kubeconfig kc = root.kubeconfig(text);
            if (s.rotateCertificates()) {
                // kubelet's LoadClientConfig with rotateCertificates: kubelet.kubeconfig is written at start, naming
                // kubelet-client-current.pem before that file exists; the certificate manager then bootstraps in the
                // background. So the kubeconfig proves nothing about a certificate.
                writeKubeconfig(s, kc);
                journal.info("server.go:871", "\"Client rotation is on, will bootstrap in background\"");
                journal.info("bootstrap.go:100", "\"Use the bootstrap credentials to request a cert, and set kubeconfig to point to the certificate dir\"");
            } else {
                journal.info("bootstrap.go:109", "\"Using bootstrap kubeconfig to generate TLS client cert, key and kubeconfig file\"");
            }
            String csrNode = options.forgeCsrForNode() != null ? options.forgeCsrForNode() : s.nodeName();
            return BootstrapStep.withNewKey(kc, api.connection(kc.server(), kc.caPem(), kc.token(), null, null), csrNode);
        }, false).compose(step -> {
            if (s.rotateCertificates()) {
                journal.info("certificate_manager.go:270", signerPrefix() + "Certificate rotation is enabled");
                // server.go: buildKubeletClientConfig only starts the certificate manager, RunKubelet returns and the
                // healthz server (:10248) starts, with no client certificate yet
                kubelet.healthzServing = true;
                return rotate(s, step, 0);
            }
            // without rotation, LoadClientCert requests the certificate in the foreground: its failure (a CSR that
            // cannot be created, or one denied or failed: WaitForCertificate's error) ends the process
            return requestCertificate(s, step).recover(e -> Future.failedFuture(e instanceof CsrCreateFailure || e instanceof CsrWatch.CsrNotSigned
                    ? commandFailed("failed to run Kubelet: " + e.getMessage()) : e));
        });
    }

    /** The certificate manager's first backoff (client-go util/certificate Start: 2 s, factor 2, jitter 0.1, 5 steps). */
    static final long FIRST_BACKOFF_MS = 2_000;
    static final int BACKOFF_STEPS = 5;
    /** Then wait.PollInfinite(32*time.Second, rotateCerts). */
    static final long POLL_MS = 32_000;

    /**
     * client-go's certificate manager (util/certificate/certificate_manager.go) with rotateCertificates: the kubelet
     * runs on while it bootstraps in the background. A CSR that cannot be created (a 401/403, a timeout, a refused
     * connection) or one that was created and then denied, failed or deleted (rotateCerts: "certificate request was
     * not signed") is logged and tried again with a new key and a new CSR: wait.ExponentialBackoff (2 s, 4 s, 8 s,
     * 16 s, each +0..10%), then "Reached backoff limit" and every 32 s, forever. Never an exit: systemd does not see it.
     */
    private Future<Connection> rotate(Startup s, BootstrapStep step, int attempt) {
        if (kubelet.stopped) return Future.failedFuture(new KubeletExit("stopped while bootstrapping its client certificate"));
        journal.info("certificate_manager.go:356", signerPrefix() + "Rotating certificates");
        // generateCSR: every attempt has its own private key
        Future<BootstrapStep> thisStep = attempt == 0 ? Future.succeededFuture(step)
                : runtime.vertx().executeBlocking(() -> BootstrapStep.withNewKey(step.kubeconfig(), step.connection(), step.csrNode()), false);
        return thisStep.compose(st -> requestCertificate(s, st)).recover(e -> {
            if (e instanceof CsrCreateFailure) {
                journal.error(failureSource(), signerPrefix() + "Failed while requesting a signed certificate from the "
                        + (version.atLeast(19) ? "control plane" : "master") + ": " + e.getMessage());
            } else if (e instanceof CsrWatch.CsrNotSigned) {
                journal.error(notSignedSource(), signerPrefix() + "certificate request was not signed: " + e.getMessage());
            } else {
                return Future.failedFuture(e);
            }
            long delay = backoff(attempt);
            if (attempt == BACKOFF_STEPS - 1) {
                journal.error("certificate_manager.go:354", signerPrefix() + "Reached backoff limit, still unable to rotate certs: timed out waiting for the condition");
            }
            io.vertx.core.Promise<Connection> next = io.vertx.core.Promise.promise();
            kubelet.bootstrapTimer = runtime.vertx().setTimer(delay, t -> rotate(s, step, attempt + 1).onComplete(next));
            if (kubelet.stopped) runtime.vertx().cancelTimer(kubelet.bootstrapTimer);
            return next.future();
        });
    }

    /** The wait after the failed try number {@code attempt} (0-based): 2, 4, 8, 16 s each +0..10% (wait.Jitter), then 32 s. */
    static long backoff(int attempt) {
        if (attempt >= BACKOFF_STEPS - 1) return POLL_MS;
        long d = FIRST_BACKOFF_MS << attempt;
        return d + (long) (java.util.concurrent.ThreadLocalRandom.current().nextDouble() * 0.1 * d);
    }

    /** "kubernetes.io/kube-apiserver-client-kubelet: " where the release's certificate manager names itself (1.19+). */
    private String signerPrefix() {
        return version.atLeast(19) ? CsrSigningController.KUBELET_CLIENT + ": " : "";
    }

    private String failureSource() {
        return version.atLeast(19) ? "certificate_manager.go:562" : "certificate_manager.go:385";
    }

    /** Where rotateCerts reports WaitForCertificate's error, a few lines below the create failure. */
    private String notSignedSource() {
        return version.atLeast(19) ? "certificate_manager.go:582" : "certificate_manager.go:395";
    }

    /** One CSR: created with the bootstrap token, then waited for; the certificate's files written. */
    private Future<Connection> requestCertificate(Startup s, BootstrapStep step) {
        List<String> usages = new ArrayList<>(List.of("digital signature"));
        if (!version.atLeast(27)) usages.add("key encipherment");
        usages.add("client auth");
        CertificateSigningRequest csr = new CertificateSigningRequestBuilder()
                .withNewMetadata().withGenerateName("csr-").endMetadata()
                .withNewSpec().withRequest(base64(step.csrPem())).withSignerName(CsrSigningController.KUBELET_CLIENT)
                .withUsages(usages).endSpec().build();
        Connection c = step.connection();
        return api.call(c, HttpMethod.POST, CSR_PATH, Serialization.asJson(csr))
                .recover(e -> Future.failedFuture(new CsrCreateFailure(api.goTransportError("Post", c, CSR_PATH, e))))
                .compose(a -> {
                    if (a.code() != 201) return Future.failedFuture(new CsrCreateFailure(reason(a)));
                    String name = Serialization.unmarshal(a.body(), CertificateSigningRequest.class).getMetadata().getName();
                    kubelet.clientCsrName = name;
                    journal.info("csr.go:254", "certificate signing request " + name + " is pending");
                    return csrs.waitForCertificate(c, name);
                }).compose(certPem -> runtime.vertx().executeBlocking(() -> writeClientFiles(s, step, certPem), false));
    }

    /** client-go's csr.RequestCertificate failing: "cannot create certificate signing request: " and the error. */
    static final class CsrCreateFailure extends RuntimeException {
        CsrCreateFailure(String err) {
            super("cannot create certificate signing request: " + err, null, false, false);
        }
    }

    private record BootstrapStep(NodeRoot.Kubeconfig kubeconfig, Connection connection, String csrNode, KeyPair keys, String csrPem) {
        /** A fresh ECDSA key and its CSR for the node name (blocking: key generation). */
        static BootstrapStep withNewKey(NodeRoot.Kubeconfig kubeconfig, Connection connection, String csrNode) throws IOException {
            KeyPair keys = ecKey();
            return new BootstrapStep(kubeconfig, connection, csrNode, keys, KubeletPem.csrPem(keys, csrNode, List.of()));
        }

        @Override
        public String toString() {
            return "BootstrapStep[redacted]";
        }
    }

    /** kubelet's certificate store and writeKubeconfigFromBootstrapping. */
    private Connection writeClientFiles(Startup s, BootstrapStep step, String certPem) throws IOException {
        String keyPem = sec1Pem(step.keys());
        String certDir = s.certDir().endsWith("/") ? s.certDir().substring(0, s.certDir().length() - 1) : s.certDir();
        String pemName = "kubelet-client-" + PEM_STAMP.format(runtime.clock().instant()) + ".pem";
        Path dir = root.local(certDir);
        Files.createDirectories(dir);
        SecureFiles.writeAtomically(dir.resolve(pemName), (certificates(certPem) + keyPem).getBytes(StandardCharsets.US_ASCII), 0600);
        Path current = dir.resolve("kubelet-client-current.pem");
        Files.deleteIfExists(current);
        Files.createSymbolicLink(current, Path.of(pemName));
        // without rotation, LoadClientCert writes the kubeconfig only now, once the certificate is there
        if (!s.rotateCertificates()) writeKubeconfig(s, step.kubeconfig());
        journal.info("certificate_store.go:130", "Loading cert/key pair from \"" + root.root().relativize(dir.resolve(pemName)) + "\".");
        if (s.rotateCertificates()) logRotationDeadline(firstCertificate(certPem));
        return api.connection(step.kubeconfig().server(), step.kubeconfig().caPem(), null, certificates(certPem), step.keys().getPrivate());
    }

    /**
     * The manager's next turn once it holds the certificate (nextRotationDeadline: 70..90% of its lifetime), as the
     * reference log shows it: what tells a reader of its lines, kubejoin's wait-ready among them, that the client
     * certificate is there and an earlier denial or refusal is over.
     */
    private void logRotationDeadline(X509Certificate cert) {
        if (cert == null) return;
        Instant notBefore = cert.getNotBefore().toInstant();
        Instant notAfter = cert.getNotAfter().toInstant();
        long total = java.time.Duration.between(notBefore, notAfter).toNanos();
        double share = 0.7 + 0.2 * java.util.concurrent.ThreadLocalRandom.current().nextDouble();
        Instant deadline = notBefore.plusNanos((long) (total * share));
        journal.info("certificate_manager.go:270", signerPrefix() + "Certificate expiration is " + goTime(notAfter)
                + ", rotation deadline is " + goTime(deadline));
        journal.info("certificate_manager.go:270", signerPrefix() + "Waiting "
                + goDuration(java.time.Duration.between(runtime.clock().instant(), deadline)) + " for next certificate rotation");
    }

    /** Go's time.Time.String() for a UTC time: "2027-12-05 16:09:57 +0000 UTC", nanoseconds when there are any. */
    static String goTime(Instant t) {
        String nanos = t.getNano() == 0 ? "" : ("." + String.format("%09d", t.getNano())).replaceAll("0+$", "");
        return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(java.time.ZoneOffset.UTC).format(t)
                + nanos + " +0000 UTC";
    }

    /** Go's time.Duration.String() for a positive duration: "6965h55m32.445560874s". */
    static String goDuration(java.time.Duration d) {
        if (d.isNegative() || d.isZero()) return "0s";
        String seconds = d.toSecondsPart() + (d.toNanosPart() == 0 ? "" : ("." + String.format("%09d", d.toNanosPart())).replaceAll("0+$", ""));
        if (d.toHours() > 0) return d.toHours() + "h" + d.toMinutesPart() + "m" + seconds + "s";
        if (d.toMinutesPart() > 0) return d.toMinutesPart() + "m" + seconds + "s";
        return seconds + "s";
    }

    /** kubelet's writeKubeconfigFromBootstrapping: the bootstrap kubeconfig's cluster, kubelet-client-current.pem as user. */
    private void writeKubeconfig(Startup s, NodeRoot.Kubeconfig bootstrap) throws IOException {
        if (s.kubeconfigPath() == null) return;
        String certDir = s.certDir().endsWith("/") ? s.certDir().substring(0, s.certDir().length() - 1) : s.certDir();
        String currentNodePath = certDir + "/kubelet-client-current.pem";
        String kubeconfig = "apiVersion: v1\n"
                + "clusters:\n- cluster:\n"
                + "    certificate-authority-data: " + base64(bootstrap.caPem() == null ? "" : bootstrap.caPem()) + "\n"
                + "    server: " + bootstrap.server() + "\n"
                + "  name: default-cluster\n"
                + "contexts:\n- context:\n    cluster: default-cluster\n    namespace: default\n    user: default-auth\n"
                + "  name: default-context\n"
                + "current-context: default-context\n"
                + "kind: Config\n"
                + "preferences: {}\n"
                + "users:\n- name: default-auth\n  user:\n"
                + "    client-certificate: " + currentNodePath + "\n"
                + "    client-key: " + currentNodePath + "\n";
        Path kc = root.local(s.kubeconfigPath());
        Files.createDirectories(kc.getParent());
        SecureFiles.writeAtomically(kc, kubeconfig.getBytes(StandardCharsets.UTF_8), 0600);
    }
}
