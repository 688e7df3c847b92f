package io.kubejoin.util;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go's time.ParseDuration syntax ("87600h", "1h30m", "1.5h"), which cfssl and Kubernetes configs use. */
public final class GoDuration {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
    private static final Map<String, Long> NANOS = Map.of(
            "ns", 1L, "us", 1_000L, "µs", 1_000L, "μs", 1_000L, "ms", 1_000_000L,
            "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);

    private GoDuration() {
    }

    /** @throws IllegalArgumentException with a message fit for a Problem */
    public static Duration parse(String text) {
        if (text == null || text.isEmpty()) throw new IllegalArgumentException("empty duration");
        String s = text;
        boolean negative = false;
        if (s.startsWith("-") || s.startsWith("+")) {
            negative = s.startsWith("-");
            s = s.substring(1);
        }
        if (s.equals("0")) return Duration.ZERO;
        Matcher m = PART.matcher(s);
        int pos = 0;
        BigDecimal nanos = BigDecimal.ZERO;
        while (pos < s.length()) {
            if (!m.find(pos) || m.start() != pos) {
                String hint = s.matches(".*\\d+d.*") ? " (Go durations have no 'd' unit: 365 days is 8760h)" : "";
                throw new IllegalArgumentException("'" + text + "' is not a Go duration like 87600h or 1h30m" + hint);
            }
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(NANOS.get(m.group(2)))));
            pos = m.end();
        }
        Duration d = Duration.ofNanos(0).plusSeconds(nanos.divideToIntegralValue(BigDecimal.valueOf(1_000_000_000L)).longValueExact())
                .plusNanos(nanos.remainder(BigDecimal.valueOf(1_000_000_000L)).longValue());
        return negative ? d.negated() : d;
    }

    /** Like {@link #parse}, empty instead of an exception for text that is not a duration. */
    public static Optional<Duration> tryParse(String text) {
        try {
            return text == null ? Optional.empty() : Optional.of(parse(text.trim()));
        } catch (IllegalArgumentException | ArithmeticException e) {
            return Optional.empty();
        }
    }

    /** Shortest Go-style text: 1h, 30m, 1h30m, 45s. */
    public static String format(Duration d) {
        StringBuilder sb = new StringBuilder();
        if (d.toHours() > 0) sb.append(d.toHours()).append('h');
        if (d.toMinutesPart() > 0) sb.append(d.toMinutesPart()).append('m');
        if (d.toSecondsPart() > 0 || sb.length() == 0) sb.append(d.toSecondsPart()).append('s');
        return sb.toString();
    }
}
