package io.kubejoin.cluster.approval;

import io.kubejoin.pki.P256;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/**
 * A PKCS#10 request as kubejoin reads it from {@code spec.request}: decoded, its self-signature checked
 * (proof that the requester holds the private key) and its subject, key and requested extensions exposed.
 * The signer takes the subject and SANs from here, not from any spec field, so this is what the policy checks.
 */
final class CertificateRequest {
    // a private instance: verifying must not depend on (or change) the JVM's provider list
    private static final ASN1ObjectIdentifier EC_PUBLIC_KEY = X9ObjectIdentifiers.id_ecPublicKey;
    private static final ASN1ObjectIdentifier P256_CURVE = X9ObjectIdentifiers.prime256v1;
    private static final int MAX_RSA_BITS = 8192;
    /** What Go's x509 (kubelet) produces and stronger variants; SHA-1 and MD5 are refused. */
    private static final Map<ASN1ObjectIdentifier, String> SIGNATURE_ALGORITHMS = Map.of(
            X9ObjectIdentifiers.ecdsa_with_SHA256, "ECDSA-SHA256",
            X9ObjectIdentifiers.ecdsa_with_SHA384, "ECDSA-SHA384",
            X9ObjectIdentifiers.ecdsa_with_SHA512, "ECDSA-SHA512",
            PKCSObjectIdentifiers.sha256WithRSAEncryption, "SHA256-RSA",
            PKCSObjectIdentifiers.sha384WithRSAEncryption, "SHA384-RSA",
            PKCSObjectIdentifiers.sha512WithRSAEncryption, "SHA512-RSA");

    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    /** The JCA names of {@link #SIGNATURE_ALGORITHMS} (none of them takes parameters). */
    private static final Map<ASN1ObjectIdentifier, String> JCA_SIGNATURES = Map.of(
            X9ObjectIdentifiers.ecdsa_with_SHA256, "SHA256withECDSA",
            X9ObjectIdentifiers.ecdsa_with_SHA384, "SHA384withECDSA",
            X9ObjectIdentifiers.ecdsa_with_SHA512, "SHA512withECDSA",
            PKCSObjectIdentifiers.sha256WithRSAEncryption, "SHA256withRSA",
            PKCSObjectIdentifiers.sha384WithRSAEncryption, "SHA384withRSA",
            PKCSObjectIdentifiers.sha512WithRSAEncryption, "SHA512withRSA");

    /** A problem found while reading the request, with the rule it breaks. */
    static final class Problem extends Exception {
        final Rule rule;

        Problem(Rule rule, String message) {
            super(message, null, false, false);
            this.rule = rule;
        }
    }

    /** One subject attribute in order, e.g. (O, system:nodes). */
    record SubjectAttribute(ASN1ObjectIdentifier type, String name, String value) {
    }

    /** The subjectAltName entries by kind. */
    record Sans(List<String> dns, List<InetAddress> ips, List<String> emails, List<String> uris, List<String> other) {
        boolean isEmpty() {
            return dns.isEmpty() && ips.isEmpty() && emails.isEmpty() && uris.isEmpty() && other.isEmpty();
        }
    }

    private final List<SubjectAttribute> subject;
    private final Sans sans;
    private final Extensions extensions;
    private final String keyDescription;

    private CertificateRequest(List<SubjectAttribute> subject, Sans sans, Extensions extensions, String keyDescription) {
        this.subject = subject;
        this.sans = sans;
        this.extensions = extensions;
        this.keyDescription = keyDescription;
    }

    List<SubjectAttribute> subject() {
        return subject;
    }

    Sans sans() {
        return sans;
    }

    /** All requested extensions (subjectAltName included), or null when the request has none. */
    Extensions extensions() {
        return extensions;
    }

    String keyDescription() {
        return keyDescription;
    }

