package io.kubejoin.cli;

import io.kubejoin.util.ExitCodes;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.join.Join;
import io.kubejoin.join.JoinPhases;
import io.kubejoin.join.JoinRunner;
import io.kubejoin.state.StateStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** kubejoin join: the whole procedure for every node of the inventory, in parallel, safe to re-run. */
@Command(name = "join", mixinStandardHelpOptions = true,
        description = {"Join the inventory's nodes: control-plane preflight, RBAC and bootstrap tokens once, then on "
                + "every node in parallel: push files over SSH, start kubelet, approve its CSRs, wait Ready, start "
                + "kube-proxy, verify. A second run changes nothing.",
                "Exit 0 when every node joined, 1 when some failed, 2 for bad input or a refused preflight."})
public class JoinCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--list-phases", description = "List the phases and exit.")
    boolean listPhases;

    @Option(names = "--skip-phases", split = ",", paramLabel = "PHASE", description = "Phases to skip (comma-separated).")
    List<String> skipPhases = new ArrayList<>();

    @Option(names = "--prepare", description = "Run node-prep first: the kernel settings node-preflight checks made "
            + "persistent (/etc/sysctl.d/99-kubernetes.conf, /etc/modules-load.d/kubernetes.conf) and applied, swap off "
            + "(fstab entries commented out, swapoff -a). Never touches the container runtime's configuration; "
            + "'plan --prepare' shows each change first.")
    boolean prepare;

    @Option(names = "--parallel", defaultValue = "50", description = "Nodes worked on at once: connect, preflight, "
            + "pushes, starts (default: ${DEFAULT-VALUE}). A node waiting for Ready or for kube-proxy's first sync "
            + "gives its place to the next node, so the waits overlap: see --max-in-flight (--batch-size: each batch "
            + "wholly done before the next starts).")
    int parallel;

    @Option(names = "--max-in-flight", paramLabel = "N", description = "Nodes in flight at most, working or waiting, "
            + "each with its SSH connection open (default: 4 times --parallel; --parallel with --fail-fast, so a "
            + "failure stops the run with no more nodes started). Give it the value of --parallel for no more "
            + "connections than that, as a bastion or a connection limit may need.")
    Integer maxInFlight;

    @Option(names = "--retries", defaultValue = "2",
            description = "Retries of a phase after a transient failure such as a dropped connection (default: ${DEFAULT-VALUE}).")
    int retries;

    @Option(names = "--batch-size", defaultValue = "0",
            description = "Join in rolling batches of this many nodes, each after the previous one finished (0: all at once).")
    int batchSize;

    @Option(names = "--fail-fast", description = "Start no more nodes once one has failed.")
    boolean failFast;

    @Option(names = "--ready-timeout", defaultValue = "5m", converter = ClusterOptions.GoDurationConverter.class,
            description = "How long a node may take to become Ready (default: ${DEFAULT-VALUE}).")
    Duration readyTimeout;

    @Option(names = "--verify-timeout", defaultValue = "60s", converter = ClusterOptions.GoDurationConverter.class,
            description = "How long verify waits for kube-proxy's healthz and its first sync of the service rules "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration verifyTimeout;

    @Mixin
    NodeAccessOptions nodeAccess;

    @Option(names = "--auto-approve-bootstrap-clients",
            description = "Also bind the blanket nodeclient auto-approval for bootstrap tokens (off: kubejoin's approver is stricter).")
    boolean autoApproveBootstrapClients;

    @Option(names = "--max-serving-expiration", defaultValue = "8760h", converter = ClusterOptions.GoDurationConverter.class,
            description = "Longest serving certificate a node may ask for (default: ${DEFAULT-VALUE}).")
    Duration maxServingExpiration;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where generated secrets are kept (default: .kubejoin/<inventory name>/ beside the inventory).")
    Path stateDir;

    @Option(names = "--report", paramLabel = "FILE.html",
            description = "Also write an HTML page: a time axis in seconds, the cluster steps and each node's phases drawn on it.")
    Path report;

    @Option(names = "--plain", description = "Plain timestamped lines even on a terminal.")
    boolean plain;

    @Mixin
    OutputFormat output;

    @Parameters(paramLabel = "NODE", arity = "0..*",
            description = "Join only these inventory nodes (default: every node); the cluster steps run as usual.")
    List<String> nodeNames = new ArrayList<>();

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        if (listPhases) {
            Join.describePhases().forEach(out::println);
            out.flush();
            return ExitCodes.OK;
        }
        Set<String> skip = JoinPhases.validateSkipNames(skipPhases, Join.phaseNames());
        if (parallel < 1) throw new ParameterException(spec.commandLine(), "--parallel takes 1 or more (got " + parallel + ")");
        if (maxInFlight != null && maxInFlight < 1) {
            throw new ParameterException(spec.commandLine(), "--max-in-flight takes 1 or more (got " + maxInFlight
                    + "); leave it out for 4 times --parallel");
        }
        if (batchSize < 0) throw new ParameterException(spec.commandLine(), "--batch-size takes 0 (all at once) or more (got " + batchSize + ")");
        Inventory inv = cluster.inventory();
        if (inv == null) throw new ParameterException(spec.commandLine(), "join needs the inventory: -f inventory.yaml");
        inv = NodeSelection.restrict(spec.commandLine(), inv, nodeNames, cluster.inventoryFile());
        if (nodeAccess.local() && inv.nodes().size() != 1) {
            throw new ParameterException(spec.commandLine(), "--local joins this machine: the inventory must list exactly one node");
        }
        StateStore state = new StateStore(stateDir != null ? stateDir : StateStore.defaultDirFor(cluster.inventoryFile()));
        Join.Settings settings = new Join.Settings(skip, new JoinRunner.Options(parallel, retries, Duration.ofSeconds(1),
                failFast, batchSize, maxInFlight == null ? 0 : maxInFlight), readyTimeout, autoApproveBootstrapClients, maxServingExpiration, verifyTimeout)
                .withPrepare(prepare);
        Terminal terminal = Terminal.of(spec);
        RunProgress progress = RunProgress.of(spec, terminal, output, plain, inv.nodes().size());
        Join.Outcome outcome;
        try (KubeConnection conn = cluster.connect(); NodeAccessOptions.Access nodes = nodeAccess.open()) {
            outcome = Join.run(inv, conn, state, nodes.transports(), settings, Clock.systemUTC(), progress.lines,
                    progress.listener());
        } finally {
            progress.finish();
        }
        if (report != null) progress.writeReport(report, outcome, "kubejoin join: " + cluster.inventoryFile());
        if (outcome.refused()) {
            progress.out.println("preflight failed: nothing was pushed to any node");
            progress.out.flush();
            return ExitCodes.BAD_INPUT;
        }
        if (output.structured()) {
            try (tools.jackson.core.JsonGenerator g = output.generator(out)) {
                document(outcome, g);
            }
            if (output.format() == OutputFormat.Format.json) out.println();
        }
        else out.print(table(outcome.nodes(), terminal));
        out.flush();
        return outcome.allJoined() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    static String table(List<JoinRunner.NodeReport> reports) {
        return table(reports, Terminal.NONE);
    }

    /** One row per node, columns sized to their content; the failed nodes' journal lines after the table. */
    static String table(List<JoinRunner.NodeReport> reports, Terminal terminal) {
        Table t = new Table("NODE", "RESULT", "CHANGED", "DURATION", "FAILED PHASE / HINT");
        for (JoinRunner.NodeReport r : reports) {
            t.row(r.node(), r.ok() ? terminal.green("joined") : terminal.red("FAILED"), r.changedFiles().size(),
                    String.format("%.1fs", r.took().toMillis() / 1000.0),
                    r.ok() ? "" : r.failedPhase() + ": " + r.error() + (r.hint() == null || r.hint().isEmpty() ? "" : " — " + r.hint()));
        }
        StringBuilder sb = new StringBuilder(t.toString());
        RunProgress.appendJournals(sb, reports);
        long ok = reports.stream().filter(JoinRunner.NodeReport::ok).count();
        sb.append(String.format("%d of %d nodes joined%n", ok, reports.size()));
        return sb.toString();
    }

    /**
     * The JSON document written node by node to {@code w} (flushed, not closed): ten thousand nodes' phases are never
     * one tree or one string in memory.
     */
    static void json(Join.Outcome outcome, java.io.Writer w) {
        json(outcome, w, "joined");
    }

    /** @param okName the name of each node's success field ("joined", "upgraded") */
    static void json(Join.Outcome outcome, java.io.Writer w, String okName) {
        OutputFormat json = new OutputFormat();
        json.format = OutputFormat.Format.json;
        try (tools.jackson.core.JsonGenerator g = json.generator(w)) {
            document(outcome, g, okName);
        }
    }

    /** The -o json / yaml document, node by node. */
    static void document(Join.Outcome outcome, tools.jackson.core.JsonGenerator g) {
        document(outcome, g, "joined");
    }

    static void document(Join.Outcome outcome, tools.jackson.core.JsonGenerator g, String okName) {
        {
            g.writeStartObject();
            g.writeName("nodes");
            g.writeStartArray();
            for (JoinRunner.NodeReport r : outcome.nodes()) {
                g.writeStartObject();
                g.writeStringProperty("node", r.node());
                g.writeBooleanProperty(okName, r.ok());
                g.writeBooleanProperty("changed", r.changed());
                g.writeNumberProperty("durationMs", r.took().toMillis());
                g.writeName("changedFiles");
                g.writeStartArray();
                for (String f : r.changedFiles()) g.writeString(f);
                g.writeEndArray();
                g.writeName("phases");
                g.writeStartArray();
                for (JoinRunner.PhaseRecord p : r.phases()) {
                    g.writeStartObject();
                    g.writeStringProperty("phase", p.phase());
                    g.writeBooleanProperty("skipped", p.skipped());
                    g.writeBooleanProperty("changed", p.changed());
                    g.writeStringProperty("summary", p.summary());
                    g.writeNumberProperty("durationMs", p.took().toMillis());
                    g.writeEndObject();
                }
                g.writeEndArray();
                if (!r.ok()) {
                    g.writeStringProperty("failedPhase", r.failedPhase());
                    g.writeStringProperty("error", r.error());
                    g.writeStringProperty("hint", r.hint());
                    g.writeName("journal");
                    g.writeStartArray();
                    for (String line : r.journal()) g.writeString(line);
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeName("cluster");
            g.writeStartArray();
            for (String line : outcome.clusterLines()) g.writeString(line);
            g.writeEndArray();
            g.writeEndObject();
        }
    }
}
