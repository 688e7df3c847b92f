package io.kubejoin.cli;

import io.kubejoin.util.ExitCodes;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.InventoryLoader;
import io.kubejoin.join.NodeBinaries;
import io.kubejoin.join.Plan;
import io.kubejoin.render.RenderedFile;
import io.kubejoin.render.Renderer;
import io.kubejoin.state.RenderInputs;
import io.kubejoin.state.StateStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** kubejoin plan: what join would change on each node, changing nothing. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Show what 'kubejoin join' would change on each node: files new, changed (with a diff, never for "
                + "files holding a secret) or unchanged, kubelet and kube-proxy binaries differing from the inventory's, "
                + "and the services it would restart, start or enable. Changes nothing on the nodes. Exit codes as "
                + "'kubectl diff': 0 nothing to change, 1 changes pending, 2 bad input, 3 a node could not be read.")
public class PlanCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-f", "--inventory"}, required = true, paramLabel = "FILE", description = "Inventory YAML file.")
    Path inventory;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "State folder (default: beside the inventory).")
    Path stateDir;

    @Option(names = "--parallel", defaultValue = "50", description = "Nodes read at once (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Mixin
    NodeAccessOptions nodeAccess;

    @Option(names = "--prepare", description = "Also show what 'join --prepare' (node-prep) would write and run.")
    boolean prepare;

    @Override
    public Integer call() throws InterruptedException {
        Inventory inv = InventoryLoader.load(inventory);
        if (nodeAccess.local() && inv.nodes().size() != 1) {
            throw new ParameterException(spec.commandLine(), "--local plans for this machine: the inventory must list exactly one node");
        }
        StateStore state = new StateStore(stateDir != null ? stateDir : StateStore.defaultDirFor(inventory));
        RenderInputs.Prepared inputs = RenderInputs.prepare(inv, state, Clock.systemUTC().instant(), new SecureRandom());
        Map<String, List<RenderedFile>> files = Renderer.render(inv, inputs.material(), inputs.tokens()).byNode();
        // as join reads them: a source that cannot be read is bad input (exit 2), before any node is contacted
        NodeBinaries binaries = inv.binaries().managed() ? NodeBinaries.load(inv.binaries()) : null;
        List<Plan.NodePlan> plans;
        try (NodeAccessOptions.Access nodes = nodeAccess.open()) {
            plans = Plan.plan(inv, files, binaries, nodes.transports(), parallel, prepare);
        }
        PrintWriter out = spec.commandLine().getOut();
        boolean unreadable = false;
        for (Plan.NodePlan p : plans) {
            if (p.error() != null) {
                out.printf("%s: cannot read the node: %s%n", p.node(), p.error());
                unreadable = true;
                continue;
            }
            out.printf("%s: %d change(s)%s%s%n", p.node(), p.changes(),
                    p.restarts().isEmpty() ? "" : "; would restart " + String.join(", ", p.restarts()),
                    p.starts().isEmpty() ? "" : "; " + String.join(", ", p.starts()));
            for (Plan.FilePlan f : p.files()) {
                if (f.state() == Plan.FileState.UNCHANGED) continue;
                out.printf("  %-9s %s%s%n", f.state().name().toLowerCase(), f.path(), f.secret() ? " (holds a secret: no diff)" : "");
                f.diff().forEach(line -> out.println("    " + line));
            }
            for (String c : p.prepare()) out.printf("  %-9s %s%n", "run", c);
        }
        long total = plans.stream().mapToLong(Plan.NodePlan::changes).sum();
        out.printf("%d change(s) on %d node(s)%n", total, plans.stream().filter(Plan.NodePlan::pending).count());
        out.flush();
        // as kubectl diff: 0 nothing to change, 1 changes pending, 2 bad input (thrown before this), 3 a node unreadable
        if (unreadable) return ExitCodes.PLAN_ERROR;
        return plans.stream().anyMatch(Plan.NodePlan::pending) ? ExitCodes.CHANGES_PENDING : ExitCodes.OK;
    }
}