    /** Reads spec.request (base64 of a PEM CERTIFICATE REQUEST, as the API's JSON carries []byte). */
    static CertificateRequest parse(String specRequest) throws Problem {
        if (specRequest == null || specRequest.isBlank()) {
            throw new Problem(Rule.MALFORMED_REQUEST, "spec.request is empty");
        }
        byte[] pem;
        try {
            pem = Base64.getDecoder().decode(specRequest.strip());
        } catch (IllegalArgumentException e) {
            throw new Problem(Rule.MALFORMED_REQUEST, "spec.request is not base64: " + e.getMessage());
        }
        byte[] der = pemBlock(new String(pem, StandardCharsets.US_ASCII));
        PKCS10CertificationRequest req;
        try {
            req = new PKCS10CertificationRequest(der);
        } catch (IOException | RuntimeException e) {
            throw new Problem(Rule.MALFORMED_REQUEST, "the CERTIFICATE REQUEST block is not a PKCS#10 request: "
                    + e.getMessage());
        }
        String key = checkKey(req.getSubjectPublicKeyInfo());
        checkSignature(req);
        Extensions exts = requestedExtensions(req);
        return new CertificateRequest(subject(req), sans(exts), exts, key);
    }

    private static byte[] pemBlock(String text) throws Problem {
        try (PemReader reader = new PemReader(new StringReader(text))) {
            PemObject first = reader.readPemObject();
            if (first == null) {
                throw new Problem(Rule.MALFORMED_REQUEST, "spec.request holds no PEM block");
            }
            if (!"CERTIFICATE REQUEST".equals(first.getType())) {
                throw new Problem(Rule.MALFORMED_REQUEST, "spec.request holds a PEM \"" + first.getType()
                        + "\" block, not a \"CERTIFICATE REQUEST\"");
            }
            // kubelet sends exactly one block; a second one is something else riding along
            if (reader.readPemObject() != null) {
                throw new Problem(Rule.MALFORMED_REQUEST, "spec.request holds more than one PEM block");
            }
            return first.getContent();
        } catch (IOException e) {
            throw new Problem(Rule.MALFORMED_REQUEST, "spec.request is not valid PEM: " + e.getMessage());
        }
    }

    /** kubelet generates ECDSA P-256 keys; RSA of at least 2048 bits is accepted from older or custom setups. */
    private static String checkKey(SubjectPublicKeyInfo spki) throws Problem {
        AlgorithmIdentifier alg = spki.getAlgorithm();
        if (EC_PUBLIC_KEY.equals(alg.getAlgorithm())) {
            ASN1Encodable params = alg.getParameters();
            if (params instanceof ASN1ObjectIdentifier curve && P256_CURVE.equals(curve)) return "ECDSA P-256";
            throw new Problem(Rule.KEY_TYPE, "the request's ECDSA key is not on curve P-256 (" + params
                    + "); kubelet uses P-256");
        }
        if (PKCSObjectIdentifiers.rsaEncryption.equals(alg.getAlgorithm())) {
            BigInteger modulus;
            try {
                modulus = org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(spki.parsePublicKey()).getModulus();
            } catch (IOException | RuntimeException e) {
                throw new Problem(Rule.MALFORMED_REQUEST, "the request's RSA public key is malformed");
            }
            int bits = modulus.bitLength();
            if (bits < 2048 || bits > MAX_RSA_BITS) {
                throw new Problem(Rule.KEY_TYPE, "the request's RSA key has " + bits
                        + " bits; 2048 to " + MAX_RSA_BITS + " are accepted");
            }
            return "RSA " + bits;
        }
        throw new Problem(Rule.KEY_TYPE, "the request's key algorithm " + alg.getAlgorithm()
                + " is not one kubelet uses (ECDSA P-256, or RSA of at least 2048 bits)");
    }

