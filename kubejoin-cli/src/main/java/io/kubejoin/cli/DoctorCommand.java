package io.kubejoin.cli;

import io.kubejoin.util.ExitCodes;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.doctor.Diagnosis;
import io.kubejoin.doctor.Doctor;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** kubejoin doctor: finds what keeps nodes from working and says what to do. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check the control plane (bootstrap-token auth, the CSR signer, CSRs piling up or left pending) and "
                + "each node over SSH (runtime, swap, cgroups, kernel modules, clock, hostnames, removed flags, proxy "
                + "rules, certificates, and the kubelet and kube-proxy journals matched against known failure "
                + "messages). Prints each problem with its evidence and the fix.",
                "Without -f only the control plane is checked (the cluster of --kubeconfig, $KUBECONFIG or ~/.kube/config).",
                "Exit 0 when nothing is wrong, 1 when something is, 2 for bad input."})
public class DoctorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Mixin
    NodeAccessOptions nodeAccess;

    @Parameters(paramLabel = "NODE", arity = "0..*", description = "Only these nodes (default: every inventory node).")
    List<String> nodeNames = new ArrayList<>();

    @Mixin
    FleetCheckOptions fleet;

    @Mixin
    OutputFormat output;

    @Override
    public Integer call() throws InterruptedException {
        Inventory inv = cluster.inventory();
        if (inv == null && !nodeNames.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "checking nodes needs the inventory: -f inventory.yaml");
        }
        List<Node> nodes = inv == null ? List.of() : NodeSelection.select(spec.commandLine(), inv, nodeNames, cluster.inventoryFile());
        Doctor.Settings defaults = Doctor.Settings.defaults();
        fleet.validate(spec.commandLine());
        Doctor.Settings settings = new Doctor.Settings(fleet.parallel, fleet.warnDays, defaults.unsignedAfter(),
                defaults.servingPending(), defaults.pileUp());
        List<Diagnosis> found;
        try (KubeConnection conn = cluster.connect(); NodeAccessOptions.Access access = nodeAccess.open()) {
            found = Doctor.run(inv, nodes, conn, access.transports(), settings, Clock.systemUTC());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output.structured()) {
            ObjectNode root = OutputFormat.object();
            ArrayNode list = root.putArray("problems");
            for (Diagnosis d : found) {
                ObjectNode o = list.addObject();
                o.put("id", d.id());
                if (d.node() != null) o.put("node", d.node());
                o.put("what", d.what());
                o.put("evidence", d.evidence());
                o.put("fix", d.fix());
            }
            output.print(out, root);
        } else {
            for (Diagnosis d : found) {
                out.println(Terminal.of(spec).red("✗") + " " + d.where() + ": " + d.what() + "  [" + d.id() + "]");
                if (!d.evidence().isEmpty()) out.println("    evidence: " + d.evidence());
                out.println("    fix:      " + d.fix());
            }
            out.println(found.isEmpty() ? "no problems found (control plane" + (inv == null ? " only: give -f inventory.yaml to check the nodes)"
                    : " and " + nodes.size() + " node(s) checked)")
                    : found.size() + " problem(s) found");
        }
        out.flush();
        return found.isEmpty() ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
