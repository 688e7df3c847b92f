package io.kubejoin.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.api.Test;

/** Core's P-256 ECDSA agrees with the JDK's in both directions and refuses what is not a P-256 key or signature. */
class P256Test {
    private static final byte[] DATA = "a kubelet's CertificationRequestInfo".getBytes(StandardCharsets.UTF_8);

    private static KeyPair jdkKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC", "SunEC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    private static byte[] encodedPoint(KeyPair k) {
        return SubjectPublicKeyInfo.getInstance(k.getPublic().getEncoded()).getPublicKeyData().getOctets();
    }

    @Test
    void verifiesWhatTheJdkSignsAndSignsWhatTheJdkVerifies() throws Exception {
        for (int i = 0; i < 10; i++) {
            KeyPair k = jdkKey();
            Signature jdk = Signature.getInstance("SHA256withECDSA", "SunEC");
            jdk.initSign(k.getPrivate());
            jdk.update(DATA);
            byte[] jdkSig = jdk.sign();
            assertThat(P256.verify(P256.publicKey(encodedPoint(k)), sha256(DATA), jdkSig)).isTrue();
            ECPublicKey pub = (ECPublicKey) k.getPublic();
            assertThat(P256.verify(P256.publicKey(pub.getW().getAffineX(), pub.getW().getAffineY()), sha256(DATA), jdkSig))
                    .isTrue();
            byte[] other = DATA.clone();
            other[0] ^= 1;
            assertThat(P256.verify(P256.publicKey(encodedPoint(k)), sha256(other), jdkSig)).isFalse();
            assertThat(P256.verify(P256.publicKey(encodedPoint(jdkKey())), sha256(DATA), jdkSig)).isFalse();

            byte[] ours = P256.sign(P256.privateKey(((ECPrivateKey) k.getPrivate()).getS()), sha256(DATA), new SecureRandom());
            jdk.initVerify(k.getPublic());
            jdk.update(DATA);
            assertThat(jdk.verify(ours)).isTrue();
        }
    }

    @Test
    void refusesAPointOffTheCurve() throws Exception {
        byte[] point = encodedPoint(jdkKey());
        point[point.length - 1] ^= 1; // y no longer matches x
        assertThatThrownBy(() -> P256.publicKey(point)).isInstanceOf(IllegalArgumentException.class);
        ECPublicKey pub = (ECPublicKey) jdkKey().getPublic();
        assertThatThrownBy(() -> P256.publicKey(pub.getW().getAffineX(), pub.getW().getAffineY().add(BigInteger.ONE)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesMalformedSignaturesAndScalarsOutOfRange() throws Exception {
        KeyPair k = jdkKey();
        assertThatThrownBy(() -> P256.verify(P256.publicKey(encodedPoint(k)), sha256(DATA), new byte[] {0x30, 0x03, 1}))
                .isInstanceOf(IOException.class);
        // r = 0 decodes but never verifies: DER SEQUENCE { INTEGER 0, INTEGER 1 }
        byte[] zeroR = {0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01};
        assertThat(P256.verify(P256.publicKey(encodedPoint(k)), sha256(DATA), zeroR)).isFalse();
        // r = n is not even a value of the group
        byte[] n = P256.DOMAIN.getN().toByteArray(); // 33 bytes, a leading 0x00
        byte[] rIsN = new byte[2 + 2 + n.length + 3];
        rIsN[0] = 0x30;
        rIsN[1] = (byte) (2 + n.length + 3);
        rIsN[2] = 0x02;
        rIsN[3] = (byte) n.length;
        System.arraycopy(n, 0, rIsN, 4, n.length);
        rIsN[4 + n.length] = 0x02;
        rIsN[5 + n.length] = 0x01;
        rIsN[6 + n.length] = 0x01;
        assertThatThrownBy(() -> P256.verify(P256.publicKey(encodedPoint(k)), sha256(DATA), rIsN))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> P256.privateKey(BigInteger.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> P256.privateKey(P256.DOMAIN.getN())).isInstanceOf(IllegalArgumentException.class);
    }
}
