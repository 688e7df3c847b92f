package io.kubejoin.cli;

import io.kubejoin.cluster.ClusterOptions;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.cluster.NodeReadiness;
import io.kubejoin.cluster.TokenService;
import io.kubejoin.cluster.approval.CsrApprover;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.join.PhaseFailure;
import io.kubejoin.join.Reset;
import io.kubejoin.remote.Transport;
import io.kubejoin.remote.TransportException;
import io.kubejoin.render.RenderedFile;
import io.kubejoin.render.Renderer;
import io.kubejoin.state.RenderInputs;
import io.kubejoin.state.StateStore;
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

/** kubejoin reset: the article's recovery of a stuck kubelet (T3), or with --full, undo the join of a node. */
@Command(name = "reset", mixinStandardHelpOptions = true,
        description = {"Recover nodes whose kubelet is stuck with a stale client credential (the article's third failure): "
                + "stop kubelet, remove kubelet.kubeconfig and kubelet-client-current*.pem, make the node's bootstrap "
                + "token valid again, start kubelet, approve its new CSR and wait for Ready.",
                "--full instead stops and disables kubelet and kube-proxy, removes every file kubejoin installed, and "
                        + "deletes the Node object and the node's bootstrap tokens."})
public class ResetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Mixin
    NodeAccessOptions nodeAccess;

    @Parameters(paramLabel = "NODE", arity = "1..*", description = "Nodes of the inventory to reset.")
    List<String> nodeNames = new ArrayList<>();

    @Option(names = "--full", description = "Undo the join instead of recovering kubelet.")
    boolean full;

    @Option(names = "--no-wait", description = "Do not wait for the recovered nodes to be Ready.")
    boolean noWait;

    @Option(names = "--ready-timeout", defaultValue = "5m", converter = ClusterOptions.GoDurationConverter.class,
            description = "How long a recovered node may take to become Ready (default: ${DEFAULT-VALUE}).")
    Duration readyTimeout;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "State folder (default: beside the inventory).")
    Path stateDir;

    @Override
    public Integer call() throws InterruptedException {
        Inventory inv = cluster.inventory();
        if (inv == null) throw new ParameterException(spec.commandLine(), "reset needs the inventory: -f inventory.yaml");
        List<Node> nodes = new ArrayList<>();
        for (String name : nodeNames) {
            nodes.add(inv.node(name).orElseThrow(() -> new ParameterException(spec.commandLine(),
                    "'" + name + "' is not a node of " + cluster.inventoryFile())));
        }
        StateStore state = new StateStore(stateDir != null ? stateDir : StateStore.defaultDirFor(cluster.inventoryFile()));
        Clock clock = Clock.systemUTC();
        RenderInputs.Prepared inputs = RenderInputs.prepare(inv, state, clock.instant(), new SecureRandom());
        Map<String, List<RenderedFile>> files = Renderer.render(inv, inputs.material(), inputs.tokens()).byNode();
        PrintWriter out = spec.commandLine().getOut();
        int failed = 0;
        List<String> recovered = new ArrayList<>();
        try (KubeConnection conn = cluster.connect(); NodeAccessOptions.Access access = nodeAccess.open();
             CsrApprover approver = full || noWait ? null : new CsrApprover(conn.client(), inv, Duration.ofDays(365))) {
            if (approver != null) approver.watch(o -> out.println(o.csrName() + ": " + o.action().name().toLowerCase()));
            Map<String, Transport> open = new java.util.LinkedHashMap<>();
            try {
                for (Node node : nodes) {
                    Transport t = null;
                    try {
                        t = access.transports().open(node);
                        List<String> done = full
                                ? Reset.full(inv, node, conn, t, files.get(node.name()), clock)
                                : Reset.recover(inv, node, conn, t, inputs.tokens().get(node.name()), files.get(node.name()));
                        done.forEach(line -> out.println(node.name() + ": " + line));
                        recovered.add(node.name());
                        open.put(node.name(), t);
                        t = null;
                    } catch (TransportException | PhaseFailure e) {
                        failed++;
                        out.println(node.name() + ": FAILED: " + e.getMessage());
                        if (e instanceof PhaseFailure f) f.journal().forEach(l -> out.println("    | " + l));
                    } finally {
                        if (t != null) t.close();
                    }
                    out.flush();
                }
                if (approver != null) {
                    // recovered means a new client certificate, not a Node that still looks Ready from before
                    java.time.Instant deadline = clock.instant().plus(readyTimeout);
                    for (String name : List.copyOf(recovered)) {
                        if (!Reset.awaitNewCredential(inv, open.get(name), deadline, clock)) {
                            failed++;
                            recovered.remove(name);
                            out.println(name + ": kubelet got no new client certificate within " + readyTimeout.toSeconds()
                                    + " s: see 'journalctl -u kubelet' on the node and 'kubectl get csr'");
                        }
                    }
                }
            } finally {
                open.values().forEach(Transport::close);
            }
            if (approver != null && !recovered.isEmpty()) {
                TokenService tokens = new TokenService(conn, clock, new SecureRandom());
                NodeReadiness readiness = new NodeReadiness(conn, tokens, clock, NodeReadiness.DEFAULT_SIGNING_GRACE);
                for (NodeReadiness.Result r : readiness.waitForReady(recovered, clock.instant().plus(readyTimeout)).values()) {
                    if (r.ready()) {
                        tokens.deleteIfJoined(r.node());
                        out.println(r.node() + ": Ready again after " + r.took().toSeconds() + " s");
                    } else {
                        failed++;
                        out.println(r.node() + ": not Ready: " + r.diagnosis());
                    }
                }
            }
        }
        out.flush();
        return failed == 0 ? Main.EXIT_OK : Main.EXIT_FAILED;
    }
}
