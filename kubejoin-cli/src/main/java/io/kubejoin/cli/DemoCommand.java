package io.kubejoin.cli;

import io.kubejoin.util.UserFacingException;
import io.kubejoin.util.ExitCodes;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.sandbox.Sandbox;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * kubejoin demo: the whole procedure on a simulated cluster, in under a minute. Starts the sandbox, runs the
 * ordinary {@code join} against it (the same command a real cluster gets), shows the nodes as
 * {@code kubectl get nodes} would, runs the join a second time to show it changes nothing, then stops.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Show kubejoin working end to end on a simulated cluster on this machine (nothing else is "
                + "contacted): start the sandbox, join its nodes with the ordinary 'join', list the nodes, show "
                + "'kubejoin status', join again (nothing changes), stop. Leaves the inventory and the HTML report in --dir.",
                "With --fault NAME: break that thing (before the join, or after it for stopped-kubelet), then show "
                        + "'kubejoin doctor' diagnosing it instead of the second join; the exit is doctor's."})
public class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--nodes", defaultValue = "3", description = "Worker machines (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--dir", paramLabel = "DIR", description = "Folder for the sandbox's files (default: a new temp folder).")
    Path dir;

    @Mixin
    SandboxOptions shape;

    @Mixin
    FaultOptions faultOptions;

    @Option(names = "--upgrade", description = "Join the nodes one minor release below the control plane, then raise the "
            + "inventory and its binaries by that minor and run 'kubejoin upgrade --max-unavailable 1'.")
    boolean upgrade;

    @Override
    public Integer call() throws IOException {
        if (nodes < 1 || nodes > 1000) throw new UserFacingException("--nodes takes 1 to 1000 for the demo", ExitCodes.BAD_INPUT);
        List<io.kubejoin.sandbox.SandboxFault> faults = faultOptions.faults();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (dir != null && Files.isDirectory(dir.resolve("nodes"))) {
            throw new UserFacingException(dir + " holds an earlier sandbox; give a new --dir", ExitCodes.BAD_INPUT);
        }
        long t0 = System.nanoTime();
        Sandbox.Options options = shape.options(nodes);
        io.kubejoin.version.KubeVersion target = io.kubejoin.version.KubeVersion.parse(options.version());
        if (upgrade) {
            if (!faults.isEmpty()) throw new UserFacingException("--upgrade and --fault do not go together", ExitCodes.BAD_INPUT);
            if (target.minor() <= io.kubejoin.version.KubeVersion.OLDEST_SUPPORTED.minor()) {
                throw new UserFacingException("--upgrade needs a release above " + io.kubejoin.version.KubeVersion.OLDEST_SUPPORTED
                        + " (the nodes start one minor below it)", ExitCodes.BAD_INPUT);
            }
            // the control plane is upgraded first: the nodes start one minor behind it
            options = options.withVersion(target.major() + "." + (target.minor() - 1) + ".0").withApiServerVersion(options.version());
        }
        // the input is checked: only now a folder of ours (bad input leaves nothing behind)
        Path where = dir != null ? dir : Files.createTempDirectory("kubejoin-demo-");
        out.println("== kubejoin demo: a simulated cluster on this machine (sandbox; nothing else is contacted)");
        try (Sandbox sandbox = Sandbox.start(where, options)) {
            var inv = sandbox.inventory();
            out.printf("   Kubernetes %s, %s, kube-proxy %s; API server %s; %d machines reachable over SSH on %s …%n",
                    inv.kubernetesVersion(), inv.runtime().kind().name().toLowerCase(),
                    inv.nodes().get(0).kubeProxy().mode().value(), sandbox.api().url(), nodes,
                    inv.nodes().get(0).address());
            out.println("   inventory: " + sandbox.inventoryFile());
            out.println();
            for (var f : faults) {
                if (f.when() == io.kubejoin.sandbox.SandboxFault.When.BEFORE_JOIN) {
                    f.apply(sandbox);
                    out.println("   fault " + f.id() + ": " + f.description());
                }
            }
            Path report = where.resolve("join-report.html");
            out.println("== kubejoin join -f " + sandbox.inventoryFile() + " --report " + report);
            out.flush();
            int first = cli(out, err).execute("join", "-f", sandbox.inventoryFile().toString(), "--kubeconfig",
                    sandbox.adminKubeconfig().toString(), "--plain", "--report", report.toString());
            out.println();
            out.println("== the cluster's nodes (as kubectl get nodes -o wide would show them)");
            try (KubeConnection conn = KubeConnection.open(sandbox.adminKubeconfig(), Duration.ofSeconds(10))) {
                out.print(nodeTable(conn.client().nodes().list().getItems(), Instant.now()));
            }
            out.println();
            for (var f : faults) {
                if (f.when() == io.kubejoin.sandbox.SandboxFault.When.AFTER_JOIN) {
                    f.apply(sandbox);
                    out.println("   fault " + f.id() + ": " + f.description());
                }
            }
            out.println("== kubejoin status -f " + sandbox.inventoryFile());
            out.flush();
            int status = cli(out, err).execute("status", "-f", sandbox.inventoryFile().toString(), "--kubeconfig",
                    sandbox.adminKubeconfig().toString());
            out.println();
            if (!faults.isEmpty()) {
                // what broke and why: the demo's point with faults; its exit is doctor's (1: it found them)
                out.println("== kubejoin doctor -f " + sandbox.inventoryFile());
                out.flush();
                int doctor = cli(out, err).execute("doctor", "-f", sandbox.inventoryFile().toString(), "--kubeconfig",
                        sandbox.adminKubeconfig().toString());
                out.printf("== done in %.1f s with fault(s) %s. Report: %s%n", (System.nanoTime() - t0) / 1e9,
                        String.join(", ", faults.stream().map(io.kubejoin.sandbox.SandboxFault::id).toList()), report);
                out.flush();
                return doctor;
            }
            out.println("== the same join again: it must change nothing");
            out.flush();
            StringWriter json = new StringWriter();
            StringWriter lines = new StringWriter();
            int second = cli(new PrintWriter(json), new PrintWriter(lines)).execute("join", "-f",
                    sandbox.inventoryFile().toString(), "--kubeconfig", sandbox.adminKubeconfig().toString(), "--plain",
                    "-o", "json");
            out.println("   " + summarizeRerun(json.toString()));
            if (second != ExitCodes.OK) out.print(lines); // its progress lines, only when they explain a failure
            out.println();
            int upgraded = ExitCodes.OK;
            if (upgrade) {
                String text = Files.readString(sandbox.inventoryFile());
                Files.writeString(sandbox.inventoryFile(), text.replaceFirst("(?m)^kubernetesVersion: \"[^\"]*\"",
                        "kubernetesVersion: \"" + target.major() + "." + target.minor() + "." + target.patch() + "\""));
                Sandbox.writeBinaries(sandbox.dir().resolve("bin"), target);
                out.println("== the inventory's kubernetesVersion raised to " + target + ", its binaries replaced; then");
                out.println("== kubejoin upgrade -f " + sandbox.inventoryFile() + " --max-unavailable 1");
                out.flush();
                upgraded = cli(out, err).execute("upgrade", "-f", sandbox.inventoryFile().toString(), "--kubeconfig",
                        sandbox.adminKubeconfig().toString(), "--plain", "--max-unavailable", "1");
                out.println();
                try (KubeConnection conn = KubeConnection.open(sandbox.adminKubeconfig(), Duration.ofSeconds(10))) {
                    out.print(nodeTable(conn.client().nodes().list().getItems(), Instant.now()));
                }
                out.println();
            }
            boolean ok = first == ExitCodes.OK && second == ExitCodes.OK && status == ExitCodes.OK && upgraded == ExitCodes.OK;
            out.printf("== %s in %.1f s. Report: %s%n", ok ? "done" : "FAILED", (System.nanoTime() - t0) / 1e9, report);
            out.println("   To try it yourself: kubejoin sandbox up --nodes 3 --dir DIR, then kubejoin join -f DIR/inventory.yaml");
            out.flush();
            return ok ? ExitCodes.OK : ExitCodes.FAILED;
        }
    }

    private static CommandLine cli(PrintWriter out, PrintWriter err) {
        return Main.commandLine(out, err);
    }

    /** One line: how many files and services the re-run changed, which must be none. */
    static String summarizeRerun(String json) {
        if (json.isBlank()) return "second join: no result";
        JsonNode root = JsonMapper.builder().build().readTree(json);
        int files = 0;
        int restarted = 0;
        int joined = 0;
        int total = 0;
        for (JsonNode n : root.path("nodes")) {
            total++;
            if (n.path("joined").asBoolean()) joined++;
            files += n.path("changedFiles").size();
            for (JsonNode p : n.path("phases")) {
                if (p.path("phase").asString().endsWith("-start") && p.path("changed").asBoolean()) restarted++;
            }
        }
        return String.format("second join: %d of %d nodes joined, %d files changed, %d services restarted", joined,
                total, files, restarted);
    }

    /** NAME STATUS ROLES AGE VERSION INTERNAL-IP, as kubectl get nodes -o wide prints them. */
    static String nodeTable(List<Node> nodes, Instant now) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP"});
        for (Node n : nodes.stream().sorted(java.util.Comparator.comparing(x -> x.getMetadata().getName())).toList()) {
            String status = "Unknown";
            for (NodeCondition c : n.getStatus() == null || n.getStatus().getConditions() == null ? List.<NodeCondition>of()
                    : n.getStatus().getConditions()) {
                if (c.getType().equals("Ready")) status = "True".equals(c.getStatus()) ? "Ready" : "NotReady";
            }
            if (n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable())) status += ",SchedulingDisabled";
            List<String> roles = n.getMetadata().getLabels() == null ? List.of() : n.getMetadata().getLabels().keySet().stream()
                    .filter(k -> k.startsWith("node-role.kubernetes.io/"))
                    .map(k -> k.substring("node-role.kubernetes.io/".length())).sorted().toList();
            String ip = "<none>";
            if (n.getStatus() != null && n.getStatus().getAddresses() != null) {
                for (NodeAddress a : n.getStatus().getAddresses()) {
                    if (a.getType().equals("InternalIP")) ip = a.getAddress();
                }
            }
            String created = n.getMetadata().getCreationTimestamp();
            String age = created == null ? "<unknown>" : age(Duration.between(Instant.parse(created), now));
            String version = n.getStatus() != null && n.getStatus().getNodeInfo() != null
                    ? n.getStatus().getNodeInfo().getKubeletVersion() : "";
            rows.add(new String[] {n.getMetadata().getName(), status, roles.isEmpty() ? "<none>" : String.join(",", roles),
                    age, version, ip});
        }
        int[] width = new int[6];
        for (String[] r : rows) for (int i = 0; i < 6; i++) width[i] = Math.max(width[i], r[i].length());
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            for (int i = 0; i < 6; i++) {
                sb.append(r[i]);
                if (i < 5) sb.append(" ".repeat(width[i] - r[i].length() + 3));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** kubectl's short ages: 42s, 5m, 3h, 2d. */
    static String age(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 120) return s + "s";
        if (s < 7200) return s / 60 + "m";
        if (s < 172800) return s / 3600 + "h";
        return s / 86400 + "d";
    }
}