    private static void checkSignature(PKCS10CertificationRequest req) throws Problem {
        ASN1ObjectIdentifier sigAlg = req.getSignatureAlgorithm().getAlgorithm();
        if (!SIGNATURE_ALGORITHMS.containsKey(sigAlg)) {
            throw new Problem(Rule.SIGNATURE_ALGORITHM, "the request is signed with algorithm " + sigAlg
                    + "; accepted: ECDSA or RSA with SHA-256/384/512");
        }
        boolean ecKey = EC_PUBLIC_KEY.equals(req.getSubjectPublicKeyInfo().getAlgorithm().getAlgorithm());
        boolean ecSig = SIGNATURE_ALGORITHMS.get(sigAlg).startsWith("ECDSA");
        if (ecKey != ecSig) {
            throw new Problem(Rule.SIGNATURE_ALGORITHM, "the request's signature algorithm "
                    + SIGNATURE_ALGORITHMS.get(sigAlg) + " does not match its key type");
        }
        boolean valid;
        if (ecKey && X9ObjectIdentifiers.ecdsa_with_SHA256.equals(sigAlg)) {
            valid = verifyP256(req); // what every kubelet sends
        } else try {
            // one verification with BouncyCastle's Signature: its content verifier checks an ECDSA or RSA signature
            // twice (a second, "raw" Signature it verifies and ignores). BouncyCastle's P-256 arithmetic, not the
            // JDK's: measured in the join's C1-only JVM, the JDK's ECDSA verify costs about twice as much
            java.security.PublicKey key = java.security.KeyFactory.getInstance(ecKey ? "EC" : "RSA", BC)
                    .generatePublic(new java.security.spec.X509EncodedKeySpec(req.getSubjectPublicKeyInfo().getEncoded()));
            java.security.Signature sig = java.security.Signature.getInstance(JCA_SIGNATURES.get(sigAlg), BC);
            sig.initVerify(key);
            sig.update(req.toASN1Structure().getCertificationRequestInfo().getEncoded(org.bouncycastle.asn1.ASN1Encoding.DER));
            try {
                valid = sig.verify(req.getSignature());
            } catch (java.security.SignatureException malformed) {
                valid = false; // a signature value that is not even well-formed does not verify either
            }
        } catch (Exception e) {
            throw new Problem(Rule.BAD_SIGNATURE, "the request's signature cannot be checked: " + e.getMessage());
        }
        if (!valid) {
            throw new Problem(Rule.BAD_SIGNATURE, "the request's signature does not verify with its own public key:"
                    + " the requester has not proven it holds the private key");
        }
    }

    /**
     * ECDSA with SHA-256 over P-256 (checkKey refused other curves) through {@link P256}, whose curve tables are
     * computed once instead of for every request. The same checks: the key's point must lie on the curve, the
     * signature must be a DER SEQUENCE of r and s in [1, n-1].
     */
    private static boolean verifyP256(PKCS10CertificationRequest req) throws Problem {
        org.bouncycastle.crypto.params.ECPublicKeyParameters key;
        try {
            key = P256.publicKey(req.getSubjectPublicKeyInfo().getPublicKeyData().getOctets());
        } catch (RuntimeException e) {
            throw new Problem(Rule.BAD_SIGNATURE, "the request's signature cannot be checked: " + e.getMessage());
        }
        byte[] hash;
        try {
            hash = java.security.MessageDigest.getInstance("SHA-256").digest(
                    req.toASN1Structure().getCertificationRequestInfo().getEncoded(org.bouncycastle.asn1.ASN1Encoding.DER));
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new Problem(Rule.BAD_SIGNATURE, "the request's signature cannot be checked: " + e.getMessage());
        }
        try {
            return P256.verify(key, hash, req.getSignature());
        } catch (IOException malformed) {
            return false; // a signature value that is not even well-formed does not verify either
        }
    }

