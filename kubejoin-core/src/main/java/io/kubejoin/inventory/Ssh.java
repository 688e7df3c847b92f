package io.kubejoin.inventory;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How kubejoin reaches a node; cluster-wide, each field overridable per node.
 *
 * @param proxyJump a bastion to go through, as OpenSSH's ProxyJump writes it: {@code [user@]host[:port]}; or null
 */
public record Ssh(String user, int port, Path identityFile, Path knownHosts, String proxyJump) {
    /** [user@]host[:port], host a name, an IPv4 address or a bracketed IPv6 address. */
    public static final Pattern PROXY_JUMP =
            Pattern.compile("(?:([a-z_][a-z0-9_.-]*)@)?(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+)(?::(\\d{1,5}))?");

    public Ssh(String user, int port, Path identityFile, Path knownHosts) {
        this(user, port, identityFile, knownHosts, null);
    }

    /** The bastion's user (the node's user when not given), host and port (22 when not given). */
    public record Jump(String user, String host, int port) {
    }

    public Jump jump() {
        if (proxyJump == null) return null;
        Matcher m = PROXY_JUMP.matcher(proxyJump);
        if (!m.matches()) throw new IllegalStateException("malformed proxyJump " + proxyJump);
        String host = m.group(2).startsWith("[") ? m.group(2).substring(1, m.group(2).length() - 1) : m.group(2);
        return new Jump(m.group(1) != null ? m.group(1) : user, host, m.group(3) != null ? Integer.parseInt(m.group(3)) : 22);
    }
}
