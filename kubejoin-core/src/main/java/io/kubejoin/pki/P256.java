package io.kubejoin.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;

/**
 * ECDSA over P-256 (what every kubelet's CSR and the sandbox's TLS keys use) with Bouncy Castle's low-level signer over
 * one shared curve. Its JCA Signature turns each key's parameters into a new generator point and computes that point's
 * multiplication tables again for every signature or verification, the bulk of their cost (a 1,000-node join verifies
 * two thousand CSRs; the sandbox signs as many certificates and handshakes). Here the generator, and its tables, are
 * computed once. Signatures are ASN.1 DER (r, s), as X.509 and TLS carry them.
 */
public final class P256 {
    /** The curve, its generator's precomputed tables shared by every key made from it. */
    public static final ECDomainParameters DOMAIN = new ECDomainParameters(CustomNamedCurves.getByName("secp256r1"));

    private P256() {
    }

    /**
     * A public key from its SEC 1 encoding (a SubjectPublicKeyInfo's bit string).
     *
     * @throws IllegalArgumentException when the bytes are not a point on the curve
     */
    public static ECPublicKeyParameters publicKey(byte[] encodedPoint) {
        // decodePoint and the parameters' constructor both refuse a point that is not on the curve
        return new ECPublicKeyParameters(DOMAIN.getCurve().decodePoint(encodedPoint), DOMAIN);
    }

    /**
     * A public key from its affine coordinates (a JCA ECPublicKey's point).
     *
     * @throws IllegalArgumentException when the point is not on the curve
     */
    public static ECPublicKeyParameters publicKey(BigInteger x, BigInteger y) {
        return new ECPublicKeyParameters(DOMAIN.getCurve().createPoint(x, y), DOMAIN);
    }

    /**
     * A private key from its scalar.
     *
     * @throws IllegalArgumentException when d is not in [1, n-1]
     */
    public static ECPrivateKeyParameters privateKey(BigInteger d) {
        if (d.signum() <= 0 || d.compareTo(DOMAIN.getN()) >= 0) {
            throw new IllegalArgumentException("not a P-256 private key: the scalar is outside [1, n-1]");
        }
        return new ECPrivateKeyParameters(d, DOMAIN);
    }

    /**
     * Whether a DER signature over a SHA-256 hash verifies with the key (an r or s of 0 never does).
     *
     * @throws IOException when the signature is not a DER SEQUENCE of two integers r and s in [0, n-1]
     */
    public static boolean verify(ECPublicKeyParameters key, byte[] sha256, byte[] derSignature) throws IOException {
        BigInteger[] rs;
        try {
            rs = StandardDSAEncoding.INSTANCE.decode(DOMAIN.getN(), derSignature);
        } catch (IllegalArgumentException malformed) {
            throw new IOException("not a DER ECDSA signature: " + malformed.getMessage(), malformed);
        }
        ECDSASigner verifier = new ECDSASigner();
        verifier.init(false, key);
        return verifier.verifySignature(sha256, rs[0], rs[1]);
    }

    /** A DER signature over a SHA-256 hash, with a random k. */
    public static byte[] sign(ECPrivateKeyParameters key, byte[] sha256, SecureRandom random) {
        ECDSASigner signer = new ECDSASigner();
        signer.init(true, new ParametersWithRandom(key, random));
        BigInteger[] rs = signer.generateSignature(sha256);
        try {
            return StandardDSAEncoding.INSTANCE.encode(DOMAIN.getN(), rs[0], rs[1]);
        } catch (IOException e) {
            throw new IllegalStateException("cannot DER-encode an ECDSA signature", e);
        }
    }
}
