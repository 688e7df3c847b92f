package io.kubejoin.cluster;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.VersionInfo;
import io.kubejoin.inventory.InvalidInputException;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Problem;
import io.kubejoin.util.ExitCodes;
import io.kubejoin.util.Suggestions;
import io.kubejoin.util.UserFacingException;
import io.kubejoin.version.KubeVersion;
import io.kubejoin.version.SkewPolicy;
import io.kubejoin.version.VersionRule.Component;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Before an upgrade touches a node: the inventory's kubernetesVersion (the release every named node is to run)
 * against kube-apiserver's /version and each node's running kubelet (its Node's status.nodeInfo.kubeletVersion),
 * under the version-skew policy ({@link SkewPolicy}). Each refusal is a {@link Problem}, one line with the fix; any
 * refusal stops the upgrade before it starts (exit 2). {@link #check} is pure; {@link #run} reads the two things
 * it needs from the API.
 *
 * <p>Node.status.nodeInfo.kubeProxyVersion is not read: kubelet writes its own version there, not kube-proxy's
 * (kubernetes/kubernetes#117756), and from 1.33 leaves it empty (KEP-4004, DisableNodeKubeProxyVersion on by
 * default). kubejoin installs kubelet and kube-proxy of one release, so the target pair is checked against each
 * other and against kube-apiserver; kube-proxy's running version is only known on the node itself.
 *
 * <p>In an HA control plane /version answers for one kube-apiserver instance; the policy holds against the oldest.
 */
public final class UpgradePreflight {
    public static final String FIELD = "kubernetesVersion";

    private UpgradePreflight() {
    }

    /**
     * What the API says of one node.
     *
     * @param registered     a Node of that name exists
     * @param kubeletVersion its status.nodeInfo.kubeletVersion as reported (build suffix and all), null or blank when unset
     */
    public record Reported(boolean registered, String kubeletVersion) {
        public static Reported absent() {
            return new Reported(false, null);
        }
    }

    /**
     * One node the upgrade may go on with.
     *
     * @param from  the kubelet's running release (major.minor.patch; a build suffix dropped)
     * @param to    the inventory's release
     * @param drain whether the node must be drained first: a minor upgrade (the policy supports none in place)
     */
    public record Step(io.kubejoin.inventory.Node node, KubeVersion from, KubeVersion to, boolean drain) {
        /** False when the kubelet already runs the inventory's release. */
        public boolean changes() {
            return !from.equals(to);
        }
    }

    /** The refusals (empty: go on) and the steps of the nodes that passed. */
    public record Result(KubeVersion apiServer, List<Problem> refusals, List<Step> steps) {
        public boolean refused() {
            return !refusals.isEmpty();
        }

        /** Exit 2 with one line per refusal, before anything was changed. */
        public Result orThrow() {
            if (refused()) throw new InvalidInputException(refusals);
            return this;
        }
    }

    /**
     * The pure check.
     *
     * @param names    the nodes to upgrade, empty for every node of the inventory
     * @param reported what the API says of each node, by name; a name missing here has no Node
     */
    public static Result check(Inventory inv, List<String> names, KubeVersion apiServer, Map<String, Reported> reported) {
        List<Problem> refusals = new ArrayList<>();
        KubeVersion target = inv.kubernetesVersion();
        refusals.addAll(skew(inv, target, apiServer));
        List<io.kubejoin.inventory.Node> nodes = selected(inv, names, refusals);
        List<Step> steps = new ArrayList<>();
        for (io.kubejoin.inventory.Node n : nodes) {
            Reported r = reported.getOrDefault(n.name(), Reported.absent());
            String joinFirst = "join it first: kubejoin join -f " + inv.source().getFileName();
            if (!r.registered()) {
                refusals.add(nodeProblem(inv, n, n.name() + " is not joined: the cluster has no Node named " + n.name(), joinFirst));
                continue;
            }
            if (r.kubeletVersion() == null || r.kubeletVersion().isBlank()) {
                refusals.add(nodeProblem(inv, n, n.name() + " is not joined: its Node reports no kubelet version "
                        + "(status.nodeInfo.kubeletVersion is empty: no kubelet has posted its status)", joinFirst));
                continue;
            }
            Optional<KubeVersion> running = KubeVersion.ofGitVersion(r.kubeletVersion());
            if (running.isEmpty()) {
                refusals.add(nodeProblem(inv, n, n.name() + "'s Node reports kubelet version '" + r.kubeletVersion()
                        + "', which is no Kubernetes release", "check the kubelet that runs there: kubejoin doctor -f "
                        + inv.source().getFileName() + " " + n.name()));
                continue;
            }
            KubeVersion from = running.get();
            if (from.compareTo(target) > 0) {
                refusals.add(nodeProblem(inv, n, n.name() + "'s kubelet runs " + r.kubeletVersion() + ", newer than "
                        + FIELD + " " + target + ": that would be a downgrade, which upgrade does not do",
                        "set " + FIELD + " to " + from + " or newer; to run " + target + " there, remove the node and join it again"));
                continue;
            }
            steps.add(new Step(n, from, target, SkewPolicy.drainBeforeUpgrade(from, target)));
        }
        return new Result(apiServer, List.copyOf(refusals), List.copyOf(steps));
    }

    /** The inventory's release (both kubelet and kube-proxy run it) against kube-apiserver, and against each other. */
    static List<Problem> skew(Inventory inv, KubeVersion target, KubeVersion apiServer) {
        List<Problem> out = new ArrayList<>();
        Optional<SkewPolicy.Breach> kubelet = SkewPolicy.againstApiServer(Component.KUBELET, target, apiServer);
        Optional<SkewPolicy.Breach> proxy = SkewPolicy.againstApiServer(Component.KUBE_PROXY, target, apiServer);
        if (kubelet.isPresent() && proxy.isPresent() && kubelet.get().apart() == proxy.get().apart()
                && kubelet.get().allowed() == proxy.get().allowed() && kubelet.get().rule().equals(proxy.get().rule())) {
            out.add(skewProblem(inv, "kubelet and kube-proxy", kubelet.get()));
        } else {
            kubelet.ifPresent(b -> out.add(skewProblem(inv, "kubelet", b)));
            proxy.ifPresent(b -> out.add(skewProblem(inv, "kube-proxy", b)));
        }
        // one release for both today; the rule stays in force if a node's kube-proxy ever gets its own
        SkewPolicy.kubeProxyWithKubelet(target, target).ifPresent(b -> out.add(problem(inv, FIELD, "kube-proxy "
                + b.version() + " and kubelet " + b.other() + " would be " + b.apart() + " minor releases apart on one node; "
                + "the version-skew policy allows " + b.allowed(), "give both the same release")));
        return out;
    }

    private static Problem skewProblem(Inventory inv, String what, SkewPolicy.Breach b) {
        KubeVersion api = b.other();
        if (b.newer()) {
            return problem(inv, FIELD, what + " " + b.version() + " would be newer than kube-apiserver " + api
                    + ": the version-skew policy never allows a node newer than the control plane",
                    "upgrade the control plane to " + b.version().minorString() + " first, or set " + FIELD + " to "
                            + api.minorString() + " or older");
        }
        String apart = b.apart() == Integer.MAX_VALUE ? "a major release" : b.apart() + " minor releases";
        return problem(inv, FIELD, what + " " + b.version() + " would be " + apart + " older than kube-apiserver " + api
                        + ": the version-skew policy allows " + b.allowed() + " behind a " + api.minorString() + " kube-apiserver",
                "set " + FIELD + " to " + SkewPolicy.oldestSupported(b.component(), api).minorString() + " or newer (up to "
                        + api.minorString() + ")");
    }

    private static List<io.kubejoin.inventory.Node> selected(Inventory inv, List<String> names, List<Problem> refusals) {
        if (names == null || names.isEmpty()) return inv.nodes();
        List<io.kubejoin.inventory.Node> out = new ArrayList<>();
        List<String> known = inv.nodes().stream().map(io.kubejoin.inventory.Node::name).toList();
        for (String name : names) {
            Optional<io.kubejoin.inventory.Node> n = inv.node(name);
            if (n.isPresent()) {
                out.add(n.get());
            } else {
                refusals.add(new Problem(inv.source(), 0, "", "no node named " + name + " in the inventory",
                        Suggestions.closest(name, known).map(s -> "did you mean " + s + "?")
                                .orElse("name nodes of the inventory's nodes list")));
            }
        }
        return out;
    }

    private static Problem nodeProblem(Inventory inv, io.kubejoin.inventory.Node n, String message, String fix) {
        return problem(inv, n.fieldPath(), message, fix);
    }

    private static Problem problem(Inventory inv, String field, String message, String fix) {
        return new Problem(inv.source(), inv.locations().lineOf(field), field, message, fix);
    }

    /**
     * Reads kube-apiserver's /version and the Nodes (one list), then {@link #check}. kube-apiserver without a version
     * kubejoin can read ends it (exit 1): the policy cannot be applied.
     */
    public static Result run(KubeConnection admin, Inventory inv, List<String> names) {
        VersionInfo info = admin.call(Access.cluster("get", "/version"), () -> admin.client().getKubernetesVersion());
        KubeVersion apiServer = Preflight.parse(info);
        if (apiServer == null || apiServer.major() == 0) {
            throw new UserFacingException("kube-apiserver reports no version kubejoin can read ("
                    + (info == null ? "none" : info.getGitVersion()) + "), so the version-skew policy cannot be checked; "
                    + "nothing was changed", ExitCodes.FAILED);
        }
        List<Node> nodes = admin.call(Access.cluster("list", "nodes"), () -> admin.client().nodes().list().getItems());
        Map<String, Reported> reported = new HashMap<>();
        for (Node n : nodes) {
            String version = n.getStatus() == null || n.getStatus().getNodeInfo() == null ? null
                    : n.getStatus().getNodeInfo().getKubeletVersion();
            reported.put(n.getMetadata().getName(), new Reported(true, version));
        }
        return check(inv, names, apiServer, reported);
    }
}
