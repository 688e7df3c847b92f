package io.kubejoin.join;

import java.time.Duration;
import java.util.List;

/**
 * {@code join --report FILE.html}: one self-contained page (no scripts, no external files) showing each node's
 * phases on a common timeline, the failures with their hints and journal lines, and the cluster steps.
 */
public final class JoinReport {
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
        long total = Math.max(1, nodes.stream().flatMap(n -> n.phases().stream())
                .mapToLong(p -> p.start().plus(p.took()).toMillis()).max().orElse(1));
        long joined = nodes.stream().filter(JoinRunner.NodeReport::ok).count();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
                .append("</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}")
                .append("table{border-collapse:collapse;width:100%}td,th{padding:.25em .5em;text-align:left;vertical-align:top}")
                .append("tr:nth-child(even){background:#f6f6f6}.track{position:relative;height:1.2em;min-width:40em;background:#eee}")
                .append(".bar{position:absolute;top:0;height:100%;border-right:1px solid #fff;overflow:hidden;font-size:.7em;color:#fff}")
                .append(".changed{background:#2b6cb0}.unchanged{background:#8a94a6}.failed{background:#c53030}")
                .append(".ok{color:#276749}.bad{color:#c53030;font-weight:bold}pre{background:#f0f0f0;padding:.5em;margin:.25em 0}")
                .append("\n</style></head><body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n<p>").append(String.valueOf(joined)).append(" of ").append(String.valueOf(nodes.size()))
                .append(" nodes joined; timeline ").append(seconds(Duration.ofMillis(total))).append(".</p>\n");
        if (!outcome.clusterLines().isEmpty()) {
            h.append("<h2>Cluster</h2>\n<ul>\n");
            outcome.clusterLines().forEach(l -> h.append("<li>").append(esc(l)).append("</li>\n"));
            h.append("</ul>\n");
        }
        h.append("<h2>Nodes</h2>\n<table>\n<tr><th>node</th><th>result</th><th>changed files</th><th>duration</th>")
                .append("<th>phases</th></tr>\n");
        for (JoinRunner.NodeReport n : nodes) {
            h.append("<tr><td>").append(esc(n.node())).append("</td><td class=\"").append(n.ok() ? "ok" : "bad").append("\">")
                    .append(n.ok() ? "joined" : "failed: " + esc(n.failedPhase())).append("</td><td>")
                    .append(String.valueOf(n.changedFiles().size())).append("</td><td>").append(seconds(n.took())).append("</td><td>")
                    .append("<div class=\"track\">");
            for (JoinRunner.PhaseRecord p : n.phases()) {
                if (p.skipped()) continue;
                String kind = p.summary().startsWith("failed") ? "failed" : p.changed() ? "changed" : "unchanged";
                double left = 100.0 * p.start().toMillis() / total;
                double width = Math.max(0.3, 100.0 * p.took().toMillis() / total);
                h.append(String.format("<div class=\"bar %s\" style=\"left:%.2f%%;width:%.2f%%\" title=\"%s\">%s</div>",
                        kind, left, width, esc(p.phase() + " (" + seconds(p.took()) + "): " + p.summary()), esc(p.phase())));
            }
            h.append("</div>");
            if (!n.ok()) {
                h.append("<p>").append(esc(n.error())).append(n.hint() == null || n.hint().isEmpty() ? ""
                        : "<br>hint: " + esc(n.hint())).append("</p>");
                if (!n.journal().isEmpty()) h.append("<pre>").append(esc(String.join("\n", n.journal()))).append("</pre>");
            }
            h.append("</td></tr>\n");
        }
        h.append("</table>\n<p>Blue: changed, grey: unchanged, red: failed. Hover a bar for its summary.</p>\n</body></html>\n");
        h.flush();
    }

    private static String seconds(Duration d) {
        return String.format("%.1f s", d.toMillis() / 1000.0);
    }

    static String esc(String s) {
        if (s == null) return "";
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
