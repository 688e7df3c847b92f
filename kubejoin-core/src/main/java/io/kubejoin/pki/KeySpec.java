package io.kubejoin.pki;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Locale;

/**
 * cfssl's {@code key} object: {@code {"algo": "rsa", "size": 2048}}. The limits are cfssl's:
 * RSA 2048–8192 bits, ECDSA on P-256, P-384 or P-521.
 */
public record KeySpec(Algorithm algorithm, int size) {
    public enum Algorithm { RSA, ECDSA }

    public static final KeySpec RSA_2048 = new KeySpec(Algorithm.RSA, 2048);
    /** cfssl's own default when a CSR JSON has no "key". */
    public static final KeySpec ECDSA_256 = new KeySpec(Algorithm.ECDSA, 256);

    public KeySpec {
        String problem = problem(algorithm, size);
        if (problem != null) throw new IllegalArgumentException(problem);
    }

    /** Why (algo, size) is not acceptable, or null. */
    static String problem(Algorithm algorithm, int size) {
        if (algorithm == null) return "no key algorithm";
        if (algorithm == Algorithm.RSA && (size < 2048 || size > 8192)) {
            return "RSA key size " + size + " is outside cfssl's range 2048–8192";
        }
        if (algorithm == Algorithm.ECDSA && size != 256 && size != 384 && size != 521) {
            return "ECDSA key size " + size + " is not a supported curve (256, 384 or 521)";
        }
        return null;
    }

    /** Parses cfssl's algo name ("rsa", "ecdsa"); null when unknown. */
    public static Algorithm algorithm(String name) {
        if (name == null) return null;
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "rsa" -> Algorithm.RSA;
            case "ecdsa" -> Algorithm.ECDSA;
            default -> null;
        };
    }

    public KeyPair generate() {
        try {
            if (algorithm == Algorithm.RSA) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(size);
                return g.generateKeyPair();
            }
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp" + size + "r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a " + this + " key", e);
        }
    }

    /** True when {@code key} has this algorithm and size. */
    public boolean matches(PublicKey key) {
        if (algorithm == Algorithm.RSA) return key instanceof RSAPublicKey r && r.getModulus().bitLength() == size;
        return key instanceof ECPublicKey e && e.getParams().getCurve().getField().getFieldSize() == size;
    }

    /**
     * The signature algorithm cfssl picks for a signer with this kind of key (signer.DefaultSigAlgo),
     * minus its SHA-1 fallbacks, which cannot occur within the sizes accepted here.
     */
    public static String signatureAlgorithm(PublicKey signerKey) {
        if (signerKey instanceof RSAPublicKey r) {
            int bits = r.getModulus().bitLength();
            return bits >= 4096 ? "SHA512withRSA" : bits >= 3072 ? "SHA384withRSA" : "SHA256withRSA";
        }
        if (signerKey instanceof ECPublicKey e) {
            int bits = e.getParams().getCurve().getField().getFieldSize();
            return bits >= 521 ? "SHA512withECDSA" : bits >= 384 ? "SHA384withECDSA" : "SHA256withECDSA";
        }
        throw new IllegalArgumentException("unsupported signer key " + signerKey.getAlgorithm());
    }

    @Override
    public String toString() {
        return (algorithm == Algorithm.RSA ? "rsa " : "ecdsa ") + size;
    }
}
