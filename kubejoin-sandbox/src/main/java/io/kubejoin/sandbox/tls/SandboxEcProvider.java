package io.kubejoin.sandbox.tls;

import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import java.util.List;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The sandbox's elliptic-curve arithmetic: BouncyCastle's, for ECDSA on P-256/P-384 and X25519 only. A simulated
 * fleet runs both ends of every TLS handshake and CSR (kubelet and API server) in one process, and JDK 17's SunEC
 * is the slow part of that: measured on this machine, an ECDSA P-256 verify takes 1.4 ms with SunEC and 0.26 ms with
 * BouncyCastle, a sign 0.7 vs 0.32 ms, a key pair 0.64 vs 0.10 ms. Put first in the provider list, this provider
 * answers only for those algorithms; hashes, AES-GCM, HMAC and RSA stay with the JDK's providers (which use the
 * CPU's instructions; BouncyCastle first for everything made the sandbox slower). The protocol is unchanged:
 * the same certificates, signatures and key shares, computed by another library.
 * <p>
 * kubejoin's own commands never install it; only a process that runs a sandbox does (the standalone
 * {@code sandbox up}, {@code demo}, the tests).
 */
public final class SandboxEcProvider extends Provider {
    static final String NAME = "KubejoinSandboxEC";

    /** type, algorithm, aliases (the JDK's names, so that JSSE and X509Certificate.verify find them). */
    private static final List<String[]> ALGORITHMS = List.of(
            new String[]{"Signature", "SHA384withECDSA"},
            new String[]{"Signature", "SHA512withECDSA"},
            new String[]{"KeyPairGenerator", "EC"},
            new String[]{"KeyPairGenerator", "X25519"},
            new String[]{"KeyFactory", "X25519"});

    private static volatile boolean installed;

    private SandboxEcProvider(Provider bc) {
        super(NAME, "1.0", "BouncyCastle's ECDSA and X25519 for the kubejoin sandbox");
        for (String[] a : ALGORITHMS) {
            Provider.Service s = bc.getService(a[0], a[1]);
            if (s == null) throw new IllegalStateException("BouncyCastle has no " + a[0] + "." + a[1]);
            putService(new Delegate(this, s, a.length > 2 ? List.of(a[2]) : List.of()));
        }
        // P-256 (every key of the sandbox) over one generator whose tables are computed once; other curves: BC's
        putService(new P256Ecdsa.Service(this, bc));
        // JSSE's TLS 1.3 key share asks for "XDH" with a NamedParameterSpec, which BouncyCastle's XDH generator
        // does not take, and reads the peer's share through an XECPublicKeySpec: these three speak the JDK's API
        // over BouncyCastle's X25519
        putService(new Own(this, "KeyPairGenerator", "XDH", X25519Jdk.Generator::new, bc));
        putService(new Own(this, "KeyFactory", "XDH", X25519Jdk.Factory::new, bc));
        putService(new Own(this, "KeyAgreement", "XDH", X25519Jdk.Agreement::new, bc));
        putService(new Own(this, "KeyAgreement", "X25519", X25519Jdk.Agreement::new, bc));
    }

    /** A service implemented here (with BouncyCastle's X25519 underneath). */
    private static final class Own extends Provider.Service {
        private final java.util.function.Function<Provider, Object> make;
        private final Provider bc;

        Own(Provider owner, String type, String algorithm, java.util.function.Function<Provider, Object> make, Provider bc) {
            super(owner, type, algorithm, X25519Jdk.class.getName(), List.of(), null);
            this.make = make;
            this.bc = bc;
        }

        @Override
        public Object newInstance(Object constructorParameter) {
            return make.apply(bc);
        }

        @Override
        public boolean supportsParameter(Object parameter) {
            return parameter == null || parameter instanceof java.security.interfaces.XECKey;
        }
    }

    /** Puts the provider first in this process's list; idempotent. */
    public static void install() {
        if (installed) return;
        synchronized (SandboxEcProvider.class) {
            if (installed) return;
            if (Security.getProvider(NAME) == null) Security.insertProviderAt(new SandboxEcProvider(new BouncyCastleProvider()), 1);
            installed = true;
        }
    }

    /** BouncyCastle's implementation under this provider's name. */
    private static final class Delegate extends Provider.Service {
        private final Provider.Service target;

        Delegate(Provider owner, Provider.Service target, List<String> aliases) {
            super(owner, target.getType(), target.getAlgorithm(), target.getClassName(), aliases, null);
            this.target = target;
        }

        @Override
        public Object newInstance(Object constructorParameter) throws NoSuchAlgorithmException {
            return target.newInstance(constructorParameter);
        }

        @Override
        public boolean supportsParameter(Object parameter) {
            return target.supportsParameter(parameter);
        }
    }
}
