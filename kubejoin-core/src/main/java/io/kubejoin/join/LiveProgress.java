package io.kubejoin.join;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Progress on a terminal: messages scroll above a live area showing one line per node in flight (its current
 * phase) and an overall bar, redrawn in place with ANSI escapes. Elsewhere (CI, pipes) the join prints plain
 * timestamped lines instead.
 */
public final class LiveProgress implements JoinRunner.Listener, Consumer<String> {
    static final int MAX_NODE_LINES = 10;
    private static final int BAR_WIDTH = 30;

    private final PrintWriter out;
    private final int total;
    private final Map<String, String> inFlight = new LinkedHashMap<>();
    private int joined;
    private int failed;
    private int drawnLines;

    public LiveProgress(PrintWriter out, int total) {
        this.out = out;
        this.total = total;
    }

    @Override
    public synchronized void accept(String message) {
        clear();
        out.println(message);
        draw();
    }

    @Override
    public synchronized void phaseStarted(String node, String phase) {
        inFlight.put(node, phase);
        clear();
        draw();
    }

    @Override
    public synchronized void nodeFinished(JoinRunner.NodeReport report) {
        inFlight.remove(report.node());
        if (report.ok()) joined++;
        else failed++;
        clear();
        draw();
    }

    /** Removes the live area; call before printing the final table. */
    public synchronized void finish() {
        clear();
        out.flush();
    }

    private void clear() {
        if (drawnLines > 0) out.print("\033[" + drawnLines + "A\033[J");
        drawnLines = 0;
    }

    private void draw() {
        List<String> lines = frame(inFlight, joined, failed, total);
        lines.forEach(out::println);
        drawnLines = lines.size();
        out.flush();
    }

    /** The live area's lines for a state: pure, so it can be tested. */
    static List<String> frame(Map<String, String> inFlight, int joined, int failed, int total) {
        List<String> lines = new ArrayList<>();
        int shown = 0;
        for (Map.Entry<String, String> e : inFlight.entrySet()) {
            if (shown++ == MAX_NODE_LINES) {
                lines.add("  … and " + (inFlight.size() - MAX_NODE_LINES) + " more in flight");
                break;
            }
            lines.add("  " + e.getKey() + ": " + e.getValue());
        }
        int done = joined + failed;
        int filled = total == 0 ? BAR_WIDTH : done * BAR_WIDTH / total;
        lines.add("[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "] " + done + "/" + total + " done: "
                + joined + " joined, " + failed + " failed, " + inFlight.size() + " in flight");
        return lines;
    }
}
