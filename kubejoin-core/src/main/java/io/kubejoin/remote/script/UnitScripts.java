package io.kubejoin.remote.script;

import static io.kubejoin.remote.script.Sh.quote;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** systemd's view of a unit as the join, wait-ready and doctor read it: its journal and its properties. */
public final class UnitScripts {
    private static final Pattern SYSTEMD_TIMESTAMP = Pattern.compile("(?:\\w{3} )?(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}).*");

    private UnitScripts() {
    }

    /** The unit's last {@code lines} journal lines, message only. */
    public static String journal(String unit, int lines) {
        return "journalctl -u " + unit + " -n " + lines + " --no-pager -o cat";
    }

    /** wait-ready's look at kubelet: state and restart count. */
    public static String restarts(String unit) {
        return "systemctl show -p ActiveState -p SubState -p NRestarts " + unit;
    }

    /** doctor's look: the given properties of the unit, "NAME=value" lines. */
    public static String show(String unit, List<String> properties) {
        return "systemctl show " + unit + " -p " + String.join(",", properties);
    }

    /**
     * The unit's journal since its current start: by {@code _SYSTEMD_INVOCATION_ID} (systemd 232+) when
     * {@code invocationId} is one, else {@code --since} its start time as systemctl printed it (the node's local time,
     * which is how journalctl reads it back), else its last lines.
     */
    public static String journalSince(String unit, String invocationId, String startTimestamp, int lines) {
        String tail = " -n " + lines + " --no-pager -o cat";
        if (invocationId.matches("[0-9a-f]{32}")) return "journalctl _SYSTEMD_INVOCATION_ID=" + invocationId + tail;
        Matcher m = SYSTEMD_TIMESTAMP.matcher(startTimestamp);
        if (m.matches()) return "journalctl -u " + unit + " --since " + quote(m.group(1)) + tail;
        return "journalctl -u " + unit + tail;
    }

    /** The machine's hostname (kubelet registers as it without --hostname-override). */
    public static String hostname() {
        return "hostname";
    }
}
