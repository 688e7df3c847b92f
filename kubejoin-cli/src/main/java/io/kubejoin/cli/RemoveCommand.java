package io.kubejoin.cli;

import io.fabric8.kubernetes.client.VersionInfo;
import io.kubejoin.cluster.Access;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.join.Remove;
import io.kubejoin.render.RenderedFile;
import io.kubejoin.render.Renderer;
import io.kubejoin.state.RenderInputs;
import io.kubejoin.state.StateStore;
import io.kubejoin.util.ExitCodes;
import io.kubejoin.util.Suggestions;
import io.kubejoin.util.UserFacingException;
import io.kubejoin.version.KubeVersion;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** kubejoin remove: take workers out for good — cordon, drain, undo the join on the machine, forget it in the cluster. */
@Command(name = "remove", mixinStandardHelpOptions = true,
        description = {"Remove nodes from the cluster for good, one at a time: cordon, drain through the Eviction API "
                + "(as kubectl drain --ignore-daemonsets: PodDisruptionBudgets respected, a refused eviction retried until "
                + "--drain-timeout; DaemonSet and mirror pods left), then what reset --full does: stop and disable kubelet "
                + "and kube-proxy, kube-proxy --cleanup, unmount pod volumes, remove every file kubejoin installed (the "
                + "binaries when they are still the inventory's), the data folders, and delete the Node, the node's "
                + "bootstrap tokens and its pending CSRs.",
                "The node is reached over SSH before anything changes: one that cannot be reached fails with nothing "
                        + "changed, unless --force (then only the cluster forgets it, and what stays on the machine is listed). "
                        + "A drain that does not finish stops that node (it stays cordoned, nothing removed). "
                        + "Exit 0 all removed, 1 a node failed, 2 bad input."})
public class RemoveCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Mixin
    NodeAccessOptions nodeAccess;

    @Parameters(paramLabel = "NODE", arity = "1..*", description = "Nodes of the inventory to remove.")
    List<String> nodeNames = new ArrayList<>();

    @Option(names = "--drain-timeout", defaultValue = "5m", converter = ClusterOptions.GoDurationConverter.class,
            description = "How long a node's drain may take, from the first eviction to the last pod gone (default: ${DEFAULT-VALUE}).")
    Duration drainTimeout;

    @Mixin
    DrainOptions drain;

    @Option(names = "--force", description = "Evict pods no controller owns, delete at the drain timeout the pods a "
            + "disruption budget still protects, and remove from the cluster a node that cannot be reached over SSH "
            + "(listing what stays on its machine).")
    boolean force;

    @Option(names = "--skip-drain", description = "Cordon only: evict nothing (the node's pods end with its kubelet).")
    boolean skipDrain;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "State folder (default: beside the inventory).")
    Path stateDir;

    @Override
    public Integer call() {
        Inventory inv = cluster.inventory();
        if (inv == null) throw new ParameterException(spec.commandLine(), "remove needs the inventory: -f inventory.yaml");
        List<String> names = inv.nodes().stream().map(Node::name).toList();
        List<Node> nodes = new ArrayList<>();
        for (String name : nodeNames) { // all names checked before anything changes
            nodes.add(inv.node(name).orElseThrow(() -> new UserFacingException("'" + name + "' is not a node of "
                    + cluster.inventoryFile() + ": " + Suggestions.didYouMean(name, names, "its nodes are " + String.join(", ", names))
                    + "; nothing was changed", ExitCodes.BAD_INPUT)));
        }
        StateStore state = new StateStore(stateDir != null ? stateDir : StateStore.defaultDirFor(cluster.inventoryFile()));
        Clock clock = Clock.systemUTC();
        RenderInputs.Prepared inputs = RenderInputs.prepare(inv, state, clock.instant(), new SecureRandom());
        Map<String, List<RenderedFile>> files = Renderer.render(inv, inputs.material(), inputs.tokens()).byNode();
        Map<String, String> binaries = Remove.installedBinaries(inv);
        Remove.Options options = new Remove.Options(skipDrain, force, drain.drainer(drainTimeout, false)); // Remove applies force itself
        PrintWriter out = spec.commandLine().getOut();
        List<Remove.Outcome> outcomes = new ArrayList<>();
        try (KubeConnection conn = cluster.connect(); NodeAccessOptions.Access access = nodeAccess.open()) {
            KubeVersion apiServer = apiServerVersion(conn, inv);
            for (Node node : nodes) {
                Remove.Outcome o = Remove.run(inv, node, conn, apiServer, access.transports(), files.get(node.name()), binaries,
                        options, line -> {
                            out.println(line);
                            out.flush();
                        }, clock);
                o.stays().forEach(s -> out.println(node.name() + ": stays: " + s));
                if (o.failed()) out.println(node.name() + ": FAILED: " + o.failure());
                out.flush();
                outcomes.add(o);
            }
        }
        out.println();
        int width = Math.max(4, nodes.stream().mapToInt(n -> n.name().length()).max().orElse(4));
        out.printf("%-" + width + "s  %s%n", "NODE", "RESULT");
        for (Remove.Outcome o : outcomes) {
            String result = switch (o.result()) {
                case REMOVED -> "removed";
                case CLUSTER_ONLY -> "removed from the cluster only (machine not reached; what stays is listed above)";
                case FAILED -> "FAILED (see above)";
            };
            out.printf("%-" + width + "s  %s%n", o.node(), result);
        }
        out.flush();
        return outcomes.stream().anyMatch(Remove.Outcome::failed) ? ExitCodes.FAILED : ExitCodes.OK;
    }

    /** kube-apiserver's release decides the Eviction API's group/version; the inventory's when /version says nothing usable. */
    private static KubeVersion apiServerVersion(KubeConnection conn, Inventory inv) {
        VersionInfo info = conn.call(Access.cluster("get", "/version"), () -> conn.client().getKubernetesVersion());
        return info == null ? inv.kubernetesVersion()
                : KubeVersion.ofGitVersion(info.getGitVersion()).orElse(inv.kubernetesVersion());
    }
}
