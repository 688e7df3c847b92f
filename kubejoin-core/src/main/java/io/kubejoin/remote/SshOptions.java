package io.kubejoin.remote;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Settings shared by every SSH connection of one run.
 *
 * @param acceptNewHostKeys trust on first use: an unknown host key is recorded to known_hosts; a changed key is
 *                          refused regardless
 * @param connectTimeout    TCP connect
 * @param authTimeout       key exchange (host key check included) plus public-key login
 * @param keepalive         interval of keepalive@openssh.com requests; 3 unanswered ones close the connection
 * @param preferCurve25519  put curve25519-sha256 first (≈10 ms of CPU per connection instead of ≈34 ms for
 *                          MINA's default sntrup761x25519); false keeps MINA's order (for measurements)
 * @param ioThreads         threads of the shared NIO2 group, for all connections of the run
 * @param passphrase        passphrase of encrypted private keys, or null; read only when a key needs it
 */
public record SshOptions(
        boolean acceptNewHostKeys,
        Duration connectTimeout,
        Duration authTimeout,
        Duration keepalive,
        boolean preferCurve25519,
        int ioThreads,
        Supplier<String> passphrase) {

    public static final String PASSPHRASE_ENV = "KUBEJOIN_SSH_PASSPHRASE";

    public static SshOptions defaults() {
        return new SshOptions(false, Duration.ofSeconds(10), Duration.ofSeconds(15), Duration.ofSeconds(15), true,
                Math.max(2, Runtime.getRuntime().availableProcessors()), () -> System.getenv(PASSPHRASE_ENV));
    }

    public SshOptions withAcceptNewHostKeys(boolean accept) {
        return new SshOptions(accept, connectTimeout, authTimeout, keepalive, preferCurve25519, ioThreads, passphrase);
    }

    public SshOptions withTimeouts(Duration connect, Duration auth) {
        return new SshOptions(acceptNewHostKeys, connect, auth, keepalive, preferCurve25519, ioThreads, passphrase);
    }

    public SshOptions withPreferCurve25519(boolean prefer) {
        return new SshOptions(acceptNewHostKeys, connectTimeout, authTimeout, keepalive, prefer, ioThreads, passphrase);
    }

    public SshOptions withPassphrase(Supplier<String> source) {
        return new SshOptions(acceptNewHostKeys, connectTimeout, authTimeout, keepalive, preferCurve25519, ioThreads,
                source);
    }

    public SshOptions withKeepalive(Duration interval) {
        return new SshOptions(acceptNewHostKeys, connectTimeout, authTimeout, interval, preferCurve25519, ioThreads,
                passphrase);
    }

    public SshOptions withIoThreads(int threads) {
        return new SshOptions(acceptNewHostKeys, connectTimeout, authTimeout, keepalive, preferCurve25519, threads,
                passphrase);
    }

    @Override
    public String toString() {
        // the passphrase supplier is never printed (nor called)
        return "SshOptions[acceptNewHostKeys=" + acceptNewHostKeys + ", connectTimeout=" + connectTimeout
                + ", authTimeout=" + authTimeout + ", keepalive=" + keepalive + ", preferCurve25519="
                + preferCurve25519 + ", ioThreads=" + ioThreads + "]";
    }
}
