package io.kubejoin.cli;

import io.kubejoin.util.ExitCodes;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.cluster.TokenService;
import io.kubejoin.cluster.approval.CsrApprover;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.join.PhaseFailure;
import io.kubejoin.join.NodeCommands;
import io.kubejoin.join.RecoveryProof;
import io.kubejoin.join.Reset;
import io.kubejoin.remote.Transport;
import io.kubejoin.remote.TransportException;
import io.kubejoin.render.NodeFiles;
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
                + "token valid again, start kubelet, approve its new CSR and wait for proof: that CSR issued, its certificate "
                + "in kubelet-client-current.pem, and a Ready heartbeat posted since.",
                "--full instead undoes the join: stops and disables kubelet and kube-proxy, removes kube-proxy's service "
                        + "rules (kube-proxy --cleanup), unmounts pod volumes below kubelet's root dir, removes every file "
                        + "kubejoin rendered, kubelet's certificates, the binaries the inventory supplied (when unchanged), "
                        + "kubelet's and kube-proxy's data folders, and deletes the Node, the node's bootstrap tokens and its "
                        + "pending CSRs; it says what stays. It is 'kubejoin remove' without the cordon and drain: the node's "
                        + "pods are not evicted first (use remove to take a worker out without dropping its workloads)."})
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
            description = "How long a recovered node may take to prove it (new certificate, Ready again) (default: ${DEFAULT-VALUE}).")
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
        // reset --full removes the binaries only where the node still has exactly the ones the inventory supplies
        Map<String, String> binarySha256 = full ? io.kubejoin.join.Remove.installedBinaries(inv) : Map.of();
        Map<String, Reset.Recovery> recovered = new java.util.LinkedHashMap<>();
        try (KubeConnection conn = cluster.connect(); NodeAccessOptions.Access access = nodeAccess.open();
             CsrApprover approver = full || noWait ? null : new CsrApprover(conn.client(), inv, Duration.ofDays(365))) {
            if (approver != null) approver.watch(o -> out.println(o.csrName() + ": " + o.action().name().toLowerCase()));
            Map<String, Transport> open = new java.util.LinkedHashMap<>();
            try {
                for (Node node : nodes) {
                    Transport t = null;
                    try {
                        t = access.transports().open(node);
                        List<String> done;
                        if (full) {
                            Reset.Undone u = Reset.full(inv, node, conn, t, files.get(node.name()), binarySha256, clock);
                            done = new ArrayList<>(u.done());
                            u.kept().forEach(k -> done.add("stays: " + k));
                            u.problems().forEach(p -> done.add("NOT removed: " + p));
                            if (!u.problems().isEmpty()) failed++;
                        } else {
                            Reset.Recovery r = Reset.recover(inv, node, conn, t, inputs.tokens().get(node.name()),
                                    files.get(node.name()), clock);
                            recovered.put(node.name(), r);
                            done = r.done();
                        }
                        done.forEach(line -> out.println(node.name() + ": " + line));
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
                    // recovered means a new certificate from a new CSR, on the node, and a Ready posted since: not a
                    // kubelet.kubeconfig (written at start with rotateCertificates) nor a Node still Ready from before
                    java.time.Instant deadline = clock.instant().plus(readyTimeout);
                    TokenService tokens = new TokenService(conn, clock, new SecureRandom());
                    NodeFiles paths = new NodeFiles(inv.paths());
                    for (Map.Entry<String, Reset.Recovery> e : recovered.entrySet()) {
                        String name = e.getKey();
                        Transport t = open.get(name);
                        RecoveryProof.Outcome o = RecoveryProof.await(conn, t, paths, e.getValue().baseline(), deadline, clock);
                        if (o.proven()) {
                            tokens.deleteIfJoined(name);
                            // kubelet holds its new certificate: the bootstrap kubeconfig (and its token) has done
                            // its job, removed as the join's wait-ready does
                            String rmFailure;
                            try {
                                io.kubejoin.remote.ExecResult rm = t.exec(io.kubejoin.remote.script.BootstrapScripts.remove(paths), NodeCommands.TIMEOUT);
                                rmFailure = rm.ok() ? null : NodeCommands.firstLine(rm.stderr(), rm.stdout());
                            } catch (io.kubejoin.remote.TransportException ex) {
                                rmFailure = ex.getMessage();
                            }
                            if (rmFailure != null) {
                                out.println(name + ": removing " + paths.kubeletBootstrapKubeconfig() + " failed: "
                                        + rmFailure + " (it holds a deleted token only)");
                            }
                            out.println(name + ": Ready again after " + o.took().toSeconds() + " s (new client certificate, serial "
                                    + o.serial().toString(16) + ", from " + o.csr() + "; Ready heartbeat " + o.heartbeat() + ")");
                        } else {
                            failed++;
                            out.println(name + ": not recovered" + (o.refused() ? "" : " within " + readyTimeout.toSeconds() + " s") + ": " + o.missing());
                            out.println(name + ": fix: " + o.fix());
                            if (o.onNode()) NodeCommands.journal(t, "kubelet").forEach(l -> out.println("    | " + l));
                        }
                        out.flush();
                    }
                }
            } finally {
                open.values().forEach(Transport::close);
            }
        }
        out.flush();
        return failed == 0 ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
