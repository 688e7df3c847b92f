package io.kubejoin.cluster;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestConditionBuilder;
import io.kubejoin.pki.KeySpec;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Whether kube-controller-manager signs, asked of the signer itself: a throwaway CSR for
 * {@code kubernetes.io/kube-apiserver-client}, for user {@value #USER} with no group (no binding names it, so the
 * certificate could do nothing; its key is never written and is dropped at once), 10 minutes (the shortest the API
 * allows), approved through the /approval subresource as any approval, waited for a few seconds, then deleted.
 */
final class SigningProof {
    static final String USER = "kubejoin:signing-probe";
    static final String SIGNER = "kubernetes.io/kube-apiserver-client";
    private static final SecureRandom RANDOM = new SecureRandom();

    enum Outcome { SIGNED, NOT_SIGNED, UNPROVEN }

    record Result(Outcome outcome, Duration took, String detail) {
    }

    private final KubeConnection admin;
    private final Clock clock;
    private final Duration wait;

    SigningProof(KubeConnection admin, Clock clock, Duration wait) {
        this.admin = admin;
        this.clock = clock;
        this.wait = wait;
    }

    Result run() {
        byte[] id = new byte[4];
        RANDOM.nextBytes(id);
        String name = "kubejoin-signing-probe-" + HexFormat.of().formatHex(id);
        var csrs = admin.client().certificates().v1().certificateSigningRequests();
        CertificateSigningRequest csr = new CertificateSigningRequestBuilder()
                .withNewMetadata().withName(name).addToLabels("app.kubernetes.io/managed-by", "kubejoin").endMetadata()
                .withNewSpec().withSignerName(SIGNER).withUsages("digital signature", "client auth")
                .withExpirationSeconds(600).withRequest(Base64.getEncoder().encodeToString(request().getBytes(StandardCharsets.US_ASCII)))
                .endSpec().build();
        Instant start = clock.instant();
        try {
            csrs.resource(csr).create();
        } catch (RuntimeException e) {
            return new Result(Outcome.UNPROVEN, Duration.ZERO, "creating a CSR was refused: " + firstLine(e));
        }
        try {
            try {
                CertificateSigningRequestCondition approved = new CertificateSigningRequestConditionBuilder()
                        .withType("Approved").withStatus("True").withReason("KubejoinSigningProbe")
                        .withMessage("kubejoin preflight: does kube-controller-manager sign?").build();
                csrs.withName(name).approve(approved);
            } catch (RuntimeException e) {
                return new Result(Outcome.UNPROVEN, Duration.ZERO, "approving a CSR was refused: " + firstLine(e));
            }
            Instant approvedAt = clock.instant();
            Instant giveUp = approvedAt.plus(wait);
            while (true) {
                CertificateSigningRequest now = csrs.withName(name).get();
                if (now != null && now.getStatus() != null) {
                    if (now.getStatus().getCertificate() != null && !now.getStatus().getCertificate().isEmpty()) {
                        return new Result(Outcome.SIGNED, Duration.between(approvedAt, clock.instant()), "");
                    }
                    // a Failed condition is the signer's own answer: it runs
                    List<CertificateSigningRequestCondition> conds = now.getStatus().getConditions();
                    if (conds != null && conds.stream().anyMatch(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus()))) {
                        return new Result(Outcome.SIGNED, Duration.between(approvedAt, clock.instant()), "failed by the signer");
                    }
                }
                if (!clock.instant().isBefore(giveUp)) {
                    return new Result(Outcome.NOT_SIGNED, Duration.between(start, clock.instant()), "");
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return new Result(Outcome.UNPROVEN, Duration.ZERO, "interrupted");
                }
            }
        } finally {
            try {
                csrs.withName(name).delete();
            } catch (RuntimeException e) {
                // harmless: a CSR expires from the API by itself (the csrcleaner removes it within hours)
            }
        }
    }

    /** PKCS#10 for CN=kubejoin:signing-probe, no organisation; the private key goes out of scope here. */
    private static String request() {
        KeyPair pair = KeySpec.ECDSA_256.generate();
        try {
            PKCS10CertificationRequest req = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + USER), pair.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
            StringWriter out = new StringWriter();
            try (JcaPEMWriter w = new JcaPEMWriter(out)) {
                w.writeObject(req);
            }
            return out.toString();
        } catch (OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot make the signing probe's request", e);
        }
    }

    private static String firstLine(RuntimeException e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
