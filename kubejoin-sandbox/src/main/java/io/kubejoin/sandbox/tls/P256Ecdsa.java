package io.kubejoin.sandbox.tls;

import io.kubejoin.pki.P256;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.InvalidParameterException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.SignatureException;
import java.security.SignatureSpi;
import java.security.interfaces.ECKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.ECParameterSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util;

/**
 * SHA256withECDSA on P-256 through core's {@link P256}, as a JCA signature for the sandbox's TLS and certificates.
 * BouncyCastle's own JCA signature computed the curve generator's multiplication tables again for each TLS handshake
 * and each certificate the sandbox signs (a sixth of the sandbox's CPU in a 1,000-node join); P256 computes them once.
 * Public keys verified again and again (the cluster CA's, the API server's) keep their own tables here too. Same signatures (ASN.1 DER r, s; random k), same checks (the public point must lie
 * on the curve); keys of other curves go to BouncyCastle's own implementation.
 */
final class P256Ecdsa extends SignatureSpi {
    private static final ECParameterSpec JDK_SPEC = EC5Util.convertToSpec(P256.DOMAIN);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Recently verified public keys with their precomputed tables (the CA's and the API server's stay in). */
    private static final Map<java.security.spec.ECPoint, ECPublicKeyParameters> PUBLIC_KEYS =
            new LinkedHashMap<>(256, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<java.security.spec.ECPoint, ECPublicKeyParameters> e) {
                    return size() > 256;
                }
            };

    private final Provider bc;
    private final MessageDigest digest;
    /** The key of a P-256 signing or verification in progress. */
    private ECPrivateKeyParameters signingKey;
    private ECPublicKeyParameters verifyingKey;
    private SecureRandom random = RANDOM;
    /** BouncyCastle's own signature, for a key not on P-256; null while a P-256 key is in use. */
    private Signature other;

    P256Ecdsa(Provider bc) {
        this.bc = bc;
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether a key's parameters are P-256's (field, coefficients, generator, order and cofactor). */
    static boolean isP256(ECParameterSpec p) {
        return p != null && p.getCurve().equals(JDK_SPEC.getCurve()) && p.getGenerator().equals(JDK_SPEC.getGenerator())
                && p.getOrder().equals(JDK_SPEC.getOrder()) && p.getCofactor() == JDK_SPEC.getCofactor();
    }

    private Signature other() throws InvalidKeyException {
        try {
            return Signature.getInstance("SHA256withECDSA", bc);
        } catch (NoSuchAlgorithmException e) {
            throw new InvalidKeyException(e);
        }
    }

    @Override
    protected void engineInitVerify(PublicKey key) throws InvalidKeyException {
        if (key instanceof ECPublicKey ec && isP256(ec.getParams())) {
            other = null;
            ECPublicKeyParameters params;
            synchronized (PUBLIC_KEYS) {
                params = PUBLIC_KEYS.get(ec.getW());
            }
            if (params == null) {
                try {
                    // the constructor checks that the point lies on the curve
                    params = P256.publicKey(ec.getW().getAffineX(), ec.getW().getAffineY());
                } catch (IllegalArgumentException e) {
                    throw new InvalidKeyException("not a P-256 public key: " + e.getMessage(), e);
                }
                synchronized (PUBLIC_KEYS) {
                    PUBLIC_KEYS.put(ec.getW(), params);
                }
            }
            verifyingKey = params;
            signingKey = null;
            digest.reset();
        } else {
            other = other();
            other.initVerify(key);
        }
    }

    @Override
    protected void engineInitSign(PrivateKey key) throws InvalidKeyException {
        engineInitSign(key, null);
    }

    @Override
    protected void engineInitSign(PrivateKey key, SecureRandom random) throws InvalidKeyException {
        if (key instanceof ECPrivateKey ec && isP256(ec.getParams())) {
            other = null;
            try {
                signingKey = P256.privateKey(ec.getS());
            } catch (IllegalArgumentException e) {
                throw new InvalidKeyException(e.getMessage(), e);
            }
            verifyingKey = null;
            this.random = random != null ? random : RANDOM;
            digest.reset();
        } else {
            other = other();
            if (random != null) other.initSign(key, random);
            else other.initSign(key);
        }
    }

    @Override
    protected void engineUpdate(byte b) throws SignatureException {
        if (other != null) other.update(b);
        else digest.update(b);
    }

    @Override
    protected void engineUpdate(byte[] b, int off, int len) throws SignatureException {
        if (other != null) other.update(b, off, len);
        else digest.update(b, off, len);
    }

    @Override
    protected byte[] engineSign() throws SignatureException {
        if (other != null) return other.sign();
        if (signingKey == null) throw new SignatureException("not initialised for signing");
        return P256.sign(signingKey, digest.digest(), random);
    }

    @Override
    protected boolean engineVerify(byte[] sigBytes) throws SignatureException {
        if (other != null) return other.verify(sigBytes);
        if (verifyingKey == null) throw new SignatureException("not initialised for verification");
        try {
            return P256.verify(verifyingKey, digest.digest(), sigBytes);
        } catch (java.io.IOException e) {
            throw new SignatureException("error decoding signature bytes.", e);
        }
    }

    @Override
    protected void engineSetParameter(AlgorithmParameterSpec params) throws InvalidAlgorithmParameterException {
        if (params != null) throw new InvalidAlgorithmParameterException("SHA256withECDSA takes no parameters");
    }

    @Override
    @Deprecated
    protected void engineSetParameter(String param, Object value) throws InvalidParameterException {
        throw new UnsupportedOperationException("engineSetParameter unsupported");
    }

    @Override
    @Deprecated
    protected Object engineGetParameter(String param) throws InvalidParameterException {
        throw new UnsupportedOperationException("engineGetParameter unsupported");
    }

    /** The provider's service: any EC key (JCA then picks this implementation for it). */
    static final class Service extends Provider.Service {
        private final Provider bc;

        Service(Provider owner, Provider bc) {
            super(owner, "Signature", "SHA256withECDSA", P256Ecdsa.class.getName(), java.util.List.of(), null);
            this.bc = bc;
        }

        @Override
        public Object newInstance(Object constructorParameter) {
            return new P256Ecdsa(bc);
        }

        @Override
        public boolean supportsParameter(Object parameter) {
            return parameter == null || parameter instanceof ECKey;
        }
    }
}
