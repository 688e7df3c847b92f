package io.kubejoin.join;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.VersionInfo;
import io.kubejoin.cluster.Access;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.cluster.NodeDrainer;
import io.kubejoin.cluster.UpgradePreflight;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Problem;
import io.kubejoin.util.ExitCodes;
import io.kubejoin.util.UserFacingException;
import io.kubejoin.version.KubeVersion;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * plan's part for {@code kubejoin upgrade}: each joined node whose kubelet reports (Node status.nodeInfo.kubeletVersion,
 * major.minor.patch only: a build suffix is ignored) another release than the inventory's kubernetesVersion, judged by
 * {@link UpgradePreflight#check} (so plan says what upgrade would refuse: a downgrade, a target the version-skew policy
 * forbids), and for each node upgrade would take, what its drain would do now ({@link NodeDrainer#preview}: the pods it
 * would evict, those it leaves, a refusal, the budgets that block it). Reads only: /version, one Node list, one
 * PodDisruptionBudget list for the run (only when a node is to be upgraded), one pod list per such node.
 */
public final class PlanUpgrades {
    public static final String COMMAND = "kubejoin upgrade";

    private PlanUpgrades() {
    }

    /**
     * A node whose kubelet does not run the inventory's release.
     *
     * @param reported the kubelet version as its Node reports it (build suffix and all)
     * @param from     that release (major.minor.patch), null when the string is no release
     * @param to       the inventory's kubernetesVersion
     * @param refusal  null when upgrade would go on; else why it refuses, with the fix (a downgrade, the skew policy, ...)
     * @param drain    what upgrade's drain would do now; null when upgrade refuses
     */
    public record NodeUpgrade(String node, String reported, KubeVersion from, KubeVersion to, String refusal,
                              NodeDrainer.Preview drain) {
        public boolean downgrade() {
            return from != null && from.compareTo(to) > 0;
        }

        /** "upgrade", "downgrade", or "version" when the reported string is no release. */
        public String action() {
            return from == null ? "version" : downgrade() ? "downgrade" : "upgrade";
        }

        /** The one line plan prints for the node. */
        public String summary() {
            String versions = action() + " " + (from == null ? "'" + reported + "'" : reported) + " -> " + to.gitVersion();
            if (refusal != null) return versions + ": " + COMMAND + " refuses it: " + refusal;
            String head = versions + " (" + COMMAND + ")";
            if (drain == null) return head + ": would cordon and drain";
            if (drain.refused()) {
                return head + ": its drain would refuse, and upgrade stop before changing the node: " + drain.refusalMessage();
            }
            List<String> parts = new ArrayList<>();
            parts.add(drain.evict().isEmpty() ? "evict no pods" : "evict " + drain.evict().size()
                    + (drain.evict().size() == 1 ? " pod (" : " pods (")
                    + String.join(", ", drain.evict().stream().map(NodeDrainer.Evictable::pod).toList()) + ")");
            parts.add("leave " + drain.left().size() + " (DaemonSet/mirror)");
            List<NodeDrainer.Blocker> blockers = drain.blockers();
            if (!blockers.isEmpty()) {
                parts.add("blocked now by " + String.join("; ", blockers.stream().map(NodeDrainer.Blocker::describe).toList()));
            }
            return head + ": would cordon and drain: " + String.join(", ", parts);
        }
    }

    /** What upgrade would do, by node name (only the nodes whose kubelet runs another release). */
    public static Map<String, NodeUpgrade> read(KubeConnection conn, Inventory inv) {
        VersionInfo info = conn.call(Access.cluster("get", "/version"), () -> conn.client().getKubernetesVersion());
        KubeVersion apiServer = info == null ? null : KubeVersion.ofGitVersion(info.getGitVersion()).orElse(null);
        if (apiServer == null) {
            throw new UserFacingException("kube-apiserver reports no version kubejoin can read ("
                    + (info == null ? "none" : info.getGitVersion()) + "), so plan cannot say what an upgrade would do",
                    ExitCodes.FAILED);
        }
        List<Node> nodes = conn.call(Access.cluster("list", "nodes"), () -> conn.client().nodes().list().getItems());
        Map<String, UpgradePreflight.Reported> reported = new HashMap<>();
        for (Node n : nodes) {
            String version = n.getStatus() == null || n.getStatus().getNodeInfo() == null ? null
                    : n.getStatus().getNodeInfo().getKubeletVersion();
            reported.put(n.getMetadata().getName(), new UpgradePreflight.Reported(true, version));
        }
        return judge(inv, apiServer, reported, new NodeDrainer(conn, apiServer, NodeDrainer.Options.defaults(), line -> { }));
    }

    /**
     * {@link UpgradePreflight#check} over every node, then a drain preview of each node upgrade would take.
     *
     * @param drainer null: no previews (the drain field stays null); for tests of the judgement alone
     */
    static Map<String, NodeUpgrade> judge(Inventory inv, KubeVersion apiServer, Map<String, UpgradePreflight.Reported> reported,
                                          NodeDrainer drainer) {
        KubeVersion target = inv.kubernetesVersion();
        UpgradePreflight.Result check = UpgradePreflight.check(inv, List.of(), apiServer, reported);
        // refusals of the whole upgrade (the target against kube-apiserver) are the inventory's field, not a node's
        List<String> whole = check.refusals().stream().filter(p -> UpgradePreflight.FIELD.equals(p.fieldPath()))
                .map(PlanUpgrades::line).toList();
        Map<String, NodeUpgrade> out = new LinkedHashMap<>();
        List<NodeDrainer.Budget> budgets = null;
        for (io.kubejoin.inventory.Node n : inv.nodes()) {
            UpgradePreflight.Reported r = reported.get(n.name());
            // not joined, or no kubelet has posted a version: join's plan covers it, upgrade has nothing to do yet
            if (r == null || !r.registered() || r.kubeletVersion() == null || r.kubeletVersion().isBlank()) continue;
            Optional<KubeVersion> running = KubeVersion.ofGitVersion(r.kubeletVersion());
            if (running.isPresent() && running.get().equals(target)) continue;
            Optional<Problem> own = check.refusals().stream().filter(p -> n.fieldPath().equals(p.fieldPath())).findFirst();
            String refusal = own.map(PlanUpgrades::line).orElse(whole.isEmpty() ? null : String.join("; ", whole));
            NodeDrainer.Preview drain = null;
            if (refusal == null && drainer != null) {
                if (budgets == null) budgets = drainer.budgets();
                drain = drainer.preview(n.name(), budgets);
            }
            out.put(n.name(), new NodeUpgrade(n.name(), r.kubeletVersion(), running.orElse(null), target, refusal, drain));
        }
        return out;
    }

    private static String line(Problem p) {
        return p.message() + (p.fix() == null ? "" : " (fix: " + p.fix() + ")");
    }
}
