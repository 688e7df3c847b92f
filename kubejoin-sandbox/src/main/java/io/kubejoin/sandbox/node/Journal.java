package io.kubejoin.sandbox.node;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Stands for the systemd journal of one unit ({@code journalctl -u kubelet}): the lines a simulated component
 * prints, in klog's header format ({@code E1126 02:10:11.123456    4242 file.go:123] message}). Bounded (the
 * oldest lines go first); never given a token or key — callers log names and ids only.
 */
public final class Journal {
    private static final int MAX_LINES = 500;
    private final Clock clock;
    private final int pid;
    private final List<String> lines = new ArrayList<>();
    /** When each line of {@link #lines} was written (same index): journald's timestamp, for --since. */
    private final List<java.time.Instant> times = new ArrayList<>();

    /** A line and when it was written. */
    public record Entry(java.time.Instant time, String line) {
    }

    public Journal(Clock clock, int pid) {
        this.clock = clock;
        this.pid = pid;
    }

    public void info(String source, String message) {
        add('I', source, message);
    }

    public void warning(String source, String message) {
        add('W', source, message);
    }

    public void error(String source, String message) {
        add('E', source, message);
    }

    private void add(char severity, String source, String message) {
        java.time.Instant now = clock.instant();
        ZonedDateTime t = now.atZone(ZoneOffset.UTC);
        String line = String.format("%c%02d%02d %02d:%02d:%02d.%06d %7d %s] %s", severity, t.getMonthValue(),
                t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond(), t.getNano() / 1000, pid, source, message);
        synchronized (lines) {
            if (lines.size() == MAX_LINES) {
                lines.remove(0);
                times.remove(0);
            }
            lines.add(line);
            times.add(now);
        }
    }

    /** Every line kept, oldest first. */
    public List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** Every line kept with its time, oldest first. */
    public List<Entry> entries() {
        synchronized (lines) {
            List<Entry> out = new ArrayList<>(lines.size());
            for (int i = 0; i < lines.size(); i++) out.add(new Entry(times.get(i), lines.get(i)));
            return out;
        }
    }

    /** The last {@code n} lines, as {@code journalctl -u UNIT -n N} shows them. */
    public List<String> last(int n) {
        synchronized (lines) {
            return List.copyOf(lines.subList(Math.max(0, lines.size() - n), lines.size()));
        }
    }

    public boolean contains(String fragment) {
        synchronized (lines) {
            return lines.stream().anyMatch(l -> l.contains(fragment));
        }
    }
}
