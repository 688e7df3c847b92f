package io.kubejoin.cli;

import io.kubejoin.util.UserFacingException;
import io.kubejoin.util.ExitCodes;
import io.kubejoin.sandbox.Sandbox;
import io.kubejoin.sandbox.SandboxFault;
import io.kubejoin.sandbox.SandboxNode;
import io.kubejoin.sandbox.kubelet.SimulatedKubeProxy;
import io.kubejoin.sandbox.kubelet.SimulatedKubelet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * kubejoin sandbox up: starts the simulated cluster in this process, writes what joining it needs into --dir, and
 * stays up until interrupted (Ctrl-C, SIGTERM).
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Start a simulated cluster and N simulated worker machines in this process; write an inventory, "
                + "the CA, an admin kubeconfig, an SSH key and known_hosts into --dir; stay up until Ctrl-C.",
                "Then, from another terminal: kubejoin join -f DIR/inventory.yaml",
                "With --fault NAME, one thing is broken (before the join, or for stopped-kubelet after it); then "
                        + "kubejoin doctor -f DIR/inventory.yaml diagnoses it."})
public class SandboxUpCommand implements Callable<Integer> {
    /** The line that tells a supervising process (kubejoin bench) the sandbox serves. */
    public static final String READY_LINE = "sandbox ready";

    @Spec
    CommandSpec spec;

    @Option(names = "--nodes", defaultValue = "3", description = "Worker machines to simulate (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--dir", defaultValue = "kubejoin-sandbox", paramLabel = "DIR",
            description = "Folder to write into (default: ${DEFAULT-VALUE}); the nodes' file systems live in DIR/nodes.")
    Path dir;

    @Mixin
    SandboxOptions shape;

    @Mixin
    FaultOptions faultOptions;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (nodes < 1 || nodes > 60_000) throw new UserFacingException("--nodes takes 1 to 60000", ExitCodes.BAD_INPUT);
        io.kubejoin.bench.BenchRun.checkDescriptors(nodes, Boolean.getBoolean(Sandbox.ONE_SSH_LISTENER));
        List<SandboxFault> faults = faultOptions.faults();
        PrintWriter out = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        // the simulated kubelets are Go clients, which offer a single key share (X25519); the JDK's client offers
        // one for X25519 and one for P-256 (a P-256 key pair per handshake, never used). JDK 17 sets the groups
        // only process-wide, before the first TLS use: this process is the sandbox's alone. An explicit
        // -Djdk.tls.namedGroups wins.
        if (System.getProperty("jdk.tls.namedGroups") == null) System.setProperty("jdk.tls.namedGroups", "x25519");
        Sandbox sandbox = Sandbox.start(dir, shape.options(nodes));
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            sandbox.close();
            stopped.countDown();
        }, "sandbox-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        var inv = sandbox.inventory();
        out.printf("sandbox: Kubernetes %s (simulated), %d nodes on %s … %s, SSH port %d, API server %s (started in %.1f s)%n",
                inv.kubernetesVersion(), nodes, inv.nodes().get(0).address(),
                inv.nodes().get(inv.nodes().size() - 1).address(), sandbox.ssh().port(), sandbox.api().url(),
                (System.nanoTime() - t0) / 1e9);
        out.println("  inventory:  " + sandbox.inventoryFile());
        out.println("  kubeconfig: " + sandbox.adminKubeconfig());
        applyFaults(sandbox, faults, out);
        out.println("join the nodes: kubejoin join -f " + sandbox.inventoryFile());
        out.println("stop: Ctrl-C (pid " + ProcessHandle.current().pid() + ")");
        out.println(READY_LINE);
        out.flush();
        stopped.await();
        return ExitCodes.OK;
    }

    /** How long a fleet must have been up (kubelets Ready, kube-proxies running) before an after-join fault hits it. */
    static final Duration SETTLE = Duration.ofSeconds(5);

    /**
     * Before-join faults now; after-join ones on a background thread, once every node's kubelet is Ready and its
     * kube-proxy runs (the join is through) and {@link #SETTLE} has passed, so the join's own checks see a healthy
     * fleet and the fault comes afterwards, as on a real cluster.
     */
    static void applyFaults(Sandbox sandbox, List<SandboxFault> faults, PrintWriter out) {
        List<SandboxFault> later = new ArrayList<>();
        for (SandboxFault f : faults) {
            if (f.when() == SandboxFault.When.AFTER_JOIN) {
                later.add(f);
                out.println("  fault " + f.id() + " (after the join): " + f.description());
            } else {
                f.apply(sandbox);
                out.println("  fault " + f.id() + ": " + f.description());
            }
        }
        if (later.isEmpty()) return;
        Thread t = new Thread(() -> {
            try {
                Instant joinedAt = null;
                while (true) {
                    if (!joined(sandbox)) joinedAt = null;
                    else if (joinedAt == null) joinedAt = Instant.now();
                    else if (Duration.between(joinedAt, Instant.now()).compareTo(SETTLE) >= 0) break;
                    Thread.sleep(500);
                }
                for (SandboxFault f : later) {
                    f.apply(sandbox);
                    synchronized (out) {
                        out.println("fault " + f.id() + " applied: " + f.description() + " (kubejoin doctor -f "
                                + sandbox.inventoryFile() + ")");
                        out.flush();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "sandbox-faults");
        t.setDaemon(true);
        t.start();
    }

    private static boolean joined(Sandbox sandbox) {
        for (SandboxNode n : sandbox.nodes().values()) {
            SimulatedKubelet k = n.kubelet();
            SimulatedKubeProxy p = n.kubeProxy();
            if (k == null || k.state() != SimulatedKubelet.State.READY || p == null
                    || p.state() != SimulatedKubeProxy.State.RUNNING) {
                return false;
            }
        }
        return true;
    }
}
