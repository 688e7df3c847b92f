package io.kubejoin.sandbox.api;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/** certificates.k8s.io/v1 request helpers shared by the API validation and the signer (pkg/apis/certificates). */
public final class CertificateRequests {
    /** The KeyUsage values certificates.k8s.io/v1 accepts. */
    static final Set<String> KNOWN_USAGES = Set.of("signing", "digital signature", "content commitment",
            "key encipherment", "key agreement", "data encipherment", "cert sign", "crl sign", "encipher only",
            "decipher only", "any", "server auth", "client auth", "code signing", "email protection", "s/mime",
            "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing", "microsoft sgc",
            "netscape sgc");

    private CertificateRequests() {
    }

    /** spec.request as sent in JSON (base64 of the PEM) → the PKCS#10 request, signature checked, as ParseCSR + CheckSignature. */
    public static JcaPKCS10CertificationRequest parseSpecRequest(String base64Pem) {
        // the registry checks a request when the CSR is created, the signer again when it signs: the same bytes,
        // verified once (spec.request cannot change after create)
        synchronized (VERIFIED) {
            JcaPKCS10CertificationRequest known = VERIFIED.get(base64Pem);
            if (known != null) return known;
        }
        JcaPKCS10CertificationRequest csr = parseSpecRequestUncached(base64Pem);
        synchronized (VERIFIED) {
            VERIFIED.put(base64Pem, csr);
        }
        return csr;
    }

    /** Requests whose signature has been checked, by spec.request; the most recent few thousand. */
    private static final java.util.Map<String, JcaPKCS10CertificationRequest> VERIFIED =
            new java.util.LinkedHashMap<>(256, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<String, JcaPKCS10CertificationRequest> e) {
                    return size() > 4096;
                }
            };

    private static JcaPKCS10CertificationRequest parseSpecRequestUncached(String base64Pem) {
        byte[] pem;
        try {
            pem = Base64.getDecoder().decode(base64Pem);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("illegal base64 data");
        }
        return parsePem(new String(pem, StandardCharsets.UTF_8));
    }

    static JcaPKCS10CertificationRequest parsePem(String pem) {
        PemObject block;
        try (PemReader r = new PemReader(new StringReader(pem))) {
            block = r.readPemObject();
        } catch (IOException | RuntimeException e) {
            block = null;
        }
        if (block == null || !"CERTIFICATE REQUEST".equals(block.getType())) {
            throw new IllegalArgumentException("PEM block type must be CERTIFICATE REQUEST");
        }
        JcaPKCS10CertificationRequest csr;
        try {
            csr = new JcaPKCS10CertificationRequest(block.getContent());
        } catch (RuntimeException | IOException e) {
            throw new IllegalArgumentException("x509: malformed certificate request");
        }
        String jdkAlgorithm = JDK_SIGNATURES.get(csr.getSignatureAlgorithm().getAlgorithm().getId());
        if (jdkAlgorithm != null && csr.getSignatureAlgorithm().getParameters() == null) {
            // the common algorithms straight through the JDK: BouncyCastle's content verifier checks an ECDSA or
            // RSA signature twice (a second, "raw" Signature it verifies and ignores), for the same answer
            if (!verifiedByJdk(csr, jdkAlgorithm)) throw new IllegalArgumentException("x509: ECDSA/RSA verification failure");
            return csr;
        }
        try {
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(publicKey(csr)))) {
                throw new IllegalArgumentException("x509: ECDSA/RSA verification failure");
            }
        } catch (OperatorCreationException | PKCSException e) {
            throw new IllegalArgumentException("x509: cannot verify signature: " + e.getMessage());
        }
        return csr;
    }

    /** Signature algorithm OIDs without parameters the JDK verifies as they are, by their JCA names. */
    private static final java.util.Map<String, String> JDK_SIGNATURES = java.util.Map.of(
            X9ObjectIdentifiers.ecdsa_with_SHA256.getId(), "SHA256withECDSA",
            X9ObjectIdentifiers.ecdsa_with_SHA384.getId(), "SHA384withECDSA",
            X9ObjectIdentifiers.ecdsa_with_SHA512.getId(), "SHA512withECDSA",
            PKCSObjectIdentifiers.sha256WithRSAEncryption.getId(), "SHA256withRSA",
            PKCSObjectIdentifiers.sha384WithRSAEncryption.getId(), "SHA384withRSA",
            PKCSObjectIdentifiers.sha512WithRSAEncryption.getId(), "SHA512withRSA",
            EdECObjectIdentifiers.id_Ed25519.getId(), "Ed25519");

    private static boolean verifiedByJdk(JcaPKCS10CertificationRequest csr, String algorithm) {
        PublicKey key = publicKey(csr);
        try {
            java.security.Signature sig = java.security.Signature.getInstance(algorithm);
            sig.initVerify(key);
            sig.update(csr.toASN1Structure().getCertificationRequestInfo().getEncoded(org.bouncycastle.asn1.ASN1Encoding.DER));
            return sig.verify(csr.getSignature());
        } catch (java.security.SignatureException e) {
            return false; // a malformed signature value: not valid, as BouncyCastle's verifier answers
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("x509: cannot verify signature: " + e.getMessage());
        }
    }

    /** The request's public key through the JDK's own key factories (they do not resolve algorithm OIDs, names they do). */
    static PublicKey publicKey(JcaPKCS10CertificationRequest csr) {
        var spki = csr.getSubjectPublicKeyInfo();
        var oid = spki.getAlgorithm().getAlgorithm();
        String alg;
        if (X9ObjectIdentifiers.id_ecPublicKey.equals(oid)) alg = "EC";
        else if (PKCSObjectIdentifiers.rsaEncryption.equals(oid)) alg = "RSA";
        else if (EdECObjectIdentifiers.id_Ed25519.equals(oid)) alg = "Ed25519";
        else throw new IllegalArgumentException("x509: unsupported public key algorithm " + oid);
        try {
            return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(spki.getEncoded()));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("x509: malformed public key: " + e.getMessage());
        }
    }
}
