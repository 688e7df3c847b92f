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
 * @param jump         bastion (ProxyJump) to reach the node through, with its own user, key and known_hosts; or null
 */
public record SshTarget(String host, int port, String user, Path identityFile, Path knownHosts, String stagingDir,
        SshTarget jump) {
    public SshTarget {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(identityFile, "identityFile");
        Objects.requireNonNull(knownHosts, "knownHosts");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port " + port);
        if (jump != null && jump.jump() != null) throw new IllegalArgumentException("one bastion hop only");
    }

    public SshTarget(String host, int port, String user, Path identityFile, Path knownHosts, String stagingDir) {
        this(host, port, user, identityFile, knownHosts, stagingDir, null);
    }

    /** The node's target, through its ssh.proxyJump bastion when it has one (same key and known_hosts). */
    public static SshTarget of(Node node) {
        SshTarget target = new SshTarget(node.address(), node.ssh().port(), node.ssh().user(), node.ssh().identityFile(),
                node.ssh().knownHosts(), null, null);
        var jump = node.ssh().jump();
        if (jump == null) return target;
        return target.via(new SshTarget(jump.host(), jump.port(), jump.user(), node.ssh().identityFile(),
                node.ssh().knownHosts(), null, null));
    }

    public SshTarget withUser(String newUser) {
        return new SshTarget(host, port, newUser, identityFile, knownHosts, stagingDir, jump);
    }

    public SshTarget withIdentityFile(Path key) {
        return new SshTarget(host, port, user, key, knownHosts, stagingDir, jump);
    }

    public SshTarget withStagingDir(String dir) {
        return new SshTarget(host, port, user, identityFile, knownHosts, dir, jump);
    }

    /** Reach the node through {@code bastion} (its host key checked against its own known_hosts). */
    public SshTarget via(SshTarget bastion) {
        return new SshTarget(host, port, user, identityFile, knownHosts, stagingDir, bastion);
    }

    /** Commands need {@code sudo -n} when not logging in as root. */
    public boolean needsSudo() {
        return !user.equals("root");
    }

    /** "user@host:port", as in every message about this node. */
    public String display() {
        return user + "@" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port
                + (jump == null ? "" : " via " + jump.display());
    }

    /** The known_hosts name OpenSSH uses: "host" on port 22, else "[host]:port". */
    public String knownHostsName() {
        return port == 22 ? host : "[" + host + "]:" + port;
    }
}
