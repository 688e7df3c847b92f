package io.kubejoin.cli;

import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.cluster.NodeDrainer;
import io.kubejoin.util.ExitCodes;
import io.kubejoin.util.UserFacingException;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.join.NodeBinaries;
import io.kubejoin.join.Plan;
import io.kubejoin.join.PlanUpgrades;
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
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** kubejoin plan: what join (and, for a kubelet of another release, upgrade) would change on each node, changing nothing. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Show what 'kubejoin join' would change on each node: files new, changed (with a diff, never for "
                + "files holding a secret) or unchanged, kubelet and kube-proxy binaries differing from the inventory's, "
                + "and the services it would restart, start or enable; and for each joined node whose kubelet reports "
                + "another release than the inventory's kubernetesVersion, what 'kubejoin upgrade' would do: cordon and "
                + "drain it (the pods it would evict, those it leaves, the PodDisruptionBudgets that block it now), or why "
                + "it refuses (a downgrade, the version-skew policy). Changes nothing on the nodes or in the cluster.",
                "Exit codes as 'kubectl diff': 0 nothing to change, 1 changes pending, 2 bad input, 3 a node or the "
                        + "cluster could not be read."})
public class PlanCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "State folder (default: beside the inventory).")
    Path stateDir;

    @Option(names = "--parallel", defaultValue = "50", description = "Nodes read at once (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Mixin
    NodeAccessOptions nodeAccess;

    @Mixin
    OutputFormat output;

    @Parameters(paramLabel = "NODE", arity = "0..*", description = "Plan only these inventory nodes (default: every node).")
    List<String> nodeNames = new java.util.ArrayList<>();

    @Option(names = "--prepare", description = "Also show what 'join --prepare' (node-prep) would write and run.")
    boolean prepare;

    @Override
    public Integer call() throws InterruptedException {
        if (parallel < 1) throw new ParameterException(spec.commandLine(), "--parallel takes 1 or more (got " + parallel + ")");
        Inventory inv = cluster.inventory();
        if (inv == null) throw new ParameterException(spec.commandLine(), "plan needs the inventory: -f inventory.yaml");
        inv = NodeSelection.restrict(spec.commandLine(), inv, nodeNames, cluster.inventoryFile());
        if (nodeAccess.local() && inv.nodes().size() != 1) {
            throw new ParameterException(spec.commandLine(), "--local plans for this machine: the inventory must list exactly one node");
        }
        StateStore state = new StateStore(stateDir != null ? stateDir : StateStore.defaultDirFor(cluster.inventoryFile()));
        RenderInputs.Prepared inputs = RenderInputs.prepare(inv, state, Clock.systemUTC().instant(), new SecureRandom());
        Map<String, List<RenderedFile>> files = Renderer.render(inv, inputs.material(), inputs.tokens()).byNode();
        // as join reads them: a source that cannot be read is bad input (exit 2), before any node is contacted
        NodeBinaries binaries = inv.binaries().managed() ? NodeBinaries.load(inv.binaries()) : null;
        // the cluster first, as join: a kubeconfig of another cluster is bad input (exit 2) before any node is read;
        // a cluster that cannot be read leaves the nodes' plan whole and ends in exit 3
        Map<String, PlanUpgrades.NodeUpgrade> upgrades = Map.of();
        String clusterError = null;
        try (KubeConnection conn = cluster.connect()) {
            upgrades = PlanUpgrades.read(conn, inv);
        } catch (UserFacingException e) {
            if (e.exitCode() == ExitCodes.BAD_INPUT) throw e;
            clusterError = e.getMessage();
        }
        List<Plan.NodePlan> plans;
        try (NodeAccessOptions.Access nodes = nodeAccess.open()) {
            plans = Plan.plan(inv, files, binaries, nodes.transports(), parallel, prepare);
        }
        Map<String, PlanUpgrades.NodeUpgrade> u = upgrades;
        plans = plans.stream().map(p -> p.withUpgrade(u.get(p.node()))).toList();
        PrintWriter out = spec.commandLine().getOut();
        if (output.structured()) {
            output.print(out, tree(plans, clusterError));
        } else {
            table(out, plans, clusterError);
        }
        out.flush();
        // as kubectl diff: 0 nothing to change, 1 changes pending, 2 bad input (thrown before this), 3 a node or the
        // cluster unreadable
        if (clusterError != null || plans.stream().anyMatch(p -> p.error() != null)) return ExitCodes.PLAN_ERROR;
        return plans.stream().anyMatch(Plan.NodePlan::pending) ? ExitCodes.CHANGES_PENDING : ExitCodes.OK;
    }

    private static void table(PrintWriter out, List<Plan.NodePlan> plans, String clusterError) {
        if (clusterError != null) out.printf("cluster: cannot read it (what upgrade would do is not planned): %s%n", clusterError);
        for (Plan.NodePlan p : plans) {
            if (p.error() != null) {
                out.printf("%s: cannot read the node: %s%n", p.node(), p.error());
                if (p.upgrade() != null) out.printf("  %s%n", p.upgrade().summary());
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
            if (p.upgrade() != null) out.printf("  %s%n", p.upgrade().summary());
        }
        long total = plans.stream().mapToLong(Plan.NodePlan::changes).sum();
        long upgrades = plans.stream().filter(p -> p.upgrade() != null).count();
        out.printf("%d change(s) on %d node(s)%s%n", total, plans.stream().filter(Plan.NodePlan::pending).count(),
                upgrades == 0 ? "" : "; " + upgrades + " node(s) of another kubelet release");
    }

    static ObjectNode tree(List<Plan.NodePlan> plans, String clusterError) {
        ObjectNode root = OutputFormat.object();
        ArrayNode nodes = root.putArray("nodes");
        for (Plan.NodePlan p : plans) {
            ObjectNode n = nodes.addObject();
            n.put("node", p.node());
            n.put("pending", p.pending());
            if (p.error() != null) n.put("error", p.error());
            n.put("changes", p.changes());
            ArrayNode fs = n.putArray("files");
            for (Plan.FilePlan f : p.files()) {
                ObjectNode o = fs.addObject();
                o.put("path", f.path());
                o.put("state", f.state().name().toLowerCase());
                o.put("secret", f.secret());
                ArrayNode d = o.putArray("diff");
                f.diff().forEach(d::add);
            }
            ArrayNode r = n.putArray("restarts");
            p.restarts().forEach(r::add);
            ArrayNode s = n.putArray("starts");
            p.starts().forEach(s::add);
            ArrayNode prep = n.putArray("prepare");
            p.prepare().forEach(prep::add);
            if (p.upgrade() != null) upgrade(n.putObject("upgrade"), p.upgrade());
        }
        if (clusterError != null) root.put("clusterError", clusterError);
        root.put("changes", plans.stream().mapToLong(Plan.NodePlan::changes).sum());
        root.put("pendingNodes", plans.stream().filter(Plan.NodePlan::pending).count());
        return root;
    }

    private static void upgrade(ObjectNode o, PlanUpgrades.NodeUpgrade u) {
        o.put("action", u.action());
        o.put("command", PlanUpgrades.COMMAND);
        o.put("reportedKubeletVersion", u.reported());
        o.put("targetVersion", u.to().gitVersion());
        if (u.refusal() != null) o.put("refusedBecause", u.refusal());
        o.put("summary", u.summary());
        NodeDrainer.Preview d = u.drain();
        if (d == null) return;
        ObjectNode drain = o.putObject("drain");
        drain.put("cordon", true);
        if (d.refused()) drain.put("refusedBecause", d.refusalMessage());
        ArrayNode evict = drain.putArray("evict");
        for (NodeDrainer.Evictable e : d.evict()) {
            ObjectNode x = evict.addObject();
            x.put("pod", e.pod());
            x.put("ownerKind", e.ownerKind());
            ArrayNode b = x.putArray("blockedByBudgets");
            e.blockedBy().forEach(bl -> b.add(bl.budget()));
        }
        ArrayNode leave = drain.putArray("leave");
        for (NodeDrainer.LeftPod l : d.left()) leave.addObject().put("pod", l.pod()).put("reason", l.reason());
        ArrayNode refusals = drain.putArray("refusals");
        for (NodeDrainer.Refusal rf : d.refusals()) {
            ObjectNode x = refusals.addObject().put("reason", rf.reason());
            ArrayNode pods = x.putArray("pods");
            rf.pods().forEach(pods::add);
        }
        ArrayNode blocking = drain.putArray("blockingBudgets");
        for (NodeDrainer.Blocker b : d.blockers()) {
            ObjectNode x = blocking.addObject();
            x.put("budget", b.budget());
            if (b.minAvailable() != null) x.put("minAvailable", b.minAvailable());
            if (b.maxUnavailable() != null) x.put("maxUnavailable", b.maxUnavailable());
            x.put("disruptionsAllowed", b.disruptionsAllowed());
            x.put("podsOnNode", b.podsOnNode());
            if (b.reason() != null) x.put("reason", b.reason());
            x.put("summary", b.describe());
        }
    }
}
