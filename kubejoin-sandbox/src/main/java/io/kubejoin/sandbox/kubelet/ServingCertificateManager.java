package io.kubejoin.sandbox.kubelet;

import static io.kubejoin.sandbox.kubelet.ApiServerClient.reason;
import static io.kubejoin.sandbox.kubelet.CsrWatch.CSR_PATH;
import static io.kubejoin.sandbox.kubelet.KubeletPem.PEM_STAMP;
import static io.kubejoin.sandbox.kubelet.KubeletPem.base64;
import static io.kubejoin.sandbox.kubelet.KubeletPem.certificates;
import static io.kubejoin.sandbox.kubelet.KubeletPem.chain;
import static io.kubejoin.sandbox.kubelet.KubeletPem.csrPem;
import static io.kubejoin.sandbox.kubelet.KubeletPem.ecKey;
import static io.kubejoin.sandbox.kubelet.KubeletPem.sec1Pem;

import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kubejoin.util.SecureFiles;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.KeyCertOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.x509.GeneralName;
import io.kubejoin.sandbox.api.CsrSigningController;
import io.kubejoin.sandbox.kubelet.ApiServerClient.Connection;
import io.kubejoin.sandbox.kubelet.KubeletStartup.Startup;

/** The serving certificate manager (serverTLSBootstrap): its CSR, its files, and kubelet's HTTPS listener on :10250. */
final class ServingCertificateManager extends KubeletPart {
    /** Port of kubelet's authenticated HTTPS API (KubeletConfiguration port, default 10250). */
    static final int KUBELET_PORT = 10250;

    private final ApiServerClient api;
    private final CsrWatch csrs;

    ServingCertificateManager(SimulatedKubelet kubelet, ApiServerClient api, CsrWatch csrs) {
        super(kubelet);
        this.api = api;
        this.csrs = csrs;
    }

    /**
     * kubelet's addressesToHostnamesAndIPs: the serving request names what its Node status holds, Hostname and
     * InternalDNS/ExternalDNS as DNS names (an IP-looking Hostname as an IP), InternalIP/ExternalIP as IPs, each
     * once, DNS names sorted, IPs in byte order.
     */
    static List<GeneralName> servingSans(List<NodeAddress> addresses) {
        java.util.TreeSet<String> dns = new java.util.TreeSet<>();
        java.util.TreeMap<String, byte[]> ips = new java.util.TreeMap<>();
        for (NodeAddress a : addresses) {
            String v = a.getAddress();
            if (v == null || v.isEmpty()) continue;
            byte[] ip = ipBytes(v);
            switch (a.getType()) {
                case "Hostname" -> {
                    if (ip != null) ips.put(HexFormat.of().formatHex(ip16(ip)), ip);
                    else dns.add(v);
                }
                case "InternalIP", "ExternalIP" -> {
                    if (ip != null) ips.put(HexFormat.of().formatHex(ip16(ip)), ip);
                }
                case "InternalDNS", "ExternalDNS" -> dns.add(v);
                default -> {
                }
            }
        }
        List<GeneralName> sans = new ArrayList<>();
        dns.forEach(d -> sans.add(new GeneralName(GeneralName.dNSName, d)));
        ips.values().forEach(b -> sans.add(new GeneralName(GeneralName.iPAddress, new org.bouncycastle.asn1.DEROctetString(b))));
        return sans;
    }

