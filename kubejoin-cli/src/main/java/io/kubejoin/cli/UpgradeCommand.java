package io.kubejoin.cli;

import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.join.Join;
import io.kubejoin.join.JoinPhases;
import io.kubejoin.join.JoinRunner;
import io.kubejoin.join.Upgrade;
import io.kubejoin.state.StateStore;
import io.kubejoin.util.ExitCodes;
import io.kubejoin.util.Suggestions;
import io.kubejoin.util.UserFacingException;
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

/** kubejoin upgrade: the inventory's nodes to its kubernetesVersion (or its binaries), in rolling batches. */
@Command(name = "upgrade", mixinStandardHelpOptions = true,
        description = {"Upgrade the inventory's nodes (or the NODEs named) to its kubernetesVersion and binaries: the "
                + "version-skew policy checked first (a refusal changes nothing, exit 2); then in rolling batches of "
                + "--max-unavailable nodes: cordon, drain through the Eviction API (as kubectl drain --ignore-daemonsets), "
                + "push the new binaries and the files rendered for the new release, restart, wait until Ready reporting "
                + "the new kubelet version, verify, uncordon. A node that needs nothing is never cordoned; a node that "
                + "fails stays cordoned and no further batch starts; a second run changes nothing, or resumes.",
                "Exit 0 when every node is upgraded (or needed nothing), 1 when a node failed, 2 for bad input or a "
                        + "refusal of the version-skew policy."})
