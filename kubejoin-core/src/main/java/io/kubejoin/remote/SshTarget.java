package io.kubejoin.remote;

import io.kubejoin.inventory.Node;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One node as SSH sees it.
 *
 * @param host         name or IP to connect to (the config file's HostName when it gives one)
 * @param identityFile OpenSSH-format private key (ed25519, RSA, ECDSA), optionally encrypted; tried first
 * @param knownHosts   the known_hosts file host keys are checked against (and recorded to in accept-new mode)
 * @param jump         bastion (ProxyJump) to reach the node through, with its own user, keys and known_hosts, itself
 *                     possibly behind another; or null
 * @param moreIdentityFiles further keys to try after {@code identityFile} (the config file's other IdentityFile
 *                     lines); a missing one is skipped, as OpenSSH does
 * @param alias        the name the ssh config file knows this host by, when it is not {@code host}; or null
 */
public record SshTarget(String host, int port, String user, Path identityFile, Path knownHosts, SshTarget jump,
        List<Path> moreIdentityFiles, String alias) {
    /** More bastions than this in one chain is a loop in the config file, not a network. */
    public static final int MAX_HOPS = 8;

    public SshTarget {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(identityFile, "identityFile");
        Objects.requireNonNull(knownHosts, "knownHosts");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port " + port);
        moreIdentityFiles = moreIdentityFiles == null ? List.of() : List.copyOf(moreIdentityFiles);
        int hops = 0;
        for (SshTarget j = jump; j != null; j = j.jump()) {
            if (++hops > MAX_HOPS) throw new IllegalArgumentException("more than " + MAX_HOPS + " bastions");
        }
    }

    public SshTarget(String host, int port, String user, Path identityFile, Path knownHosts, SshTarget jump) {
        this(host, port, user, identityFile, knownHosts, jump, List.of(), null);
    }

    public SshTarget(String host, int port, String user, Path identityFile, Path knownHosts) {
        this(host, port, user, identityFile, knownHosts, null);
    }

    /**
     * The node's target: with an OpenSSH config file ({@code ssh.configFile}), what the inventory leaves unsaid comes
     * from it ({@link SshConfig}); else the inventory's fields, through its ssh.proxyJump bastions when it has them
     * (same keys and known_hosts).
     */
    public static SshTarget of(Node node) throws TransportException {
        if (node.ssh().configFile() != null) return SshConfig.target(node);
        SshTarget target = new SshTarget(node.address(), node.ssh().port(), node.ssh().user(), node.ssh().identityFile(),
                node.ssh().knownHosts(), null);
        SshTarget via = null;
        try {
            for (var jump : node.ssh().jumps()) {
                via = new SshTarget(jump.host(), jump.port(), jump.user(), node.ssh().identityFile(),
                        node.ssh().knownHosts(), via);
            }
        } catch (IllegalArgumentException e) {
            throw new TransportException(TransportException.Kind.INVALID_REQUEST, node.name(),
                    "ssh.proxyJump: " + e.getMessage() + "; a route of more bastions is not a network");
        }
        return via == null ? target : target.via(via);
    }

    /** identityFile, then moreIdentityFiles. */
    public List<Path> identityFiles() {
        List<Path> all = new ArrayList<>();
        all.add(identityFile);
        all.addAll(moreIdentityFiles);
        return all;
    }

    public SshTarget withUser(String newUser) {
        return new SshTarget(host, port, newUser, identityFile, knownHosts, jump, moreIdentityFiles, alias);
    }

    public SshTarget withIdentityFile(Path key) {
        return new SshTarget(host, port, user, key, knownHosts, jump, List.of(), alias);
    }

    /** Reach the node through {@code bastion} (its host key checked against its own known_hosts). */
    public SshTarget via(SshTarget bastion) {
        return new SshTarget(host, port, user, identityFile, knownHosts, bastion, moreIdentityFiles, alias);
    }

    /** Commands need {@code sudo} when not logging in as root. */
    public boolean needsSudo() {
        return !user.equals("root");
    }

    /** "user@host:port", as in every message about this node ("(alias)" when the config file names it so). */
    public String display() {
        return user + "@" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port
                + (alias == null ? "" : " (" + alias + ")")
                + (jump == null ? "" : " via " + jump.display());
    }

    /** The known_hosts name OpenSSH uses: "host" on port 22, else "[host]:port". */
    public String knownHostsName() {
        return port == 22 ? host : "[" + host + "]:" + port;
    }
}