    /** The address's bytes when it is an IP literal (never a DNS lookup), else null. */
    private static byte[] ipBytes(String v) {
        if (!v.matches("[0-9.]+") && !(v.contains(":") && v.matches("[0-9A-Fa-f:.]+"))) return null;
        try {
            return java.net.InetAddress.getByName(v).getAddress();
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    /** Go compares IPs in their 16-byte form (IPv4 as ::ffff:a.b.c.d). */
    private static byte[] ip16(byte[] ip) {
        if (ip.length == 16) return ip;
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(ip, 0, b, 12, 4);
        return b;
    }

    /**
     * The serving certificate manager with serverTLSBootstrap: files the CSR as the node, and (without holding up
     * Ready, as kubelet) waits for its certificate, then writes {@code kubelet-server-<time>.pem} and the
     * {@code kubelet-server-current.pem} symlink in the cert dir.
     */
    Future<Void> servingCsr(Startup s, Connection c) {
        return rotate(s, c, 0);
    }

    /**
     * One rotateCerts of the serving manager: a CSR that cannot be created, or that is denied, failed or deleted, is
     * logged and tried again with a new key on the certificate manager's backoff ({@link TlsBootstrap#backoff}), as for
     * the client certificate; the node stays Ready meanwhile.
     */
    private Future<Void> rotate(Startup s, Connection c, int attempt) {
        if (kubelet.stopped) return Future.succeededFuture();
        KeyPair[] keyHolder = new KeyPair[1];
        return runtime.vertx().executeBlocking(() -> {
            KeyPair keys = ecKey();
            keyHolder[0] = keys;
            return csrPem(keys, s.nodeName(), servingSans(NodeRegistration.addresses(s, options)));
        }, false).compose(pem -> {
            List<String> usages = new ArrayList<>(List.of("digital signature"));
            if (!version.atLeast(27)) usages.add("key encipherment");
            usages.add("server auth");
            CertificateSigningRequest csr = new CertificateSigningRequestBuilder()
                    .withNewMetadata().withGenerateName("csr-").endMetadata()
                    .withNewSpec().withRequest(base64(pem)).withSignerName(CsrSigningController.KUBELET_SERVING)
                    .withUsages(usages).endSpec().build();
            journal.info("certificate_manager.go:356", CsrSigningController.KUBELET_SERVING + ": Rotating certificates");
            return api.call(c, HttpMethod.POST, CSR_PATH, Serialization.asJson(csr))
                    .recover(e -> Future.succeededFuture(new ApiServerClient.Answer(-1, api.goTransportError("Post", c, CSR_PATH, e))));
        }).compose(a -> {
            if (a.code() != 201) {
                journal.error("certificate_manager.go:562", CsrSigningController.KUBELET_SERVING
                        + ": Failed while requesting a signed certificate from the control plane: cannot create certificate signing request: "
                        + (a.code() < 0 ? a.body() : reason(a)));
                retryLater(s, c, attempt);
                return Future.succeededFuture(); // the node stays Ready; the real kubelet retries in the background
            }
            String name = Serialization.unmarshal(a.body(), CertificateSigningRequest.class).getMetadata().getName();
            kubelet.servingCsrName = name;
            csrs.waitForCertificate(c, name)
                    .compose(certPem -> runtime.vertx().executeBlocking(() -> writeServingFiles(s, keyHolder[0], certPem), false))
                    .onFailure(e -> {
                        if (kubelet.stopped) return;
                        journal.error("certificate_manager.go:582", CsrSigningController.KUBELET_SERVING
                                + ": certificate request was not signed: " + e.getMessage());
                        retryLater(s, c, attempt);
                    });
            return Future.succeededFuture();
        });
    }

    private void retryLater(Startup s, Connection c, int attempt) {
        if (kubelet.stopped) return;
        if (attempt == TlsBootstrap.BACKOFF_STEPS - 1) {
            journal.error("certificate_manager.go:354", CsrSigningController.KUBELET_SERVING
                    + ": Reached backoff limit, still unable to rotate certs: timed out waiting for the condition");
        }
        kubelet.servingTimer = runtime.vertx().setTimer(TlsBootstrap.backoff(attempt), t -> rotate(s, c, attempt + 1));
        if (kubelet.stopped) runtime.vertx().cancelTimer(kubelet.servingTimer);
    }

    private Void writeServingFiles(Startup s, KeyPair keys, String certPem) throws IOException {
        String certDir = s.certDir().endsWith("/") ? s.certDir().substring(0, s.certDir().length() - 1) : s.certDir();
        String pemName = "kubelet-server-" + PEM_STAMP.format(runtime.clock().instant()) + ".pem";
        Path dir = root.local(certDir);
        journal.info("certificate_store.go:130", "Loading cert/key pair from \"" + root.root().relativize(dir.resolve(pemName)) + "\".");
        // a real kubelet serves :10250 from its start and takes the new certificate in memory the moment it writes
        // the file: so the listener is up before the file shows (never a file on disk with :10250 still refusing)
        try {
            serve(s.nodeIp(), chain(certPem), keys.getPrivate()).toCompletionStage().toCompletableFuture()
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // logged by serve(); the file is still written, as the real certificate manager does
        }
        Files.createDirectories(dir);
        SecureFiles.writeAtomically(dir.resolve(pemName), (certificates(certPem) + sec1Pem(keys)).getBytes(StandardCharsets.US_ASCII), 0600);
        Path current = dir.resolve("kubelet-server-current.pem");
        Files.deleteIfExists(current);
        Files.createSymbolicLink(current, Path.of(pemName));
        kubelet.servingCertificateWritten = true;
        return null;
    }

    /**
     * kubelet's HTTPS server on address:10250 with the serving certificate, so that a TLS handshake shows it as
     * on a real node (kubejoin status reads its expiry that way). Every request is answered 401, as kubelet does
     * for a client without credentials; no kubelet API is simulated. A sandbox node's address is its own loopback
     * address, so the nodes' listeners do not collide.
     */
    private Future<Void> serve(String address, X509Certificate[] chain, PrivateKey key) {
        // never a wildcard address: many simulated nodes share this machine
        if (address == null || kubelet.stopped || address.equals("0.0.0.0") || address.equals("::")) return Future.succeededFuture();
        io.vertx.core.http.HttpServerOptions o = new io.vertx.core.http.HttpServerOptions().setHost(address)
                .setPort(KUBELET_PORT).setSsl(true)
                .setKeyCertOptions(KeyCertOptions.wrap(new ClientKeyManager(key, chain)));
        io.vertx.core.http.HttpServer server = runtime.vertx().createHttpServer(o).requestHandler(req ->
                req.response().setStatusCode(401).putHeader("Content-Type", "text/plain").end("Unauthorized"));
        return server.listen().onSuccess(v -> {
            kubelet.servingServer = server;
            if (kubelet.stopped) server.close();
            journal.info("server.go:163", "\"Starting to listen\" address=\"" + address + "\" port=" + KUBELET_PORT);
        }).onFailure(e -> journal.error("server.go:175", "\"Failed to listen and serve\" err=\"listen tcp " + address + ":"
                + KUBELET_PORT + ": bind: " + e.getMessage() + "\"")).mapEmpty();
    }
}
