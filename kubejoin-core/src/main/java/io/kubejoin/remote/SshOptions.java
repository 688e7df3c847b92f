package io.kubejoin.remote;

import java.nio.file.Path;
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
 * @param agentSocket       ssh-agent's Unix-domain socket ({@code SSH_AUTH_SOCK}), its keys tried before the key files;
 *                          or null
 * @param becomePassword    the sudo password of non-root users ({@code --ask-become-pass}, or
 *                          {@value #BECOME_PASSWORD_ENV}); null = passwordless sudo ({@code sudo -n}); read once, when
 *                          a node's sudo first asks
 */
public record SshOptions(
        boolean acceptNewHostKeys,
        Duration connectTimeout,
        Duration authTimeout,
        Duration keepalive,
        boolean preferCurve25519,
        int ioThreads,
        Supplier<String> passphrase,
        Path agentSocket,
        Supplier<String> becomePassword) {

    public static final String PASSPHRASE_ENV = "KUBEJOIN_SSH_PASSPHRASE";
    public static final String BECOME_PASSWORD_ENV = "KUBEJOIN_BECOME_PASSWORD";
    public static final String AGENT_ENV = "SSH_AUTH_SOCK";

    public SshOptions(boolean acceptNewHostKeys, Duration connectTimeout, Duration authTimeout, Duration keepalive,
            boolean preferCurve25519, int ioThreads, Supplier<String> passphrase) {
        this(acceptNewHostKeys, connectTimeout, authTimeout, keepalive, preferCurve25519, ioThreads, passphrase,
                agentFromEnvironment(), null);
    }

    /** SSH_AUTH_SOCK when set (as OpenSSH's client reads it), else no agent. */
    public static Path agentFromEnvironment() {
        String sock = System.getenv(AGENT_ENV);
        return sock == null || sock.isBlank() ? null : Path.of(sock);
    }

    public static SshOptions defaults() {
        return new SshOptions(false, Duration.ofSeconds(10), Duration.ofSeconds(15), Duration.ofSeconds(15), true,
                Math.max(2, Runtime.getRuntime().availableProcessors()), () -> System.getenv(PASSPHRASE_ENV), agentFromEnvironment(), null);
    }

    public SshOptions withAcceptNewHostKeys(boolean accept) {
        return new SshOptions(accept, connectTimeout, authTimeout, keepalive, preferCurve25519, ioThreads,
                passphrase, agentSocket, becomePassword);
    }

    public SshOptions withTimeouts(Duration connect, Duration auth) {
        return new SshOptions(acceptNewHostKeys, connect, auth, keepalive, preferCurve25519, ioThreads,
                passphrase, agentSocket, becomePassword);
    }

    public SshOptions withPreferCurve25519(boolean prefer) {
        return new SshOptions(acceptNewHostKeys, connectTimeout, authTimeout, keepalive, prefer, ioThreads,
                passphrase, agentSocket, becomePassword);
    }

    public SshOptions withPassphrase(Supplier<String> source) {
        return new SshOptions(acceptNewHostKeys, connectTimeout, authTimeout, keepalive, preferCurve25519, ioThreads,
                source, agentSocket, becomePassword);
    }

    public SshOptions withKeepalive(Duration interval) {
        return new SshOptions(acceptNewHostKeys, connectTimeout, authTimeout, interval, preferCurve25519, ioThreads,
                passphrase, agentSocket, becomePassword);
    }

    public SshOptions withIoThreads(int threads) {
        return new SshOptions(acceptNewHostKeys, connectTimeout, authTimeout, keepalive, preferCurve25519, threads,
                passphrase, agentSocket, becomePassword);
    }

    public SshOptions withAgentSocket(Path socket) {
        return new SshOptions(acceptNewHostKeys, connectTimeout, authTimeout, keepalive, preferCurve25519, ioThreads,
                passphrase, socket, becomePassword);
    }

    public SshOptions withBecomePassword(Supplier<String> source) {
        return new SshOptions(acceptNewHostKeys, connectTimeout, authTimeout, keepalive, preferCurve25519, ioThreads,
                passphrase, agentSocket, source);
    }

    @Override
    public String toString() {
        // the passphrase and sudo password suppliers are never printed (nor called)
        return "SshOptions[acceptNewHostKeys=" + acceptNewHostKeys + ", connectTimeout=" + connectTimeout
                + ", authTimeout=" + authTimeout + ", keepalive=" + keepalive + ", preferCurve25519="
                + preferCurve25519 + ", ioThreads=" + ioThreads + ", agentSocket=" + agentSocket + ", becomePassword="
                + (becomePassword == null ? "none" : "set") + "]";
    }
}
