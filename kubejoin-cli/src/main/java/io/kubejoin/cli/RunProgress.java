package io.kubejoin.cli;

import io.kubejoin.join.Join;
import io.kubejoin.join.JoinReport;
import io.kubejoin.join.JoinRunner;
import io.kubejoin.join.LiveProgress;
import io.kubejoin.util.SecureFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine.Model.CommandSpec;

/**
 * How join and upgrade show a run's progress, write its --report page and list the failed nodes' journals: one
 * place, so the two commands cannot drift apart.
 */
final class RunProgress {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    /** Where progress lines and notes (report written, warnings) go: standard error under -o json or yaml. */
    final PrintWriter out;
    /** The live display, or null when progress is plain timestamped lines. */
    private final LiveProgress live;
    /** Each progress message, once. */
    final Consumer<String> lines;

    private RunProgress(PrintWriter out, LiveProgress live, Consumer<String> lines) {
        this.out = out;
        this.live = live;
        this.lines = lines;
    }

    /**
     * Live display only when standard output is a terminal (and not --plain, and a table is asked for); CI logs and
     * pipes get one timestamped line per event. The live area is redrawn on the terminal only; the log file gets each
     * message once (not every frame). With -o json or yaml, standard output is the document alone: progress goes to
     * standard error.
     */
    static RunProgress of(CommandSpec spec, Terminal terminal, OutputFormat output, boolean plain, int nodes) {
        PrintWriter stdout = spec.commandLine().getOut();
        KubejoinCommand root = KubejoinCommand.of(spec);
        RunLog log = root == null ? null : root.log;
        LiveProgress live = !plain && terminal.interactive() && output.table()
                ? new LiveProgress(log != null ? root.console : stdout, nodes) : null;
        PrintWriter progressOut = output.structured() ? spec.commandLine().getErr() : stdout;
        Consumer<String> lines = live != null ? line -> {
            if (log != null) log.line("out", line);
            live.accept(line);
        } : line -> {
            synchronized (progressOut) {
                progressOut.println(LocalTime.now().format(TIME) + " " + line);
                progressOut.flush();
            }
        };
        return new RunProgress(progressOut, live, lines);
    }

    /** The runner's listener: the live display's, or one that ignores every event. */
    JoinRunner.Listener listener() {
        return live != null ? live : new JoinRunner.Listener() { };
    }

    /** Ends the live display (its last frame stays); nothing for plain lines. */
    void finish() {
        if (live != null) live.finish();
    }

    /**
     * Writes the HTML timeline to {@code report} (0644, atomically, streamed node by node: never the whole page in
     * memory); a failure is a warning, as the run itself is done by then.
     */
    void writeReport(Path report, Join.Outcome outcome, String title) {
        try {
            try (SecureFiles.AtomicFile file = SecureFiles.create(report, 0644, false)) {
                PrintWriter w = new PrintWriter(new BufferedWriter(new OutputStreamWriter(file.out(), StandardCharsets.UTF_8)));
                JoinReport.write(outcome, title, w);
                if (w.checkError()) throw new IOException("write failed");
                file.commit();
            }
            out.println("report: " + report);
        } catch (IOException e) {
            out.println("warning: cannot write the report " + report + ": " + e.getMessage());
        }
    }

    /** After the result table: each failed node's journal lines, indented. */
    static void appendJournals(StringBuilder sb, List<JoinRunner.NodeReport> reports) {
        for (JoinRunner.NodeReport r : reports) {
            if (r.ok() || r.journal().isEmpty()) continue;
            sb.append(r.node()).append(" journal:\n");
            for (String line : r.journal()) sb.append("    | ").append(line).append('\n');
        }
    }
}
