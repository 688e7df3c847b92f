package io.kubejoin.sandbox.api;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestConditionBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestList;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatus;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kubejoin.pki.Certificates;
import io.kubejoin.version.KubeVersion;
import io.kubejoin.version.VersionRules;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import io.kubejoin.sandbox.tls.SandboxCa;

/**
 * Stands for kube-controller-manager's csrsigning controller (pkg/controller/certificates/signer) for the
 * two signers kubelets use, {@code kubernetes.io/kube-apiserver-client-kubelet} and
 * {@code kubernetes.io/kubelet-serving}, and {@code kubernetes.io/kube-apiserver-client}, plus the
 * controller-manager's leader lease (none with {@link #leaderElect(boolean) --leader-elect=false}). Approved CSRs for
 * these signers are validated as the real controller does (ValidateKubeletClientCSR /
 * ValidateKubeletServingCSR, with the cluster release's usage rule from {@link VersionRules}); an invalid one gets a
 * {@code Failed} condition (reason SignerValidationFailure; before 1.19 nothing at all), a valid one gets
 * {@code status.certificate}. CSRs for other signers are left
 * alone. Stopping it reproduces T2: approved CSRs stay without a certificate and the lease goes stale.
 * Driven by the registry's change notices (the real one by an informer), with a full resync on start.
 */
public final class CsrSigningController {
    public static final String KUBELET_CLIENT = "kubernetes.io/kube-apiserver-client-kubelet";
    public static final String KUBELET_SERVING = "kubernetes.io/kubelet-serving";
    public static final String API_SERVER_CLIENT = "kubernetes.io/kube-apiserver-client";
    private static final Logger LOG = Logger.getLogger(CsrSigningController.class.getName());
    /** The real signer's backdate; also its lower bound on requested durations is 2 × this. */
    private static final Duration BACKDATE = Duration.ofMinutes(5);
    /** Below this TTL the certificate keeps its full requested lifetime after the backdated notBefore. */
    private static final Duration SHORT = Duration.ofHours(8);
    private static final Set<String> CLIENT_USAGES = Set.of("digital signature", "key encipherment", "client auth");
    private static final Set<String> CLIENT_USAGES_NO_RSA = Set.of("digital signature", "client auth");
    private static final Set<String> SERVING_USAGES = Set.of("digital signature", "key encipherment", "server auth");
    private static final Set<String> SERVING_USAGES_NO_RSA = Set.of("digital signature", "server auth");

    private final ObjectStore store;
    /** The cluster's release: which usage sets its kubelet signers accept, and how they report a refusal. */
    private final KubeVersion release;
    private final SandboxCa ca;
    private final Clock clock;
    private final Duration certTtl;
    private final Duration leaseRenewInterval;
    private final ControllerManagerLease lease;
    private volatile CsrRegistry registry;
    private ScheduledExecutorService executor;
    private volatile boolean running;
    /** kube-controller-manager --leader-elect (default true); false: it signs without ever taking a Lease. */
    private volatile boolean leaderElect = true;

    CsrSigningController(ObjectStore store, SandboxCa ca, KubeVersion release, Clock clock, Duration certTtl,
                         Duration leaseDuration, Duration leaseRenewInterval) {
        this.store = store;
        this.release = release;
        this.ca = ca;
        this.clock = clock;
        this.certTtl = certTtl;
        this.leaseRenewInterval = leaseRenewInterval;
        this.lease = new ControllerManagerLease(store, clock, leaseDuration);
    }

    void attach(CsrRegistry registry) {
        this.registry = registry;
    }

    public boolean running() {
        return running;
    }

    /**
     * kube-controller-manager --leader-elect=false (a single control-plane node): it signs as before but holds no
     * Lease. Takes effect at the next {@link #start()}.
     */
    public void leaderElect(boolean on) {
        this.leaderElect = on;
    }

