package io.kubejoin.remote;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier.HostEntryPair;

/**
 * A loaded known_hosts file's entries by the host they name, so that checking one node tests the few lines that can
 * match it instead of every line: with one line per node, MINA's scan of 1,000 lines per connection was about 3 %
 * of a 1,000-node join's CPU. Only a narrowing: the candidates still go through MINA's own matching, and lines
 * whose names cannot be indexed (hashed {@code |1|...}, wildcards, negations) are candidates for every host.
 */
final class KnownHostsIndex {
    private final Collection<HostEntryPair> source;
    private final int size;
    private final Map<String, List<Integer>> byHost = new HashMap<>();
    private final List<Integer> everyHost = new ArrayList<>();
    private final List<HostEntryPair> entries;

    KnownHostsIndex(Collection<HostEntryPair> source) {
        this.source = source;
        this.entries = new ArrayList<>(source);
        this.size = entries.size();
        for (int i = 0; i < entries.size(); i++) {
            List<String> hosts = hosts(entries.get(i).getHostEntry().getConfigLine());
            if (hosts == null) {
                everyHost.add(i);
            } else {
                for (String h : hosts) byHost.computeIfAbsent(h, k -> new ArrayList<>(1)).add(i);
            }
        }
    }

    /** True while {@code loaded} is still the collection this index was built from, unchanged in size. */
    boolean indexes(Collection<HostEntryPair> loaded) {
        return loaded == source && loaded.size() == size;
    }

    /** The entries that may match {@code host} (any port), in file order. */
    List<HostEntryPair> candidates(String host) {
        List<Integer> named = byHost.getOrDefault(host.toLowerCase(Locale.ROOT), List.of());
        List<HostEntryPair> out = new ArrayList<>(named.size() + everyHost.size());
        int i = 0;
        int j = 0;
        while (i < named.size() || j < everyHost.size()) { // merge two ascending position lists
            boolean fromNamed = j >= everyHost.size() || (i < named.size() && named.get(i) < everyHost.get(j));
            out.add(entries.get(fromNamed ? named.get(i++) : everyHost.get(j++)));
        }
        return out;
    }

    /**
     * The host names of a known_hosts line's first field ({@code host}, {@code [host]:port}, comma-separated;
     * after an optional {@code @marker}), lower case; null when any of them is not a plain name.
     */
    static List<String> hosts(String line) {
        if (line == null) return null;
        String[] fields = line.trim().split("\\s+");
        int f = fields.length > 0 && fields[0].startsWith("@") ? 1 : 0;
        if (fields.length <= f || fields[f].isEmpty() || fields[f].startsWith("|")) return null;
        List<String> hosts = new ArrayList<>();
        for (String p : fields[f].split(",")) {
            if (p.isEmpty() || p.indexOf('*') >= 0 || p.indexOf('?') >= 0 || p.indexOf('!') >= 0) return null;
            String host = p;
            if (p.startsWith("[")) {
                int close = p.indexOf(']');
                if (close < 0) return null;
                host = p.substring(1, close);
            }
            hosts.add(host.toLowerCase(Locale.ROOT));
        }
        return hosts;
    }
}
