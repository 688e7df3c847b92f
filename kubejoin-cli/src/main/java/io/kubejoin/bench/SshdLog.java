package io.kubejoin.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What an sshd log at LogLevel VERBOSE tells of the connections it served. */
final class SshdLog {
    private static final Pattern SESSION = Pattern.compile("Starting session: (\\S+)");

    private SshdLog() {
    }

    /**
     * @param logins        "Accepted publickey" lines: one per authenticated connection
     * @param sessions      "Starting session:" lines: one per exec or subsystem channel
     * @param sessionKinds  sessions by the word after "Starting session:" (command, subsystem, shell, …)
     */
    record Figures(long logins, long sessions, Map<String, Long> sessionKinds) {
        static final Figures NONE = new Figures(0, 0, Map.of());

        Figures plus(Figures o) {
            Map<String, Long> kinds = new TreeMap<>(sessionKinds);
            o.sessionKinds.forEach((k, v) -> kinds.merge(k, v, Long::sum));
            return new Figures(logins + o.logins, sessions + o.sessions, kinds);
        }
    }

    static Figures parse(String log) {
        long logins = 0;
        long sessions = 0;
        Map<String, Long> kinds = new TreeMap<>();
        for (String line : log.split("\n")) {
            if (line.contains("Accepted publickey for ")) logins++;
            Matcher m = SESSION.matcher(line);
            if (m.find()) {
                sessions++;
                kinds.merge(m.group(1).replaceAll("[:,]$", ""), 1L, Long::sum);
            }
        }
        return new Figures(logins, sessions, kinds);
    }
}
