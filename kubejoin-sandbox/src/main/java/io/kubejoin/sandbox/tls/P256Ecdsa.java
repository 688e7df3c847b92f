package io.kubejoin.sandbox.tls;

import java.math.BigInteger;
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
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;
import org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util;

/**
 * SHA256withECDSA on P-256 with BouncyCastle's ECDSA over one shared curve generator. BouncyCastle's JCA signature
 * turns every key's curve parameters into a new generator point, and its tables for multiplying that point (the
 * bulk of a signature's cost) are kept on the point: so each TLS handshake and each certificate the sandbox signs
 * computed them again (a sixth of the sandbox's CPU in a 1,000-node join). Here the generator is the one of
 * BouncyCastle's named curve, its tables computed once; public keys verified again and again (the cluster CA's, the
 * API server's) keep theirs too. Same signatures (ASN.1 DER r, s; random k), same checks (the public point must lie
 * on the curve); keys of other curves go to BouncyCastle's own implementation.
 */
final class P256Ecdsa extends SignatureSpi {
    private static final X9ECParameters X9 = CustomNamedCurves.getByName("secp256r1");
    private static final ECDomainParameters DOMAIN = new ECDomainParameters(X9);
    private static final ECParameterSpec JDK_SPEC = EC5Util.convertToSpec(X9);
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
    private final ECDSASigner signer = new ECDSASigner();
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
                    params = new ECPublicKeyParameters(DOMAIN.getCurve().createPoint(ec.getW().getAffineX(),
                            ec.getW().getAffineY()), DOMAIN);
                } catch (IllegalArgumentException e) {
                    throw new InvalidKeyException("not a P-256 public key: " + e.getMessage(), e);
                }
                synchronized (PUBLIC_KEYS) {
                    PUBLIC_KEYS.put(ec.getW(), params);
                }
            }
            signer.init(false, params);
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
            BigInteger d = ec.getS();
            if (d.signum() <= 0 || d.compareTo(DOMAIN.getN()) >= 0) throw new InvalidKeyException("not a P-256 private key");
            signer.init(true, new ParametersWithRandom(new ECPrivateKeyParameters(d, DOMAIN), random != null ? random : RANDOM));
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
        BigInteger[] rs = signer.generateSignature(digest.digest());
        try {
            return StandardDSAEncoding.INSTANCE.encode(DOMAIN.getN(), rs[0], rs[1]);
        } catch (java.io.IOException e) {
            throw new SignatureException("cannot encode the signature", e);
        }
    }

    @Override
    protected boolean engineVerify(byte[] sigBytes) throws SignatureException {
        if (other != null) return other.verify(sigBytes);
        byte[] hash = digest.digest();
        BigInteger[] rs;
        try {
            rs = StandardDSAEncoding.INSTANCE.decode(DOMAIN.getN(), sigBytes);
        } catch (Exception e) {
            throw new SignatureException("error decoding signature bytes.", e);
        }
        return signer.verifySignature(hash, rs[0], rs[1]);
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
