package io.kubejoin.cli;

import io.kubejoin.util.ExitCodes;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.status.FleetStatus;
import io.kubejoin.status.NodeStatus;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** kubejoin status: one row per node — registration, Ready, versions, certificate expiry, services, CSRs. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Health of every inventory node (and a line for cluster nodes the inventory does not list): "
                + "registered, Ready, kubelet version, expiry of kubelet's serving certificate (TLS handshake with "
                + ":10250), of its client certificate and of kube-proxy's (read over SSH), both services, kube-proxy "
                + "healthz, pending CSRs. Changes nothing.",
                "Exit 0 when every node is healthy, 1 when some need action, 2 for bad input."})
public class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Mixin
    NodeAccessOptions nodeAccess;

    @Mixin
    FleetCheckOptions fleet;

    @Mixin
    OutputFormat output;

    @Parameters(paramLabel = "NODE", arity = "0..*",
            description = "Only these inventory nodes (default: every inventory node and the cluster's others).")
    List<String> nodeNames = new java.util.ArrayList<>();

    @Override
    public Integer call() throws InterruptedException {
        fleet.validate(spec.commandLine());
        Inventory inv = cluster.inventory();
        if (inv == null) throw new ParameterException(spec.commandLine(), "status needs the inventory: -f inventory.yaml");
        Inventory all = inv;
        inv = NodeSelection.restrict(spec.commandLine(), inv, nodeNames, cluster.inventoryFile());
        PrintWriter out = spec.commandLine().getOut();
        Clock clock = Clock.systemUTC();
        List<NodeStatus> rows;
        try (KubeConnection conn = cluster.connect(); NodeAccessOptions.Access nodes = nodeAccess.open()) {
            rows = FleetStatus.collect(inv, conn, nodes.transports(), new FleetStatus.Settings(fleet.parallel, fleet.warnDays), clock);
        }
        if (!nodeNames.isEmpty()) {
            // the named nodes only: not the rest of the inventory (listed by collect as cluster nodes it lacks)
            java.util.Set<String> named = new java.util.HashSet<>(nodeNames);
            rows = rows.stream().filter(r -> named.contains(r.node()) && all.node(r.node()).isPresent()).toList();
        }
        if (output.structured()) output.print(out, tree(rows));
        else out.print(table(rows, clock.instant(), Terminal.of(spec)));
        out.flush();
        return rows.stream().allMatch(NodeStatus::healthy) ? ExitCodes.OK : ExitCodes.FAILED;
    }

    static String table(List<NodeStatus> rows, Instant now) {
        return table(rows, now, Terminal.NONE);
    }

    static String table(List<NodeStatus> rows, Instant now, Terminal terminal) {
        Table t = new Table("NODE", "READY", "VERSION", "KUBELET", "KUBE-PROXY", "SERVING", "CLIENT", "PROXY-CERT", "CSRS", "ACTION");
        for (NodeStatus r : rows) {
            String ready = !r.registered() ? "missing" : r.ready() == null ? "unknown" : r.ready() ? "Ready"
                    : r.starting() ? "Starting" : "NotReady";
            String proxy = r.proxyService() == null ? "-" : r.proxyService() + (Boolean.FALSE.equals(r.proxyHealthy())
                    && "active".equals(r.proxyService()) ? "!" : "");
            t.row(r.node() + (r.inInventory() ? "" : "*"), "Ready".equals(ready) ? terminal.green(ready)
                            : "Starting".equals(ready) ? terminal.yellow(ready) : terminal.red(ready),
                    r.kubeletVersion() == null ? "-" : r.kubeletVersion(), r.kubeletService() == null ? "-" : r.kubeletService(),
                    proxy, days(r.servingCertExpiry(), now), days(r.clientCertExpiry(), now), days(r.proxyCertExpiry(), now),
                    r.pendingCsrs(), r.healthy() ? "" : terminal.yellow("yes"));
        }
        StringBuilder sb = new StringBuilder(t.toString());
        for (NodeStatus r : rows) {
            for (String p : r.problems()) sb.append("  ").append(r.node()).append(": ").append(p).append('\n');
        }
        long bad = rows.stream().filter(r -> !r.healthy()).count();
        if (rows.stream().anyMatch(r -> !r.inInventory())) sb.append("* in the cluster, not in the inventory\n");
        sb.append(bad == 0 ? rows.size() + " nodes healthy\n" : bad + " of " + rows.size() + " nodes need action\n");
        return sb.toString();
    }

    /** Days left as "364d", "expired", or "-" when unknown. */
    static String days(Instant notAfter, Instant now) {
        if (notAfter == null) return "-";
        if (!notAfter.isAfter(now)) return "expired";
        return Duration.between(now, notAfter).toDays() + "d";
    }

    static ObjectNode tree(List<NodeStatus> rows) {
        ObjectMapper m = JsonMapper.builder().build();
        ObjectNode root = m.createObjectNode();
        ArrayNode nodes = root.putArray("nodes");
        for (NodeStatus r : rows) {
            ObjectNode n = nodes.addObject();
            n.put("node", r.node());
            n.put("address", r.address());
            n.put("inInventory", r.inInventory());
            n.put("registered", r.registered());
            if (r.ready() != null) n.put("ready", r.ready());
            if (r.starting()) n.put("starting", true);
            if (r.readyMessage() != null) n.put("readyMessage", r.readyMessage());
            if (r.kubeletVersion() != null) n.put("kubeletVersion", r.kubeletVersion());
            if (r.expectedVersion() != null) n.put("expectedVersion", r.expectedVersion());
            if (r.servingCertExpiry() != null) n.put("servingCertificateExpiry", r.servingCertExpiry().toString());
            if (r.clientCertExpiry() != null) n.put("clientCertificateExpiry", r.clientCertExpiry().toString());
            if (r.proxyCertExpiry() != null) n.put("kubeProxyCertificateExpiry", r.proxyCertExpiry().toString());
            if (r.kubeletService() != null) n.put("kubeletService", r.kubeletService());
            if (r.proxyService() != null) n.put("kubeProxyService", r.proxyService());
            if (r.proxyHealthy() != null) n.put("kubeProxyHealthy", r.proxyHealthy());
            n.put("pendingCsrs", r.pendingCsrs());
            if (r.ssh() != null) n.put("ssh", r.ssh());
            n.put("healthy", r.healthy());
            ArrayNode p = n.putArray("problems");
            r.problems().forEach(p::add);
        }
        root.put("healthy", rows.stream().allMatch(NodeStatus::healthy));
        return root;
    }
}