    /** Starts the "controller-manager": takes the lease, signs every approved unsigned CSR, then follows changes. */
    public synchronized void start() {
        if (running) return;
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sandbox-kube-controller-manager");
            t.setDaemon(true);
            return t;
        });
        running = true;
        if (leaderElect) {
            lease.newHolder();
            long every = Math.max(10, leaseRenewInterval.toMillis());
            executor.scheduleAtFixedRate(this::renewLease, 0, every, TimeUnit.MILLISECONDS);
        }
        executor.execute(this::resync);
    }

    /** Stops it, as if kube-controller-manager were not running: no more signing, no more lease renewals. */
    public synchronized void stop() {
        if (!running) return;
        running = false;
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The registry's notice that CSR {@code name} changed. */
    void enqueue(String name) {
        ScheduledExecutorService e = executor;
        if (!running || e == null) return;
        try {
            e.execute(() -> handleSafely(name));
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // stopped meanwhile: the next start() resyncs
        }
    }

    private void renewLease() {
        if (!running) return;
        try {
            lease.renew();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "sandbox controller-manager: cannot renew its lease", e);
        }
    }

    private void resync() {
        String list = store.get(CsrRegistry.COLLECTION).orElse(null);
        if (list == null) return;
        CertificateSigningRequestList csrs = Serialization.unmarshal(list, CertificateSigningRequestList.class);
        if (csrs.getItems() == null) return;
        for (CertificateSigningRequest csr : csrs.getItems()) {
            if (!running) return;
            handleSafely(csr.getMetadata().getName());
        }
    }

    private void handleSafely(String name) {
        if (!running) return;
        try {
            handle(name);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "sandbox csrsigning: cannot handle CSR " + name, e);
        }
    }

    private void handle(String name) {
        var found = store.get(CsrRegistry.path(name), CertificateSigningRequest.class);
        if (found.isEmpty()) return;
        CertificateSigningRequest csr = found.get();
        CertificateSigningRequestStatus status = csr.getStatus() == null ? new CertificateSigningRequestStatus() : csr.getStatus();
        List<CertificateSigningRequestCondition> conditions = status.getConditions() == null ? List.of() : status.getConditions();
        if (!hasTrue(conditions, CsrRegistry.APPROVED) || hasTrue(conditions, CsrRegistry.FAILED)) return;
        if (hasTrue(conditions, CsrRegistry.DENIED)) return;
        if (status.getCertificate() != null && !status.getCertificate().isEmpty()) return;
        String signerName = csr.getSpec().getSignerName();
        if (!KUBELET_CLIENT.equals(signerName) && !KUBELET_SERVING.equals(signerName) && !API_SERVER_CLIENT.equals(signerName)) return;
        JcaPKCS10CertificationRequest request;
        try {
            request = CertificateRequests.parseSpecRequest(csr.getSpec().getRequest());
        } catch (IllegalArgumentException e) {
            LOG.fine(() -> "unable to parse csr " + name + ": " + e.getMessage());
            return;
        }
        Set<String> usages = new HashSet<>(csr.getSpec().getUsages() == null ? List.of() : csr.getSpec().getUsages());
        boolean keyEnciphermentRequired = VersionRules.signerRequiresKeyEncipherment(release);
        String invalid = KUBELET_CLIENT.equals(signerName) ? validateKubeletClient(request, usages, keyEnciphermentRequired)
                : KUBELET_SERVING.equals(signerName) ? validateKubeletServing(request, usages, keyEnciphermentRequired)
                : validateApiServerClient(csr.getSpec().getUsages() == null ? List.of() : csr.getSpec().getUsages());
        List<CertificateSigningRequestCondition> next = new ArrayList<>(conditions);
        if (invalid != null && !VersionRules.signerMarksRefusalFailed(release)) {
            // 1.18: the request stays approved without a certificate, and nobody is told why
            LOG.fine(() -> "csr " + name + " not signed: " + invalid);
            return;
        }
        if (invalid != null) {
            next.add(new CertificateSigningRequestConditionBuilder().withType(CsrRegistry.FAILED).withStatus("True")
                    .withReason("SignerValidationFailure").withMessage(invalid)
                    .withLastUpdateTime(CsrRegistry.time(clock.instant())).build());
            status.setConditions(next);
        } else {
            X509Certificate cert = sign(request, csr.getSpec().getUsages(), csr.getSpec().getExpirationSeconds());
            status.setCertificate(Base64.getEncoder().encodeToString(Certificates.toPem(cert).getBytes(StandardCharsets.UTF_8)));
        }
        csr.setStatus(status);
        CsrRegistry r = registry;
        if (r == null) throw new IllegalStateException("signer not attached to the CSR registry");
        var response = r.status(name, Serialization.asJson(csr));
        if (response.code() == 409) {
            enqueue(name); // changed meanwhile (e.g. re-approved): like the real controller, requeue and look again
        } else if (response.code() / 100 != 2) {
            LOG.warning("sandbox csrsigning: status update of CSR " + name + " answered " + response.code());
        }
    }

    private static boolean hasTrue(List<CertificateSigningRequestCondition> conditions, String type) {
        return conditions.stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /**
     * ValidateKubeletClientCSR (pkg/apis/certificates), with its error texts; until 1.24 only the usage set with key
     * encipherment passes (VersionRules).
     */
    static String validateKubeletClient(JcaPKCS10CertificationRequest req, Set<String> usages,
                                        boolean keyEnciphermentRequired) {
        String common = validateNodeSubject(req);
        if (common != null) return common;
        Sans sans = sans(req);
        if (!sans.dns.isEmpty()) return "DNS subjectAltNames are not allowed";
        if (sans.emails > 0) return "Email subjectAltNames are not allowed";
        if (!sans.ips.isEmpty()) return "IP subjectAltNames are not allowed";
        if (sans.uris > 0) return "URI subjectAltNames are not allowed";
        if (!commonName(req).startsWith(UserInfo.NODE_PREFIX)) return "subject common name does not begin with system:node:";
        if (!usages.equals(CLIENT_USAGES) && (keyEnciphermentRequired || !usages.equals(CLIENT_USAGES_NO_RSA))) {
            return "usages did not match [client auth digital signature key encipherment]";
        }
        return null;
    }

    /**
     * kubernetes.io/kube-apiserver-client (signer.go, validAPIServerClientUsages): any subject; client auth required,
     * digital signature and key encipherment optional, nothing else.
     */
    static String validateApiServerClient(List<String> usages) {
        boolean clientAuth = false;
        for (String u : usages) {
            switch (u) {
                case "digital signature", "key encipherment" -> { }
                case "client auth" -> clientAuth = true;
                default -> {
                    return "invalid usage for client certificate: " + u;
                }
            }
        }
        return clientAuth ? null : "missing required usage for client certificate: client auth";
    }

    /** ValidateKubeletServingCSR, the same way. */
    static String validateKubeletServing(JcaPKCS10CertificationRequest req, Set<String> usages,
                                         boolean keyEnciphermentRequired) {
        String common = validateNodeSubject(req);
        if (common != null) return common;
        Sans sans = sans(req);
        if (sans.dns.isEmpty() && sans.ips.isEmpty()) return "DNS or IP subjectAltName is required";
        if (sans.emails > 0) return "Email subjectAltNames are not allowed";
        if (sans.uris > 0) return "URI subjectAltNames are not allowed";
        if (!usages.equals(SERVING_USAGES) && (keyEnciphermentRequired || !usages.equals(SERVING_USAGES_NO_RSA))) {
            return "usages did not match [digital signature key encipherment server auth]";
        }
        if (!commonName(req).startsWith(UserInfo.NODE_PREFIX)) return "subject common name does not begin with system:node:";
        return null;
    }

    private static String validateNodeSubject(JcaPKCS10CertificationRequest req) {
        List<String> orgs = new ArrayList<>();
        for (RDN rdn : req.getSubject().getRDNs(BCStyle.O)) orgs.add(IETFUtils.valueToString(rdn.getFirst().getValue()));
        if (!orgs.equals(List.of(UserInfo.NODES))) return "subject organization is not system:nodes";
        return null;
    }

    private static String commonName(JcaPKCS10CertificationRequest req) {
        RDN[] cn = req.getSubject().getRDNs(BCStyle.CN);
        return cn.length == 0 ? "" : IETFUtils.valueToString(cn[0].getFirst().getValue());
    }

    private record Sans(List<String> dns, List<GeneralName> ips, int emails, int uris, GeneralName[] all) {
    }

    private static Sans sans(JcaPKCS10CertificationRequest req) {
        List<String> dns = new ArrayList<>();
        List<GeneralName> ips = new ArrayList<>();
        int emails = 0;
        int uris = 0;
        GeneralName[] all = new GeneralName[0];
        var attrs = req.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest);
        for (var attr : attrs) {
            for (var value : attr.getAttrValues()) {
                Extensions ext = Extensions.getInstance(value);
                GeneralNames names = GeneralNames.fromExtensions(ext, Extension.subjectAlternativeName);
                if (names == null) continue;
                all = names.getNames();
                for (GeneralName n : all) {
                    switch (n.getTagNo()) {
                        case GeneralName.dNSName -> dns.add(n.getName().toString());
                        case GeneralName.iPAddress -> ips.add(n);
                        case GeneralName.rfc822Name -> emails++;
                        case GeneralName.uniformResourceIdentifier -> uris++;
                        default -> {
                        }
                    }
                }
            }
        }
        return new Sans(dns, ips, emails, uris, all);
    }

    /** The signer's duration(): the cluster TTL unless a shorter expirationSeconds is asked, never under 10 minutes. */
    Duration duration(Integer expirationSeconds) {
        if (expirationSeconds == null) return certTtl;
        Duration requested = Duration.ofSeconds(expirationSeconds);
        Duration min = BACKDATE.multipliedBy(2);
        if (requested.compareTo(certTtl) > 0) return certTtl;
        if (requested.compareTo(min) < 0) return min;
        return requested;
    }

    private X509Certificate sign(JcaPKCS10CertificationRequest req, List<String> usageNames, Integer expirationSeconds) {
        Instant now = clock.instant();
        Duration ttl = duration(expirationSeconds);
        Instant notBefore = now.minus(BACKDATE);
        Instant notAfter = ttl.compareTo(SHORT) < 0 ? now.plus(ttl) : notBefore.plus(ttl);
        int keyUsage = 0;
        List<KeyPurposeId> ext = new ArrayList<>();
        for (String u : usageNames) {
            switch (u) {
                case "signing", "digital signature" -> keyUsage |= KeyUsage.digitalSignature;
                case "content commitment" -> keyUsage |= KeyUsage.nonRepudiation;
                case "key encipherment" -> keyUsage |= KeyUsage.keyEncipherment;
                case "key agreement" -> keyUsage |= KeyUsage.keyAgreement;
                case "data encipherment" -> keyUsage |= KeyUsage.dataEncipherment;
                case "cert sign" -> keyUsage |= KeyUsage.keyCertSign;
                case "crl sign" -> keyUsage |= KeyUsage.cRLSign;
                case "encipher only" -> keyUsage |= KeyUsage.encipherOnly;
                case "decipher only" -> keyUsage |= KeyUsage.decipherOnly;
                case "any" -> ext.add(KeyPurposeId.anyExtendedKeyUsage);
                case "server auth" -> ext.add(KeyPurposeId.id_kp_serverAuth);
                case "client auth" -> ext.add(KeyPurposeId.id_kp_clientAuth);
                case "code signing" -> ext.add(KeyPurposeId.id_kp_codeSigning);
                case "email protection", "s/mime" -> ext.add(KeyPurposeId.id_kp_emailProtection);
                case "ipsec end system" -> ext.add(KeyPurposeId.id_kp_ipsecEndSystem);
                case "ipsec tunnel" -> ext.add(KeyPurposeId.id_kp_ipsecTunnel);
                case "ipsec user" -> ext.add(KeyPurposeId.id_kp_ipsecUser);
                case "timestamping" -> ext.add(KeyPurposeId.id_kp_timeStamping);
                case "ocsp signing" -> ext.add(KeyPurposeId.id_kp_OCSPSigning);
                default -> {
                    // microsoft/netscape sgc have no Bouncy Castle constant; the validated kubelet signers never carry them
                }
            }
        }
        X500Name subject = req.getSubject();
        return ca.sign(subject, req.getSubjectPublicKeyInfo(), sans(req).all(), keyUsage, ext, notBefore, notAfter);
    }
}
