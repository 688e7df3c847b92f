package io.kubejoin.join;

import java.time.Duration;
import java.util.List;

/**
 * {@code join --report FILE.html}: one self-contained page (no scripts, no external files): a time axis in seconds,
 * the cluster-wide steps (preflight, rbac, tokens, approver) as rows of their own, then each node's phases on the same
 * axis with their names written in the bars wide enough to hold them (every bar also has a tooltip), then the failures
 * with their hints and journal lines.
 */
public final class JoinReport {
    /** The track's width on a common screen, in pixels: a bar narrower than its label at this width shows no text. */
    static final double TRACK_PX = 800;
    /** The width of one character of a bar's label (0.75em of a 16px sans-serif), in pixels. */
    static final double CHAR_PX = 7;

    private JoinReport() {
    }

    public static String html(Join.Outcome outcome, String title) {
        java.io.StringWriter text = new java.io.StringWriter();
        write(outcome, title, new java.io.PrintWriter(text));
        return text.toString();
    }

    /**
     * The page written node by node to {@code h} (flushed, not closed): a report of ten thousand nodes is never one
     * string in memory. The caller checks {@link java.io.PrintWriter#checkError()}.
     */
    public static void write(Join.Outcome outcome, String title, java.io.PrintWriter h) {
        List<JoinRunner.NodeReport> nodes = outcome.nodes();
        long offset = outcome.nodesStart().toMillis();
        long end = nodes.stream().flatMap(n -> n.phases().stream())
                .mapToLong(p -> offset + p.start().plus(p.took()).toMillis()).max().orElse(0);
        end = Math.max(end, outcome.steps().stream().mapToLong(s -> s.start().plus(s.took()).toMillis()).max().orElse(0));
        long total = Math.max(1, end);
        long tick = tickMillis(total);
        double tickPercent = 100.0 * tick / total;
        long joined = nodes.stream().filter(JoinRunner.NodeReport::ok).count();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
                .append("</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222;background:#fff}")
                .append("table{border-collapse:collapse;width:100%}td,th{padding:.2em .5em;text-align:left;vertical-align:top}")
                .append(".chart td{padding:.15em .5em;white-space:nowrap}.chart td.lane{width:100%;min-width:30em}")
                .append(".chart tr.section td{padding-top:.8em;font-weight:bold;color:#555}")
                .append(".track{position:relative;height:1.5em;background-color:#f4f4f4;")
                .append("background-image:linear-gradient(to right,#c8c8c8 1px,transparent 1px);")
                .append(String.format(java.util.Locale.ROOT, "background-size:%.4f%% 100%%}", tickPercent))
                .append(".axis{position:relative;height:1.4em;border-bottom:1px solid #888}")
                .append(".tick{position:absolute;bottom:0;font-size:.75em;color:#444;border-left:1px solid #888;padding-left:2px;height:1.3em}")
                .append(".bar{position:absolute;top:.1em;height:1.3em;line-height:1.3em;border-radius:2px;overflow:hidden;")
                .append("white-space:nowrap;font-size:.75em;color:#fff;padding-left:3px;box-sizing:border-box;border-right:1px solid #fff}")
                .append(".changed{background:#2b6cb0}.unchanged{background:#8a94a6}.failed{background:#c53030}.step{background:#6b46c1}")
                .append(".ok{color:#276749}.bad{color:#c53030;font-weight:bold}pre{background:#f0f0f0;padding:.5em;margin:.25em 0}")
                .append(".legend span{display:inline-block;width:1em;height:1em;vertical-align:middle;margin:0 .3em 0 1em}")
                .append("\n</style></head><body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n<p>").append(String.valueOf(joined)).append(" of ")
                .append(String.valueOf(nodes.size())).append(" nodes joined; ").append(seconds(Duration.ofMillis(end)))
                .append(" from the first cluster step to the last phase.</p>\n");
        h.append("<p class=\"legend\"><span class=\"step\"></span>cluster step<span class=\"changed\"></span>phase that changed"
                + " something<span class=\"unchanged\"></span>unchanged<span class=\"failed\"></span>failed"
                + " &nbsp; (hover a bar for its summary)</p>\n");
        h.append("<table class=\"chart\">\n<tr><td>time</td><td></td><td class=\"lane\"><div class=\"axis\">");
        for (long t = 0; t <= total; t += tick) {
            h.append(String.format(java.util.Locale.ROOT, "<div class=\"tick\" style=\"left:%.2f%%\">%s</div>",
                    100.0 * t / total, tickLabel(t, tick)));
        }
        h.append("</div></td></tr>\n");
        if (!outcome.steps().isEmpty()) {
            h.append("<tr class=\"section\"><td colspan=\"3\">cluster</td></tr>\n");
            for (Join.StepRecord s : outcome.steps()) {
                String kind = s.summary().startsWith("failed") ? "failed" : "step";
                h.append("<tr><td>").append(esc(s.step())).append("</td><td class=\"").append(kind.equals("failed") ? "bad" : "ok")
                        .append("\">").append(kind.equals("failed") ? "failed" : "done").append("</td><td class=\"lane\"><div class=\"track\">");
                bar(h, kind, s.start().toMillis(), s.took(), total, s.step(), s.summary());
                h.append("</div></td></tr>\n");
            }
        }
        h.append("<tr class=\"section\"><td colspan=\"3\">nodes</td></tr>\n");
        for (JoinRunner.NodeReport n : nodes) {
            h.append("<tr><td>").append(esc(n.node())).append("</td><td class=\"").append(n.ok() ? "ok" : "bad").append("\">")
                    .append(n.ok() ? "joined" : "failed").append("</td><td class=\"lane\"><div class=\"track\">");
            for (JoinRunner.PhaseRecord p : n.phases()) {
                if (p.skipped()) continue;
                String kind = p.summary().startsWith("failed") ? "failed" : p.changed() ? "changed" : "unchanged";
                bar(h, kind, offset + p.start().toMillis(), p.took(), total, p.phase(), p.summary());
            }
            h.append("</div></td></tr>\n");
        }
        h.append("</table>\n");
        h.append("<h2>Nodes</h2>\n<table>\n<tr><th>node</th><th>result</th><th>changed files</th><th>duration</th>")
                .append("<th>details</th></tr>\n");
        for (JoinRunner.NodeReport n : nodes) {
            h.append("<tr><td>").append(esc(n.node())).append("</td><td class=\"").append(n.ok() ? "ok" : "bad").append("\">")
                    .append(n.ok() ? "joined" : "failed: " + esc(n.failedPhase())).append("</td><td>")
                    .append(String.valueOf(n.changedFiles().size())).append("</td><td>").append(seconds(n.took())).append("</td><td>");
            if (!n.ok()) {
                h.append("<p>").append(esc(n.error())).append(n.hint() == null || n.hint().isEmpty() ? ""
                        : "<br>hint: " + esc(n.hint())).append("</p>");
                if (!n.journal().isEmpty()) h.append("<pre>").append(esc(String.join("\n", n.journal()))).append("</pre>");
            }
            h.append("</td></tr>\n");
        }
        h.append("</table>\n");
        if (!outcome.clusterLines().isEmpty()) {
            h.append("<h2>Cluster</h2>\n<ul>\n");
            outcome.clusterLines().forEach(l -> h.append("<li>").append(esc(l)).append("</li>\n"));
            h.append("</ul>\n");
        }
        h.append("</body></html>\n");
        h.flush();
    }

