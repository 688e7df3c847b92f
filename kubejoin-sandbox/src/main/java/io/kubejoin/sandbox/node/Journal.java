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
        // klog's header, "%c%02d%02d %02d:%02d:%02d.%06d %7d %s] %s", built by hand: String.format's parsing and
        // locale lookups were most of a line's cost, and every simulated kubelet and kube-proxy logs dozens
        StringBuilder b = new StringBuilder(40 + source.length() + message.length()).append(severity);
        digits(b, t.getMonthValue(), 2);
        digits(b, t.getDayOfMonth(), 2);
        digits(b.append(' '), t.getHour(), 2);
        digits(b.append(':'), t.getMinute(), 2);
        digits(b.append(':'), t.getSecond(), 2);
        digits(b.append('.'), t.getNano() / 1000, 6);
        String p = Integer.toString(pid);
        b.append(' ');
        for (int i = p.length(); i < 7; i++) b.append(' ');
        String line = b.append(p).append(' ').append(source).append("] ").append(message).toString();
        synchronized (lines) {
            if (lines.size() == MAX_LINES) {
                lines.remove(0);
                times.remove(0);
            }
            lines.add(line);
            times.add(now);
        }
    }

    /** {@code value} zero-padded to {@code width} digits (value >= 0). */
    private static void digits(StringBuilder b, int value, int width) {
        String v = Integer.toString(value);
        for (int i = v.length(); i < width; i++) b.append('0');
        b.append(v);
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
