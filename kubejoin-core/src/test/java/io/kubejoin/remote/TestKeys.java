package io.kubejoin.remote;

import io.kubejoin.testing.Processes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;

/** Client key files made by the real ssh-keygen, so the parser sees exactly what users have. */
final class TestKeys {
    private TestKeys() {
    }

    /** type: ed25519, rsa, ecdsa. Returns the private key file; "file.pub" holds the public key. */
    static Path generate(Path dir, String type, String passphrase) {
        Path key = dir.resolve("id_" + type + (passphrase.isEmpty() ? "" : "_enc"));
        List<String> cmd = new java.util.ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-N", passphrase,
                "-C", "kubejoin-test", "-f", key.toString()));
        if (type.equals("rsa")) cmd.addAll(List.of("-b", "2048"));
        Processes.Result r = Processes.run(cmd);
        if (r.exitCode() != 0) throw new AssertionError("ssh-keygen failed: " + r.stderr());
        return key;
    }

    static PublicKey publicKey(Path privateKeyFile) {
        try {
            String line = Files.readString(Path.of(privateKeyFile + ".pub")).strip();
            return AuthorizedKeyEntry.parseAuthorizedKeyEntry(line).resolvePublicKey(null,
                    PublicKeyEntryResolver.FAILING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    /** A known_hosts line as OpenSSH writes it: "[127.0.0.1]:2222 ecdsa-sha2-nistp256 AAAA…". */
    static String knownHostsLine(String host, int port, PublicKey key) {
        return (port == 22 ? host : "[" + host + "]:" + port) + " " + PublicKeyEntry.toString(key) + "\n";
    }
}
