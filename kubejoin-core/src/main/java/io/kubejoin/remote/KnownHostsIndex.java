package io.kubejoin.remote;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier.HostEntryPair;

/**
 * A loaded known_hosts file, kept compact and indexed by the host and port each line names, so that checking one node
 * parses and tests the few lines that can match it instead of every line. With one line per node, MINA's scan of
 * 1,000 lines per connection was about 3 % of a 1,000-node join's CPU, and its parsed entries (host pattern, compiled
 * regex, decoded key) about 1.5 KiB a line held for the whole join. This keeps each line's text (~0.25 KiB with
 * the index) and parses a line again when a connection asks for it. Only a narrowing: the candidates still go
 * through MINA's own matching, and lines whose names cannot be indexed (hashed {@code |1|...}, wildcards,
 * negations) are candidates for every host. As a list it is the whole file in order, each line parsed on access.
 *
 * <p>The port is part of the key because a line matches one port only (MINA's {@code HostPatternsHolder.isPortMatch},
 * as OpenSSH: {@code host} is port 22, {@code [host]:2222} port 2222). Indexed by host alone, nodes that share an
 * address and differ by port (forwarded ports of a NAT or bastion, Vagrant's 127.0.0.1:22xx, bench ssh's nodes) were
 * all candidates of each other: every connection parsed and decoded every line, O(nodes²) — at 200 such nodes 8.6 ms
 * of CPU a connection, 13.7 % of a join that pushed 1 MiB binaries.
 */
final class KnownHostsIndex extends AbstractList<HostEntryPair> {
    /** Turns a line MINA loaded once into its entry again (the same parse, so it cannot fail unless MINA changed). */
    @FunctionalInterface
    interface Parser {
        HostEntryPair parse(String line) throws Exception;
    }

    private static final int[] NONE = new int[0];

    private final String[] lines;
    private final Parser parser;
    /** "host:port" (lower case; port 22 for a plain name) → the positions of the lines naming it */
    private final Map<String, int[]> byKey = new HashMap<>();
    private final int[] everyHost;

    /** @param loaded the entries MINA loaded (their lines are kept, the parsed entries dropped) */
    KnownHostsIndex(List<HostEntryPair> loaded, Parser parser) {
        this.parser = parser;
        this.lines = new String[loaded.size()];
        this.everyHost = index(loaded, 0, NONE);
    }

    /** This index and then {@code added} (entries MINA parsed from lines appended to the file): this one is unchanged. */
    KnownHostsIndex plus(List<HostEntryPair> added) {
        return new KnownHostsIndex(this, added);
    }

    private KnownHostsIndex(KnownHostsIndex base, List<HostEntryPair> added) {
        this.parser = base.parser;
        this.lines = java.util.Arrays.copyOf(base.lines, base.lines.length + added.size());
        // the position arrays are never changed in place (merge makes new ones): sharing them with base is safe
        this.byKey.putAll(base.byKey);
        this.everyHost = index(added, base.lines.length, base.everyHost);
    }

    /**
     * Keeps the lines of {@code entries} from position {@code from} and indexes them; returns {@code every} with the
     * positions of those that name no plain host and port.
     */
    private int[] index(List<HostEntryPair> entries, int from, int[] every) {
        List<Integer> more = new ArrayList<>();
        for (int i = from; i < lines.length; i++) {
            lines[i] = entries.get(i - from).getHostEntry().getConfigLine();
            List<String> keys = keys(lines[i]);
            if (keys == null) {
                more.add(i);
            } else {
                for (String k : keys) byKey.merge(k, new int[] {i}, KnownHostsIndex::append);
            }
        }
        return more.isEmpty() ? every : append(every, more.stream().mapToInt(Integer::intValue).toArray());
    }

    private static int[] append(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Override
    public int size() {
        return lines.length;
    }

    /** The {@code i}-th line, parsed now (nothing parsed is kept). */
    @Override
    public HostEntryPair get(int i) {
        try {
            return parser.parse(lines[i]);
        } catch (Exception e) {
            throw new IllegalStateException("known_hosts line " + (i + 1) + " of the loaded entries no longer parses: "
                    + e.getMessage(), e);
        }
    }

    /** The entries that may match {@code host} on {@code port} (22 when not positive), in file order, parsed now. */
    List<HostEntryPair> candidates(String host, int port) {
        int[] named = byKey.getOrDefault(key(host, port), NONE);
        List<HostEntryPair> out = new ArrayList<>(named.length + everyHost.length);
        int i = 0;
        int j = 0;
        while (i < named.length || j < everyHost.length) { // merge two ascending position lists
            boolean fromNamed = j >= everyHost.length || (i < named.length && named[i] < everyHost[j]);
            out.add(get(fromNamed ? named[i++] : everyHost[j++]));
        }
        return out;
    }

    /** The index's key of a host and port: lower case, the port as MINA compares it (not positive: 22). */
    static String key(String host, int port) {
        return host.toLowerCase(Locale.ROOT) + ":" + (port > 0 ? port : 22);
    }

    /**
     * The keys ({@link #key}) of the names in a known_hosts line's first field ({@code host} for port 22,
     * {@code [host]:port}, comma-separated; after an optional {@code @marker}); null when any of them is not a plain
     * name and port.
     */
    static List<String> keys(String line) {
        if (line == null) return null;
        String[] fields = line.trim().split("\\s+");
        int f = fields.length > 0 && fields[0].startsWith("@") ? 1 : 0;
        if (fields.length <= f || fields[f].isEmpty() || fields[f].startsWith("|")) return null;
        List<String> keys = new ArrayList<>();
        for (String p : fields[f].split(",")) {
            if (p.isEmpty() || p.indexOf('*') >= 0 || p.indexOf('?') >= 0 || p.indexOf('!') >= 0) return null;
            String host = p;
            int port = 22;
            if (p.startsWith("[")) {
                // MINA's form: [host]:port, nothing else (it refuses "[host]" alone)
                int close = p.indexOf("]:");
                if (close < 0) return null;
                host = p.substring(1, close);
                try {
                    port = Integer.parseInt(p.substring(close + 2));
                } catch (NumberFormatException e) {
                    return null;
                }
                if (port <= 0 || port > 0xFFFF) return null;
            }
            keys.add(key(host, port));
        }
        return keys;
    }
}
