package io.kubejoin.remote;

import io.kubejoin.inventory.Node;
import io.kubejoin.inventory.Ssh;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.sshd.client.config.hosts.HostConfigEntry;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;

/**
 * A node's {@link SshTarget} from the inventory and an OpenSSH client config file (ssh_config(5)), parsed and matched
 * by MINA's own resolver ({@link HostConfigEntry}): Host patterns, HostName, User, Port, IdentityFile,
 * UserKnownHostsFile and ProxyJump, OpenSSH's first obtained value winning.
 *
 * <p>The inventory is read first, so a field it writes (cluster-wide or for the node) wins; the config file supplies
 * what it leaves unsaid. The node is looked up as {@code ssh <name>} when a Host line names it literally (an alias),
 * else as {@code ssh <address>}. Each ProxyJump hop is resolved through the same file (its alias, HostName, User,
 * Port, IdentityFile; the first hop's own ProxyJump too, as {@code ssh -J} does), and every hop's host key is
 * checked against known_hosts like the node's.
 */
public final class SshConfig {
    private static final ConcurrentMap<Path, Parsed> FILES = new ConcurrentHashMap<>();

    private record Parsed(List<HostConfigEntry> entries, HostConfigEntryResolver resolver, long modified) {
    }

    private SshConfig() {
    }

    static SshTarget target(Node node) throws TransportException {
        Ssh ssh = node.ssh();
        Parsed cfg = parsed(ssh.configFile(), node.name());
        String key = namesLiterally(cfg.entries(), node.name()) ? node.name() : node.address();
        HostConfigEntry e = resolve(cfg, ssh.configFile(), key, ssh.wrote("port") ? ssh.port() : 0,
                ssh.wrote("user") ? ssh.user() : null, node.name());
        String host = e == null || e.getHostName() == null || e.getHostName().equals(key) ? node.address()
                : e.getHostName();
        int port = ssh.wrote("port") || e == null || e.getPort() <= 0 ? ssh.port() : e.getPort();
        String user = ssh.wrote("user") || e == null || e.getProperty("User") == null ? ssh.user() : e.getUsername();
        List<Path> keys = ssh.wrote("identityFile") ? List.of(ssh.identityFile()) : identities(e, ssh.identityFile());
        Path knownHosts = ssh.wrote("knownHosts") ? ssh.knownHosts() : knownHosts(e, ssh.knownHosts());
        String jump = ssh.wrote("proxyJump") ? ssh.proxyJump() : e == null ? null : e.getProxyJump();
        SshTarget via = chain(cfg, ssh.configFile(), jump, user, keys, knownHosts, node.name(), 0);
        try {
            return new SshTarget(host, port, user, keys.get(0), knownHosts, via, keys.subList(1, keys.size()),
                    key.equals(node.name()) && !key.equals(host) ? key : null);
        } catch (IllegalArgumentException tooMany) {
            throw new TransportException(TransportException.Kind.INVALID_REQUEST, node.name(), "the ssh settings of "
                    + "this node (inventory and " + ssh.configFile() + ") give " + tooMany.getMessage(), tooMany);
        }
    }