public class UpgradeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Mixin
    NodeAccessOptions nodeAccess;

    @Parameters(paramLabel = "NODE", arity = "0..*", description = "Nodes of the inventory to upgrade (default: all).")
    List<String> nodeNames = new ArrayList<>();

    @Option(names = "--list-phases", description = "List the phases and exit.")
    boolean listPhases;

    @Option(names = "--skip-phases", split = ",", paramLabel = "PHASE", description = "Phases to skip (comma-separated).")
    List<String> skipPhases = new ArrayList<>();

    @Option(names = "--max-unavailable", defaultValue = "1", paramLabel = "N|N%",
            description = "Nodes upgraded (so unschedulable) at once: a number, or a percentage of the nodes upgraded, "
                    + "rounded down, at least 1 (default: ${DEFAULT-VALUE}).")
    String maxUnavailable;

    @Option(names = "--drain-timeout", defaultValue = "5m", converter = ClusterOptions.GoDurationConverter.class,
            description = "How long a node's drain may take, from the first eviction to the last pod gone; also how "
                    + "long the evicted pods' replacements may take to run (default: ${DEFAULT-VALUE}).")
    Duration drainTimeout;

    @Mixin
    DrainOptions drain;

    @Option(names = "--force", description = "Evict pods no controller owns, and at the drain timeout delete the pods a "
            + "disruption budget still protects (each reported).")
    boolean force;

    @Option(names = "--retries", defaultValue = "2",
            description = "Retries of a phase after a transient failure such as a dropped connection (default: ${DEFAULT-VALUE}).")
    int retries;

    @Option(names = "--ready-timeout", defaultValue = "5m", converter = ClusterOptions.GoDurationConverter.class,
            description = "How long a node may take to become Ready after its restart (default: ${DEFAULT-VALUE}).")
    Duration readyTimeout;

    @Option(names = "--verify-timeout", defaultValue = "60s", converter = ClusterOptions.GoDurationConverter.class,
            description = "How long verify waits for kube-proxy's healthz and service rules (default: ${DEFAULT-VALUE}).")
    Duration verifyTimeout;

    @Option(names = "--max-serving-expiration", defaultValue = "8760h", converter = ClusterOptions.GoDurationConverter.class,
            description = "Longest serving certificate a node may ask for (default: ${DEFAULT-VALUE}).")
    Duration maxServingExpiration;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "State folder (default: beside the inventory).")
    Path stateDir;

    @Option(names = "--report", paramLabel = "FILE.html", description = "Also write an HTML page of each node's phases on a timeline.")
    Path report;

    @Option(names = "--plain", description = "Plain timestamped lines even on a terminal.")
    boolean plain;

    @Mixin
    OutputFormat output;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        if (listPhases) {
            Upgrade.describePhases().forEach(out::println);
            out.flush();
            return ExitCodes.OK;
        }
        Upgrade.MaxUnavailable max = Upgrade.MaxUnavailable.parse(maxUnavailable);
        Set<String> skip = JoinPhases.validateSkipNames(skipPhases, Upgrade.phaseNames());
        Inventory inv = cluster.inventory();
        if (inv == null) throw new ParameterException(spec.commandLine(), "upgrade needs the inventory: -f inventory.yaml");
        List<String> names = inv.nodes().stream().map(Node::name).toList();
        for (String name : nodeNames) { // every name checked before anything changes
            if (!names.contains(name)) {
                throw new UserFacingException("'" + name + "' is not a node of " + cluster.inventoryFile() + ": "
                        + Suggestions.didYouMean(name, names, "its nodes are " + String.join(", ", names))
                        + "; nothing was changed", ExitCodes.BAD_INPUT);
            }
        }
        StateStore state = new StateStore(stateDir != null ? stateDir : StateStore.defaultDirFor(cluster.inventoryFile()));
        Upgrade.Settings settings = new Upgrade.Settings(skip, List.copyOf(nodeNames), max, retries,
                drain.drainer(drainTimeout, force),
                readyTimeout, verifyTimeout, maxServingExpiration);
        int shown = nodeNames.isEmpty() ? inv.nodes().size() : nodeNames.size();
        Terminal terminal = Terminal.of(spec);
        RunProgress progress = RunProgress.of(spec, terminal, output, plain, shown);
        Join.Outcome outcome;
        try (KubeConnection conn = cluster.connect(); NodeAccessOptions.Access nodes = nodeAccess.open()) {
            outcome = Upgrade.run(inv, conn, state, nodes.transports(), settings, Clock.systemUTC(), progress.lines,
                    progress.listener());
        } finally {
            progress.finish();
        }
        if (report != null) progress.writeReport(report, outcome, "kubejoin upgrade: " + cluster.inventoryFile());
        if (output.structured()) {
            try (tools.jackson.core.JsonGenerator g = output.generator(out)) {
                JoinCommand.document(outcome, g, "upgraded");
            }
            if (output.format() == OutputFormat.Format.json) out.println();
        } else {
            out.print(table(outcome.nodes(), terminal));
        }
        out.flush();
        return Upgrade.exitCode(outcome);
    }

    static String table(List<JoinRunner.NodeReport> reports) {
        return table(reports, Terminal.NONE);
    }

    /** One row per node, columns sized to their content (as join's); the failed nodes' journal lines after it. */
    static String table(List<JoinRunner.NodeReport> reports, Terminal terminal) {
        Table t = new Table("NODE", "RESULT", "CHANGED", "DURATION", "FAILED PHASE / HINT");
        for (JoinRunner.NodeReport r : reports) {
            String result = !r.ok() ? terminal.red("FAILED") : r.changed() ? terminal.green("upgraded") : "unchanged";
            t.row(r.node(), result, r.changedFiles().size(), String.format("%.1fs", r.took().toMillis() / 1000.0),
                    r.ok() ? "" : r.failedPhase() + ": " + r.error() + (r.hint() == null || r.hint().isEmpty() ? "" : " — " + r.hint()));
        }
        StringBuilder sb = new StringBuilder(t.toString());
        RunProgress.appendJournals(sb, reports);
        long upgraded = reports.stream().filter(r -> r.ok() && r.changed()).count();
        long unchanged = reports.stream().filter(r -> r.ok() && !r.changed()).count();
        sb.append(String.format("%d upgraded, %d unchanged, %d failed or not started, of %d nodes%n", upgraded, unchanged,
                reports.size() - upgraded - unchanged, reports.size()));
        return sb.toString();
    }
}
