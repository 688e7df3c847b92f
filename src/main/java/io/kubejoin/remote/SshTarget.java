package io.kubejoin.remote;

import io.kubejoin.inventory.Node;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One node as SSH sees it.
 *
 * @param host         name or IP to connect to
 * @param identityFile OpenSSH-format private key (ed25519, RSA, ECDSA), optionally encrypted
 * @param knownHosts   the known_hosts file host keys are checked against (and recorded to in accept-new mode)
 * @param stagingDir   for a non-root user: the folder SFTP uploads to before {@code sudo -n install} copies into
 *                     place; null = {@code ~/.kubejoin-staging} on the node
 */
public record SshTarget(String host, int port, String user, Path identityFile, Path knownHosts, String stagingDir) {
    public SshTarget {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(identityFile, "identityFile");
        Objects.requireNonNull(knownHosts, "knownHosts");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port " + port);
    }

    public static SshTarget of(Node node) {
        return new SshTarget(node.address(), node.ssh().port(), node.ssh().user(), node.ssh().identityFile(),
                node.ssh().knownHosts(), null);
    }

    public SshTarget withUser(String newUser) {
        return new SshTarget(host, port, newUser, identityFile, knownHosts, stagingDir);
    }

    public SshTarget withIdentityFile(Path key) {
        return new SshTarget(host, port, user, key, knownHosts, stagingDir);
    }

    public SshTarget withStagingDir(String dir) {
        return new SshTarget(host, port, user, identityFile, knownHosts, dir);
    }

    /** Commands need {@code sudo -n} when not logging in as root. */
    public boolean needsSudo() {
        return !user.equals("root");
    }

    /** "user@host:port", as in every message about this node. */
    public String display() {
        return user + "@" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** The known_hosts name OpenSSH uses: "host" on port 22, else "[host]:port". */
    public String knownHostsName() {
        return port == 22 ? host : "[" + host + "]:" + port;
    }
}