    private static List<SubjectAttribute> subject(PKCS10CertificationRequest req) throws Problem {
        List<SubjectAttribute> out = new ArrayList<>();
        for (RDN rdn : req.getSubject().getRDNs()) {
            for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
                ASN1Encodable value = atv.getValue();
                if (!(value instanceof ASN1String s)) {
                    throw new Problem(Rule.SUBJECT, "subject attribute " + atv.getType() + " is not a string");
                }
                String name = org.bouncycastle.asn1.x500.style.BCStyle.INSTANCE.oidToDisplayName(atv.getType());
                out.add(new SubjectAttribute(atv.getType(), name == null ? atv.getType().getId() : name,
                        s.getString()));
            }
            if (rdn.isMultiValued()) {
                // Go flattens multi-valued RDNs; kubelet never writes one, so it only hides an attribute
                throw new Problem(Rule.SUBJECT, "the subject has a multi-valued RDN; kubelet writes one attribute per RDN");
            }
        }
        return List.copyOf(out);
    }

    private static Extensions requestedExtensions(PKCS10CertificationRequest req) throws Problem {
        Extensions found = null;
        for (Attribute attr : req.getAttributes()) {
            if (!PKCSObjectIdentifiers.pkcs_9_at_extensionRequest.equals(attr.getAttrType())) {
                throw new Problem(Rule.REQUEST_EXTENSION, "the request carries attribute " + attr.getAttrType()
                        + "; kubelet sends only an extensionRequest");
            }
            if (found != null || attr.getAttrValues().size() != 1) {
                throw new Problem(Rule.MALFORMED_REQUEST, "the request carries more than one extensionRequest");
            }
            try {
                found = Extensions.getInstance(attr.getAttrValues().getObjectAt(0));
            } catch (RuntimeException e) {
                throw new Problem(Rule.MALFORMED_REQUEST, "the request's extensionRequest is malformed: "
                        + e.getMessage());
            }
        }
        return found;
    }

    private static Sans sans(Extensions exts) throws Problem {
        List<String> dns = new ArrayList<>();
        List<InetAddress> ips = new ArrayList<>();
        List<String> emails = new ArrayList<>();
        List<String> uris = new ArrayList<>();
        List<String> other = new ArrayList<>();
        Extension san = exts == null ? null : exts.getExtension(Extension.subjectAlternativeName);
        if (san != null) {
            GeneralName[] names;
            try {
                names = GeneralNames.getInstance(san.getParsedValue()).getNames();
            } catch (RuntimeException e) {
                throw new Problem(Rule.MALFORMED_REQUEST, "the request's subjectAltName is malformed: "
                        + e.getMessage());
            }
            for (GeneralName n : names) {
                switch (n.getTagNo()) {
                    case GeneralName.dNSName -> dns.add(((ASN1String) n.getName()).getString());
                    case GeneralName.rfc822Name -> emails.add(((ASN1String) n.getName()).getString());
                    case GeneralName.uniformResourceIdentifier -> uris.add(((ASN1String) n.getName()).getString());
                    case GeneralName.iPAddress -> {
                        byte[] b = ASN1OctetString.getInstance(n.getName()).getOctets();
                        if (b.length != 4 && b.length != 16) {
                            throw new Problem(Rule.MALFORMED_REQUEST, "the request has an IP SAN of " + b.length
                                    + " bytes");
                        }
                        try {
                            ips.add(InetAddress.getByAddress(b));
                        } catch (UnknownHostException e) {
                            throw new Problem(Rule.MALFORMED_REQUEST, "the request has a malformed IP SAN");
                        }
                    }
                    default -> other.add(kind(n.getTagNo()) + " " + n.getName());
                }
            }
        }
        return new Sans(List.copyOf(dns), List.copyOf(ips), List.copyOf(emails), List.copyOf(uris), List.copyOf(other));
    }

    private static String kind(int tag) {
        return switch (tag) {
            case GeneralName.otherName -> "otherName";
            case GeneralName.x400Address -> "x400Address";
            case GeneralName.directoryName -> "directoryName";
            case GeneralName.ediPartyName -> "ediPartyName";
            case GeneralName.registeredID -> "registeredID";
            default -> "name type " + tag;
        };
    }
}
