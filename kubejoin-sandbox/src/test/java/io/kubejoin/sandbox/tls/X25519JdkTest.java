package io.kubejoin.sandbox.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.Test;

/** The sandbox's X25519 agrees with the JDK's own, through the calls JSSE makes for a TLS 1.3 key share. */
class X25519JdkTest {
    @Test
    void agreesWithTheJdksX25519BothWays() throws Exception {
        BouncyCastleProvider bc = new BouncyCastleProvider();
        for (int i = 0; i < 50; i++) {
            X25519Jdk.Generator g = new X25519Jdk.Generator(bc);
            g.initialize(NamedParameterSpec.X25519, null);
            KeyPair ours = g.generateKeyPair();
            KeyPairGenerator jdkGen = KeyPairGenerator.getInstance("XDH", "SunEC");
            jdkGen.initialize(NamedParameterSpec.X25519);
            KeyPair jdk = jdkGen.generateKeyPair();

            // as JSSE reads a peer's share: its u-coordinate through the key factory
            X25519Jdk.Factory f = new X25519Jdk.Factory(bc);
            PublicKey peerForUs = f.engineGeneratePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, ((XECPublicKey) jdk.getPublic()).getU()));
            X25519Jdk.Agreement a = new X25519Jdk.Agreement(bc);
            a.engineInit(ours.getPrivate(), null);
            a.engineDoPhase(peerForUs, true);
            byte[] mine = a.engineGenerateSecret("TlsPremasterSecret").getEncoded();

            PublicKey oursForJdk = KeyFactory.getInstance("XDH", "SunEC")
                    .generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, ((XECPublicKey) ours.getPublic()).getU()));
            KeyAgreement ka = KeyAgreement.getInstance("XDH", "SunEC");
            ka.init(jdk.getPrivate());
            ka.doPhase(oursForJdk, true);
            assertThat(mine).hasSize(32).isEqualTo(ka.generateSecret());
        }
    }

    @Test
    void refusesX448SoTheJdkProviderTakesIt() {
        X25519Jdk.Generator g = new X25519Jdk.Generator(new BouncyCastleProvider());
        assertThatThrownBy(() -> g.initialize(NamedParameterSpec.X448, null))
                .isInstanceOf(java.security.InvalidAlgorithmParameterException.class);
    }
}