    /**
     * The bastions of a ProxyJump value ({@code a,b}: a reached first), each resolved through the config file; null
     * for none. Only the first hop's own ProxyJump applies (the later ones are reached through the earlier).
     */
    private static SshTarget chain(Parsed cfg, Path file, String spec, String nodeUser, List<Path> nodeKeys,
            Path nodeKnownHosts, String who, int depth) throws TransportException {
        if (spec == null || spec.isBlank() || spec.equals("none")) return null;
        if (depth > SshTarget.MAX_HOPS) {
            throw new TransportException(TransportException.Kind.INVALID_REQUEST, who,
                    "ProxyJump in " + file + " loops (more than " + SshTarget.MAX_HOPS + " bastions); fix the Host "
                            + "blocks so the bastions' ProxyJump lines end");
        }
        String[] hops = spec.split(",");
        SshTarget via = null;
        for (int i = 0; i < hops.length; i++) {
            Ssh.Jump j = Ssh.parseHop(hops[i].strip(), null);
            if (j == null) {
                throw new TransportException(TransportException.Kind.INVALID_REQUEST, who, "ProxyJump '" + spec
                        + "' (from " + file + ") is not [user@]host[:port],...; fix it there or set ssh.proxyJump");
            }
            boolean portGiven = hops[i].strip().matches(".*:\\d+$") && !hops[i].strip().endsWith("]");
            HostConfigEntry e = resolve(cfg, file, j.host(), portGiven ? j.port() : 0, j.user(), who);
            String host = e == null || e.getHostName() == null ? j.host() : e.getHostName();
            int port = portGiven || e == null || e.getPort() <= 0 ? j.port() : e.getPort();
            String user = j.user() != null ? j.user()
                    : e != null && e.getProperty("User") != null ? e.getUsername() : nodeUser;
            List<Path> keys = e == null || e.getIdentities().isEmpty() ? nodeKeys : identities(e, nodeKeys.get(0));
            Path kh = knownHosts(e, nodeKnownHosts);
            SshTarget before = i == 0 ? chain(cfg, file, e == null ? null : e.getProxyJump(), nodeUser, nodeKeys,
                    nodeKnownHosts, who, depth + 1) : via;
            try {
                via = new SshTarget(host, port, user, keys.get(0), kh, before, keys.subList(1, keys.size()),
                        host.equals(j.host()) ? null : j.host());
            } catch (IllegalArgumentException tooMany) {
                throw new TransportException(TransportException.Kind.INVALID_REQUEST, who, "ProxyJump '" + spec
                        + "' (from " + file + "): " + tooMany.getMessage() + "; fix it there or set ssh.proxyJump", tooMany);
            }
        }
        return via;
    }

    private static HostConfigEntry resolve(Parsed cfg, Path file, String host, int port, String user, String who)
            throws TransportException {
        try {
            return cfg.resolver().resolveEffectiveHost(host, port, null, user, null, null);
        } catch (IOException | RuntimeException e) {
            throw new TransportException(TransportException.Kind.INVALID_REQUEST, who,
                    "cannot apply OpenSSH config " + file + " to " + host + ": " + e.getMessage()
                            + "; fix the file or set ssh.configFile: none", e);
        }
    }

    /** The IdentityFile lines in order (tokens such as ~ and %d expanded by MINA); else the inventory's key. */
    private static List<Path> identities(HostConfigEntry e, Path fallback) {
        List<Path> out = new ArrayList<>();
        if (e != null) {
            for (String id : e.getIdentities()) out.add(Path.of(id));
        }
        if (out.isEmpty()) out.add(fallback);
        return out;
    }

    private static Path knownHosts(HostConfigEntry e, Path fallback) {
        String v = e == null ? null : e.getProperty("UserKnownHostsFile");
        if (v == null || v.isBlank()) return fallback;
        String first = v.strip().split("[\\s,]+")[0];
        // the lab idiom "UserKnownHostsFile /dev/null" (with StrictHostKeyChecking no) verifies nothing: kubejoin
        // keeps checking its own known_hosts instead (and never reads StrictHostKeyChecking)
        if (first.equals("/dev/null") || first.equalsIgnoreCase("none")) return fallback;
        if (first.equals("~") || first.startsWith("~/")) {
            first = System.getProperty("user.home") + first.substring(1);
        }
        return Path.of(first);
    }

    /** Whether a Host line names {@code name} itself (not only through a wildcard): an alias for the node. */
    private static boolean namesLiterally(List<HostConfigEntry> entries, String name) {
        for (HostConfigEntry e : entries) {
            String host = e.getHost();
            if (host == null) continue;
            for (String p : host.split("[\\s,]+")) {
                if (p.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) return true;
            }
        }
        return false;
    }

    /** Parsed once per run (again only when the file changed), shared by every node. */
    private static Parsed parsed(Path file, String who) throws TransportException {
        long modified;
        try {
            modified = java.nio.file.Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            throw new TransportException(TransportException.Kind.INVALID_REQUEST, who,
                    "cannot read OpenSSH config " + file + ": " + e.getMessage(), e);
        }
        Parsed p = FILES.get(file);
        if (p != null && p.modified() == modified) return p;
        try {
            List<HostConfigEntry> entries = HostConfigEntry.readHostConfigEntries(file);
            p = new Parsed(entries, HostConfigEntry.toHostConfigEntryResolver(entries), modified);
        } catch (IOException | RuntimeException e) {
            throw new TransportException(TransportException.Kind.INVALID_REQUEST, who,
                    "cannot parse OpenSSH config " + file + ": " + e.getMessage()
                            + "; fix the file or set ssh.configFile: none", e);
        }
        FILES.put(file, p);
        return p;
    }
}