    /** One bar; its name written in it only when it fits at {@link #TRACK_PX} (else a clipped stub would be noise). */
    private static void bar(java.io.PrintWriter h, String kind, long startMs, Duration took, long total, String name, String summary) {
        double left = 100.0 * startMs / total;
        double width = Math.max(0.3, 100.0 * took.toMillis() / total);
        boolean fits = width / 100 * TRACK_PX >= name.length() * CHAR_PX + 6;
        h.append(String.format(java.util.Locale.ROOT, "<div class=\"bar %s\" style=\"left:%.2f%%;width:%.2f%%\" title=\"%s\">%s</div>",
                kind, left, width, esc(name + " (" + seconds(took) + "): " + summary), fits ? esc(name) : ""));
    }

    /** A tick every 1, 2 or 5 × 10^k ms, about ten across the axis. */
    static long tickMillis(long totalMillis) {
        long rough = Math.max(1, totalMillis / 10);
        long magnitude = 1;
        while (magnitude * 10 <= rough) magnitude *= 10;
        for (long m : new long[] {1, 2, 5, 10}) {
            if (m * magnitude >= rough) return m * magnitude;
        }
        return 10 * magnitude;
    }

    /** "0 s", "5 s", "0.5 s": seconds, with decimals only when the ticks are closer than a second. */
    static String tickLabel(long millis, long tick) {
        if (tick >= 1000) return (millis / 1000) + " s";
        return String.format(java.util.Locale.ROOT, tick >= 100 ? "%.1f s" : tick >= 10 ? "%.2f s" : "%.3f s", millis / 1000.0);
    }

    private static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    static String esc(String s) {
        if (s == null) return "";
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
