package io.kubejoin.sandbox.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.Test;

/** The sandbox's P-256 ECDSA signs what the JDK verifies and verifies what the JDK signs, and nothing else. */
class P256EcdsaTest {
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();
    private static final byte[] DATA = "the CertificateVerify of a TLS 1.3 handshake".getBytes(StandardCharsets.UTF_8);

    private static KeyPair jdkKey(String curve) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC", "SunEC");
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }

    private static byte[] sign(P256Ecdsa s, KeyPair k, byte[] data) throws Exception {
        s.engineInitSign(k.getPrivate());
        s.engineUpdate(data, 0, data.length);
        return s.engineSign();
    }

    private static boolean verify(P256Ecdsa s, KeyPair k, byte[] data, byte[] sig) throws Exception {
        s.engineInitVerify(k.getPublic());
        s.engineUpdate(data, 0, data.length);
        return s.engineVerify(sig);
    }

    @Test
    void agreesWithTheJdksEcdsaBothWays() throws Exception {
        P256Ecdsa ours = new P256Ecdsa(BC);
        for (int i = 0; i < 20; i++) {
            KeyPair k = jdkKey("secp256r1");
            byte[] sig = sign(ours, k, DATA);
            Signature jdk = Signature.getInstance("SHA256withECDSA", "SunEC");
            jdk.initVerify(k.getPublic());
            jdk.update(DATA);
            assertThat(jdk.verify(sig)).isTrue();

            jdk.initSign(k.getPrivate());
            jdk.update(DATA);
            byte[] jdkSig = jdk.sign();
            assertThat(verify(ours, k, DATA, jdkSig)).isTrue();
            // a second verification with the same key (its tables kept) still checks the data
            assertThat(verify(ours, k, DATA, jdkSig)).isTrue();
            byte[] other = DATA.clone();
            other[0] ^= 1;
            assertThat(verify(ours, k, other, jdkSig)).isFalse();
            // another key's signature
            assertThat(verify(ours, jdkKey("secp256r1"), DATA, jdkSig)).isFalse();
        }
    }

    @Test
    void keysOfBouncyCastleWork() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC", BC);
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair k = g.generateKeyPair();
        P256Ecdsa ours = new P256Ecdsa(BC);
        assertThat(verify(ours, k, DATA, sign(ours, k, DATA))).isTrue();
    }

    @Test
    void otherCurvesGoToBouncyCastle() throws Exception {
        KeyPair k = jdkKey("secp384r1");
        P256Ecdsa ours = new P256Ecdsa(BC);
        byte[] sig = sign(ours, k, DATA);
        Signature jdk = Signature.getInstance("SHA256withECDSA", "SunEC");
        jdk.initVerify(k.getPublic());
        jdk.update(DATA);
        assertThat(jdk.verify(sig)).isTrue();
        assertThat(verify(ours, k, DATA, sig)).isTrue();
    }

    @Test
    void refusesAPointOffTheCurveAndGarbledSignatures() throws Exception {
        KeyPair k = jdkKey("secp256r1");
        ECPublicKey pub = (ECPublicKey) k.getPublic();
        ECPoint off = new ECPoint(pub.getW().getAffineX(), pub.getW().getAffineY().add(BigInteger.ONE));
        ECPublicKey bad = new ECPublicKey() {
            public ECPoint getW() { return off; }
            public java.security.spec.ECParameterSpec getParams() { return pub.getParams(); }
            public String getAlgorithm() { return "EC"; }
            public String getFormat() { return null; }
            public byte[] getEncoded() { return null; }
        };
        P256Ecdsa ours = new P256Ecdsa(BC);
        assertThatThrownBy(() -> ours.engineInitVerify(bad)).isInstanceOf(InvalidKeyException.class);
        // a well-formed key still verifies afterwards; a garbled DER is an error, not a pass
        ours.engineInitVerify(KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(pub.getW(), pub.getParams())));
        ours.engineUpdate(DATA, 0, DATA.length);
        assertThatThrownBy(() -> ours.engineVerify(new byte[] {0x30, 0x03, 0x02, 0x01})).isInstanceOf(SignatureException.class);
    }

    @Test
    void installedProviderAnswersForJssesName() throws Exception {
        SandboxEcProvider.install();
        KeyPair k = jdkKey("secp256r1");
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(k.getPrivate());
        assertThat(s.getProvider().getName()).isEqualTo(SandboxEcProvider.NAME);
    }
}
