package io.kubejoin.inventory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How kubejoin reaches a node; cluster-wide, each field overridable per node.
 *
 * @param proxyJump  bastions to go through, as OpenSSH's ProxyJump writes them: {@code [user@]host[:port]}, several
 *                   separated by commas (the first is reached first); or null
 * @param configFile an OpenSSH client config (default {@code ~/.ssh/config} when it exists; none with
 *                   {@code configFile: none} or in a sandbox inventory): it supplies what the inventory leaves unsaid
 * @param written    the fields the inventory wrote for this node (cluster-wide or its own): those win over the config
 *                   file; the others are defaults the config file may replace
 */
public record Ssh(String user, int port, Path identityFile, Path knownHosts, String proxyJump, Path configFile,
        Set<String> written) {
    /** [user@]host[:port], host a name, an IPv4 address or a bracketed IPv6 address. */
    public static final Pattern PROXY_JUMP =
            Pattern.compile("(?:([a-z_][a-z0-9_.-]*)@)?(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+)(?::(\\d{1,5}))?");
    /** Every field, as an inventory built in code (no config file) states them all. */
    public static final Set<String> ALL = Set.of("user", "port", "identityFile", "knownHosts", "proxyJump");

    public Ssh {
        written = written == null ? ALL : Set.copyOf(written);
    }

    public Ssh(String user, int port, Path identityFile, Path knownHosts, String proxyJump) {
        this(user, port, identityFile, knownHosts, proxyJump, null, ALL);
    }

    public Ssh(String user, int port, Path identityFile, Path knownHosts) {
        this(user, port, identityFile, knownHosts, null);
    }

    /** Whether the inventory states {@code field} for this node (else the config file may supply it). */
    public boolean wrote(String field) {
        return written.contains(field);
    }

    /** The bastion's user (the node's user when not given), host and port (22 when not given). */
    public record Jump(String user, String host, int port) {
    }

    /** The first bastion (the one reached first), or null. */
    public Jump jump() {
        List<Jump> all = jumps();
        return all.isEmpty() ? null : all.get(0);
    }

    /** Every bastion, the first reached first. */
    public List<Jump> jumps() {
        List<Jump> out = new ArrayList<>();
        if (proxyJump == null) return out;
        for (String hop : proxyJump.split(",")) {
            Jump j = parseHop(hop.strip(), user);
            if (j == null) throw new IllegalStateException("malformed proxyJump " + proxyJump);
            out.add(j);
        }
        return out;
    }

    /** One hop of a ProxyJump value, or null when it is not [user@]host[:port]; {@code user} when it names none. */
    public static Jump parseHop(String hop, String user) {
        Matcher m = PROXY_JUMP.matcher(hop);
        if (!m.matches()) return null;
        if (m.group(3) != null && (Integer.parseInt(m.group(3)) < 1 || Integer.parseInt(m.group(3)) > 65535)) {
            return null;
        }
        String host = m.group(2).startsWith("[") ? m.group(2).substring(1, m.group(2).length() - 1) : m.group(2);
        return new Jump(m.group(1) != null ? m.group(1) : user, host,
                m.group(3) != null ? Integer.parseInt(m.group(3)) : 22);
    }
}
