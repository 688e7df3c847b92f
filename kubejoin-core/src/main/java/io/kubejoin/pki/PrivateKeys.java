package io.kubejoin.pki;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;

/** Private keys: PEM in (PKCS#1, SEC1, PKCS#8), PEM out (cfssl's formats), and key/certificate matching. */
public final class PrivateKeys {
    private static final SecureRandom RANDOM = new SecureRandom();

    private PrivateKeys() {
    }

    /** Reads an unencrypted RSA or EC private key from PEM text; errors name {@code file} and {@code field}. */
    public static PrivateKey parse(String pemText, Path file, String field) {
        Object found = null;
        try (PEMParser parser = new PEMParser(new StringReader(pemText))) {
            Object o;
            while ((o = parser.readObject()) != null) {
                // "openssl ecparam -genkey" writes an EC PARAMETERS block before the key: skip it
                if (o instanceof X9ECParameters || o instanceof ASN1ObjectIdentifier) continue;
                found = o;
                break;
            }
        } catch (IOException | RuntimeException e) {
            throw PkiProblems.invalid(file, field, "not a valid PEM private key (" + e.getMessage() + ")",
                    "give the PEM key file, e.g. the ca-key.pem cfssl wrote");
        }
        if (found == null) {
            throw PkiProblems.invalid(file, field, "no PEM private key found in the file",
                    "give the PEM key file (-----BEGIN RSA PRIVATE KEY-----, EC PRIVATE KEY or PRIVATE KEY)");
        }
        if (found instanceof PEMEncryptedKeyPair || found instanceof PKCS8EncryptedPrivateKeyInfo) {
            throw PkiProblems.invalid(file, field, "the private key is encrypted; kubejoin does not support passphrases",
                    "write a decrypted copy readable only by you: openssl pkey -in " + name(file)
                            + " -out ca-key-plain.pem && chmod 600 ca-key-plain.pem, and point " + field + " at it");
        }
        PrivateKeyInfo info;
        if (found instanceof PEMKeyPair pair) {
            info = pair.getPrivateKeyInfo();
        } else if (found instanceof PrivateKeyInfo pki) {
            info = pki;
        } else {
            throw PkiProblems.invalid(file, field, "the file holds a " + describe(found) + ", not a private key",
                    "give the private key file (ca-key.pem), not the certificate");
        }
        PrivateKey key;
        try {
            key = new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (IOException | RuntimeException e) {
            throw PkiProblems.invalid(file, field, "cannot decode the private key (" + e.getMessage() + ")",
                    "check it with: openssl pkey -in " + name(file) + " -noout");
        }
        if (!(key instanceof RSAPrivateKey) && !(key instanceof ECPrivateKey)) {
            throw PkiProblems.invalid(file, field, "unsupported key type " + key.getAlgorithm(),
                    "kubejoin signs with RSA or ECDSA CA keys only");
        }
        return key;
    }

    private static String name(Path file) {
        return file == null ? "KEY.pem" : file.toString();
    }

    private static String describe(Object o) {
        String n = o.getClass().getSimpleName();
        if (n.contains("CertificationRequest")) return "certificate request";
        if (n.contains("CRL")) return "CRL";
        if (n.contains("Certificate")) return "certificate";
        if (n.contains("PublicKey") || n.contains("SubjectPublicKeyInfo")) return "public key";
        return n;
    }

    /**
     * PEM in the format cfssl writes: PKCS#1 "RSA PRIVATE KEY" for RSA, SEC1 "EC PRIVATE KEY"
     * (with the curve OID and public key) for ECDSA. Every Go TLS client, kubectl and openssl read these.
     */
    public static String toPem(PrivateKey key, PublicKey publicKey) {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
        try {
            if (key instanceof RSAPrivateKey) {
                return PemFiles.encode("RSA PRIVATE KEY", info.parsePrivateKey().toASN1Primitive().getEncoded());
            }
            if (key instanceof ECPrivateKey ec && publicKey instanceof ECPublicKey) {
                ASN1ObjectIdentifier curve = ASN1ObjectIdentifier.getInstance(info.getPrivateKeyAlgorithm().getParameters());
                byte[] point = org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(publicKey.getEncoded())
                        .getPublicKeyData().getBytes();
                int orderBits = ec.getParams().getOrder().bitLength();
                // Go's ParseECPrivateKey needs the curve OID inside the SEC1 structure, not just in PKCS#8
                org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(
                        orderBits, ec.getS(), new DERBitString(point), curve);
                return PemFiles.encode("EC PRIVATE KEY", sec1.getEncoded());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode private key", e);
        }
        throw new IllegalArgumentException("unsupported key type " + key.getAlgorithm());
    }

    /** True when {@code priv} is the private half of {@code pub}: compares the public keys, not just a signature. */
    public static boolean matches(PrivateKey priv, PublicKey pub) {
        if (priv instanceof RSAPrivateCrtKey rsa && pub instanceof RSAPublicKey rpub) {
            return rsa.getModulus().equals(rpub.getModulus()) && rsa.getPublicExponent().equals(rpub.getPublicExponent());
        }
        if (priv instanceof ECPrivateKey ec && pub instanceof ECPublicKey epub) {
            // Q = d·G on the private key's curve, compared with the certificate's point and curve
            org.bouncycastle.jce.spec.ECParameterSpec spec = EC5Util.convertSpec(ec.getParams());
            ECPoint q = spec.getG().multiply(ec.getS()).normalize();
            return ec.getParams().getCurve().equals(epub.getParams().getCurve())
                    && ec.getParams().getOrder().equals(epub.getParams().getOrder())
                    && q.getAffineXCoord().toBigInteger().equals(epub.getW().getAffineX())
                    && q.getAffineYCoord().toBigInteger().equals(epub.getW().getAffineY());
        }
        if (priv instanceof RSAPrivateKey rsa && pub instanceof RSAPublicKey rpub && !rsa.getModulus().equals(rpub.getModulus())) {
            return false;
        }
        return signVerifies(priv, pub); // RSA key without CRT parts: the exponent is unknown, so prove it
    }

    private static boolean signVerifies(PrivateKey priv, PublicKey pub) {
        if (!priv.getAlgorithm().equals(pub.getAlgorithm())) return false;
        String alg = priv instanceof RSAPrivateKey ? "SHA256withRSA" : "SHA256withECDSA";
        try {
            byte[] challenge = new byte[32];
            RANDOM.nextBytes(challenge);
            Signature s = Signature.getInstance(alg);
            s.initSign(priv);
            s.update(challenge);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(challenge);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** "RSA 2048" / "ECDSA P-256": for messages, never key material. */
    static String describe(PublicKey pub) {
        if (pub instanceof RSAPublicKey r) return "RSA " + r.getModulus().bitLength();
        if (pub instanceof ECPublicKey e) return "ECDSA P-" + e.getParams().getCurve().getField().getFieldSize();
        return pub.getAlgorithm();
    }
}
