package io.kubejoin.remote;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/** Private keys from OpenSSH-format files, each parsed (and decrypted) once per run however many nodes use it. */
final class Identities {
    private final Supplier<String> passphrase;
    private final ConcurrentMap<Path, List<KeyPair>> cache = new ConcurrentHashMap<>();

    Identities(Supplier<String> passphrase) {
        this.passphrase = passphrase;
    }

    List<KeyPair> load(Path file, String target) throws TransportException {
        Path key = file.toAbsolutePath().normalize();
        List<KeyPair> cached = cache.get(key);
        if (cached != null) return cached;
        synchronized (this) { // one decryption per file even when many nodes connect at once (bcrypt KDF is slow)
            cached = cache.get(key);
            if (cached != null) return cached;
            List<KeyPair> pairs = read(key, target);
            cache.put(key, pairs);
            return pairs;
        }
    }

    private List<KeyPair> read(Path file, String target) throws TransportException {
        boolean[] asked = {false};
        FilePasswordProvider provider = (session, resource, retry) -> {
            asked[0] = true;
            String p = passphrase == null ? null : passphrase.get();
            if (p == null || p.isEmpty()) {
                throw new IOException("the key is encrypted and " + SshOptions.PASSPHRASE_ENV + " is not set");
            }
            return p;
        };
        try (InputStream in = Files.newInputStream(file)) {
            List<KeyPair> pairs = new ArrayList<>();
            Iterable<KeyPair> loaded = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(file.toString()),
                    in, provider);
            if (loaded != null) loaded.forEach(pairs::add);
            if (pairs.isEmpty()) throw new IOException("no private key found in it");
            return List.copyOf(pairs);
        } catch (NoSuchFileException e) {
            throw new TransportException(TransportException.Kind.IDENTITY, target,
                    "private key " + file + " does not exist");
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            // the message names the file and the cause, never key material or the passphrase
            String why = asked[0] && !(e.getMessage() != null && e.getMessage().contains(SshOptions.PASSPHRASE_ENV))
                    ? "wrong passphrase (from " + SshOptions.PASSPHRASE_ENV + ") or damaged key"
                    : String.valueOf(e.getMessage());
            throw new TransportException(TransportException.Kind.IDENTITY, target,
                    "cannot load private key " + file + ": " + why);
        }
    }
}
