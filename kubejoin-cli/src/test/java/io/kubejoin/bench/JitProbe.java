package io.kubejoin.bench;

import java.security.MessageDigest;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * What JvmFlagsTest runs under the join's JVM flags to see which tier compiles what: AES-GCM, as a push encrypts a
 * binary, SHA-256, as a push hashes it, and an ordinary hot method of its own.
 */
public final class JitProbe {
    private JitProbe() {
    }

    public static void main(String[] args) throws Exception {
        SecretKeySpec key = new SecretKeySpec(new byte[16], "AES");
        byte[] data = new byte[4096];
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        long sum = 0;
        for (int i = 0; i < 3000; i++) {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            byte[] iv = new byte[12];
            iv[0] = (byte) i;
            iv[1] = (byte) (i >> 8);
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
            sum += c.doFinal(data)[0];
            sha256.update(data);
            for (int j = 0; j < 10; j++) sum += ordinaryWork(i, j);
        }
        System.out.println("probe " + sum + " " + sha256.digest()[0]);
    }

    static int ordinaryWork(int i, int j) {
        return Integer.toString(i * 31 + j).hashCode() & 7;
    }
}
