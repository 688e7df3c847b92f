package io.kubejoin.sandbox.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class JournalTest {
    /** The hand-built klog header is the one String.format made (and klog prints) for every field width. */
    @Test
    void linesHaveKlogHeaderOfTheFormatString() {
        Instant[] times = {Instant.parse("2026-01-02T03:04:05.000007Z"), Instant.parse("2026-12-31T23:59:59.999999Z"),
                Instant.parse("2026-11-26T02:10:11.123456789Z"), Instant.parse("2026-05-09T00:00:00Z")};
        int[] pids = {1, 4242, 1234567, 99999999};
        for (Instant t : times) {
            for (int pid : pids) {
                Journal j = new Journal(Clock.fixed(t, ZoneOffset.UTC), pid);
                j.error("file.go:123", "message with %s and \\ in it");
                j.info("server.go:1", "");
                ZonedDateTime z = t.atZone(ZoneOffset.UTC);
                assertEquals(java.util.List.of(
                        String.format("%c%02d%02d %02d:%02d:%02d.%06d %7d %s] %s", 'E', z.getMonthValue(), z.getDayOfMonth(),
                                z.getHour(), z.getMinute(), z.getSecond(), z.getNano() / 1000, pid, "file.go:123",
                                "message with %s and \\ in it"),
                        String.format("%c%02d%02d %02d:%02d:%02d.%06d %7d %s] %s", 'I', z.getMonthValue(), z.getDayOfMonth(),
                                z.getHour(), z.getMinute(), z.getSecond(), z.getNano() / 1000, pid, "server.go:1", "")),
                        j.lines());
            }
        }
        assertEquals("E1126 02:10:11.123456    4242 file.go:123] x",
                line(Instant.parse("2026-11-26T02:10:11.123456789Z"), 4242));
    }

    private static String line(Instant t, int pid) {
        Journal j = new Journal(Clock.fixed(t, ZoneOffset.UTC), pid);
        j.error("file.go:123", "x");
        return j.lines().get(0);
    }
}
