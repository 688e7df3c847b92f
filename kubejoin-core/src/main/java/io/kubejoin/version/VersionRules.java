package io.kubejoin.version;

import io.kubejoin.util.Suggestions;

import io.kubejoin.version.VersionRule.Component;
import io.kubejoin.version.VersionRule.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The one table of what each kubelet / kube-proxy release (1.17 … 1.35) accepts. Renderers ask it what they may
 * emit and {@code inventory.VersionChecks} asks it what the user may override, so the two never disagree.
 */
public final class VersionRules {
    private VersionRules() {
    }

    public static final String CONTAINER_RUNTIME_ENDPOINT_FIELD = "containerRuntimeEndpoint";
    public static final String NFTABLES_GATE = "NFTablesProxyMode";
    /** failCgroupV1 (a field from 1.31) defaults to true from 1.35: kubelet then refuses cgroup v1 hosts. */
    static final KubeVersion FAIL_CGROUP_V1_BY_DEFAULT = KubeVersion.minor(35);

    /** Whether kubelet of this release refuses a cgroup v1 host when the user leaves failCgroupV1 unset. */
    public static boolean kubeletRefusesCgroupV1ByDefault(KubeVersion v) {
        return v.atLeast(FAIL_CGROUP_V1_BY_DEFAULT);
    }

    /** The klog flags KEP-2845 deprecated in 1.23 and removed in 1.26, from every component. */
    static final List<String> KLOG_FLAGS = List.of("add-dir-header", "alsologtostderr", "log-backtrace-at",
            "log-dir", "log-file", "log-file-max-size", "logtostderr", "one-output", "skip-headers",
            "skip-log-headers", "stderrthreshold");

    private static final String KLOG_FIX = "drop it: from 1.26 logs always go to stderr, which journald collects";
    private static final String DOCKERSHIM_FIX = "drop it: the setting belongs to the container runtime since "
            + "dockershim was removed in 1.24";

    /**
     * The kubelet signers (ValidateKubeletClientCSR / ValidateKubeletServingCSR) demand exactly digital
     * signature, key encipherment and client/server auth from 1.18, when signers came, until 1.24; from 1.25 (kubernetes#111061) the set
     * without key encipherment is accepted too, which 1.27 kubelets send for ECDSA keys (kubernetes#111660).
     */
    public static final String SIGNER_REQUIRES_KEY_ENCIPHERMENT = "kubelet-signers-require-key-encipherment";
    /**
     * From 1.19 (kubernetes#90191) the signer marks a request it refuses Failed, reason SignerValidationFailure,
     * with its validation error as the message; 1.18 left it approved without a certificate and said nothing.
     */
    public static final String SIGNER_MARKS_REFUSAL_FAILED = "signer-marks-refusal-failed";

    /** Whether the kubelet signers of this release refuse a request whose usages lack key encipherment. */
    public static boolean signerRequiresKeyEncipherment(KubeVersion controlPlane) {
        return available(Component.CONTROLLER_MANAGER, Kind.SIGNER_RULE, SIGNER_REQUIRES_KEY_ENCIPHERMENT, controlPlane);
    }

    /** Whether the signer of this release writes a Failed condition on a request it refuses. */
    public static boolean signerMarksRefusalFailed(KubeVersion controlPlane) {
        return available(Component.CONTROLLER_MANAGER, Kind.SIGNER_RULE, SIGNER_MARKS_REFUSAL_FAILED, controlPlane);
    }

    /** kubelet / kube-proxy against kube-apiserver: at most this many minors older (range: kube-apiserver's release). */
    public static final String SKEW_OLDER_THAN_APISERVER = "older-than-kube-apiserver";
    /** kubelet / kube-proxy against kube-apiserver: at most this many minors newer (0: never newer). */
    public static final String SKEW_NEWER_THAN_APISERVER = "newer-than-kube-apiserver";
    /** kube-proxy against the kubelet on its node, either side older (range: the newer one's release). */
    public static final String SKEW_KUBE_PROXY_KUBELET = "apart-from-kubelet";
    /** how many minors a kubelet may cross without draining its node first (range: the target release). */
    public static final String SKEW_IN_PLACE_UPGRADE = "in-place-upgrade";

    private static final String POLICY = "kubernetes.io/releases/version-skew-policy";

    /** The Eviction subresource takes a policy/v1 body from 1.22 (policy/v1 Eviction went GA then); policy/v1beta1 before (and still after). */
    public static final String EVICTION_V1 = "policy/v1 Eviction";

    /** Whether kube-apiserver of this release accepts a policy/v1 Eviction body. */
    public static boolean evictionV1(KubeVersion cluster) {
        return available(Component.API_SERVER, Kind.API_VERSION, EVICTION_V1, cluster);
    }

    /** The group/version kubejoin writes an Eviction in for this cluster release (kubectl drain asks discovery the same). */
    public static String evictionGroupVersion(KubeVersion cluster) {
        return evictionV1(cluster) ? "policy/v1" : "policy/v1beta1";
    }

    /** PodDisruptionBudget in policy/v1 from 1.21 (GA, kubernetes#99290). */
    public static final String PDB_V1 = "policy/v1 PodDisruptionBudget";
    /** PodDisruptionBudget in policy/v1beta1: deprecated in 1.21, no longer served from 1.25. */
    public static final String PDB_V1BETA1 = "policy/v1beta1 PodDisruptionBudget";

    /** The group/version kubejoin reads PodDisruptionBudgets in for this cluster release. */
    public static String podDisruptionBudgetGroupVersion(KubeVersion cluster) {
        return available(Component.API_SERVER, Kind.API_VERSION, PDB_V1, cluster) ? "policy/v1" : "policy/v1beta1";
    }

    /** Whether kube-apiserver of this release serves PodDisruptionBudgets in {@code groupVersion} (policy/v1, policy/v1beta1). */
    public static boolean servesPodDisruptionBudgets(KubeVersion cluster, String groupVersion) {
        return switch (groupVersion) {
            case "policy/v1" -> available(Component.API_SERVER, Kind.API_VERSION, PDB_V1, cluster);
            case "policy/v1beta1" -> available(Component.API_SERVER, Kind.API_VERSION, PDB_V1BETA1, cluster);
            default -> false;
        };
    }

    /** kube-proxy runs the conntrack program to flush stale UDP entries (a node requirement while its range lasts). */
    public static final String CONNTRACK_PROGRAM = "conntrack";
    /** kubelet speaks only CRI v1alpha2, which containerd 2.0 no longer serves (the range: the releases that do). */
    public static final String CRI_V1ALPHA2_ONLY = "cri-v1alpha2-only";
    /** kubelet takes its cgroup driver from a runtime that reports one (containerd 2.0+) instead of cgroupDriver. */
    public static final String CGROUP_DRIVER_FROM_CRI = "cgroup-driver-from-cri";

    /**
     * kube-proxy reads its Node at start and gives up after a short backoff (the range): it must start only once its
     * kubelet has registered the Node. See the rule's note for each release's behaviour.
     */
    public static final String KUBE_PROXY_AFTER_ITS_NODE = "start-after-its-node";

    /**
     * Whether kube-proxy of this release may start before its Node exists (together with the kubelet, which registers
     * it): 1.17-1.28 with a bindAddress (kubejoin renders one) never read the Node, 1.34+ wait for it up to 5 minutes.
     */
    public static boolean kubeProxyMayStartBeforeItsNode(KubeVersion v) {
        return !available(Component.KUBE_PROXY, Kind.START_ORDER, KUBE_PROXY_AFTER_ITS_NODE, v);
    }

    /**
     * kubelet keeps retrying its status every 100 ms at start until the Node is Ready (the range); before, its first
     * status after registration is NotReady and Ready waits for the next node-status sync. See the rule's note.
     */
    public static final String FAST_STATUS_UNTIL_READY = "fast-status-until-ready";

    /** fastStatusUpdateOnce's tick (kubelet.go, kubernetes#112618). */
    static final Duration FAST_STATUS_TICK = Duration.ofMillis(100);

    /**
     * Upper bound for the fast path: PLEG relists every second, the first time as the sync loop starts (the first
     * status loses that race on a fresh node), and the fast loop sees it within a tick; twice that, for a loaded node.
     */
    static final Duration FAST_STATUS_READY_WITHIN = Duration.ofSeconds(2);

    /** Whether kubelet of this release retries its status quickly at start until Ready (kubernetes#112618, 1.26). */
    public static boolean kubeletFastStatusUntilReady(KubeVersion v) {
        return available(Component.KUBELET, Kind.NODE_STATUS, FAST_STATUS_UNTIL_READY, v);
    }

    /**
     * How long after its first status (NotReady: PLEG has not relisted yet) a healthy, freshly registered kubelet of
     * this release reports Ready, at most: before 1.26 its next node-status sync, {@code nodeStatusUpdateFrequency}
     * later plus the sync loop's jitter (wait.JitterUntil, factor 0.04); from 1.26 the fast loop's next tick after
     * PLEG's first relist, well under a second ({@link #FAST_STATUS_READY_WITHIN} allowed).
     */
    public static Duration kubeletReadyAfterFirstStatus(KubeVersion v, Duration nodeStatusUpdateFrequency) {
        if (kubeletFastStatusUntilReady(v)) return FAST_STATUS_READY_WITHIN;
        return nodeStatusUpdateFrequency.plus(nodeStatusUpdateFrequency.multipliedBy(4).dividedBy(100));
    }

    /** Whether kube-proxy of this release needs the conntrack program on the node. */
    public static boolean kubeProxyNeedsConntrack(KubeVersion v) {
        return available(Component.KUBE_PROXY, Kind.NODE_REQUIREMENT, CONNTRACK_PROGRAM, v);
    }

    /** Whether kubelet of this release, by default, uses the cgroup driver a runtime reports over CRI. */
    public static boolean kubeletTakesCgroupDriverFromCri(KubeVersion v) {
        return available(Component.KUBELET, Kind.NODE_REQUIREMENT, CGROUP_DRIVER_FROM_CRI, v);
    }

    /**
     * containerd releases that support a kubelet release, from containerd's own table (RELEASES.md, "Kubernetes
     * support"): for each kubelet release from {@code since}, the lowest 1.6.x and 1.7.x patch; 2.x serves CRI v1 only.
     * Before 1.24 the table names no patch minimum, only that kubelet speaks CRI v1alpha2 alone before 1.23.
     */
    record ContainerdMinimum(KubeVersion since, int patch16, int patch17, String source) {
    }

    private static final List<ContainerdMinimum> CONTAINERD_MINIMUMS = List.of(
            new ContainerdMinimum(KubeVersion.minor(24), 4, 0, "containerd RELEASES.md: 1.24-1.25 need 1.6.4+ or 1.7.0+"),
            new ContainerdMinimum(KubeVersion.minor(26), 15, 0, "1.26 dropped CRI v1alpha2: 1.6.15+ or 1.7.0+"),
            new ContainerdMinimum(KubeVersion.minor(29), 27, 11, "1.29: 1.6.27+ or 1.7.11+"),
            new ContainerdMinimum(KubeVersion.minor(30), 28, 13, "1.30: 1.6.28+ or 1.7.13+"),
            new ContainerdMinimum(KubeVersion.minor(31), 34, 20, "1.31 and later: 1.6.34+, 1.7.20+ or 2.x"));

    /**
     * Why containerd {@code major.minor.patch} cannot serve kubelet {@code kubelet}, or null when it can: before 1.23
     * kubelet speaks only CRI v1alpha2, which containerd 2.0 removed; from 1.24 containerd's table names the lowest
     * 1.6 and 1.7 patches (older minors are out of support and lack fixes kubelet relies on).
     */
    public static String containerdUnsupported(KubeVersion kubelet, int major, int minor, int patch) {
        String v = major + "." + minor + "." + patch;
        if (major >= 2) {
            return available(Component.KUBELET, Kind.NODE_REQUIREMENT, CRI_V1ALPHA2_ONLY, kubelet)
                    ? "containerd " + v + " serves only CRI v1, and kubelet " + kubelet.minorString() + " speaks only CRI v1alpha2"
                    : null;
        }
        ContainerdMinimum row = null;
        for (ContainerdMinimum m : CONTAINERD_MINIMUMS) if (kubelet.atLeast(m.since())) row = m;
        if (row == null) return null;
        boolean ok = minor == 6 ? patch >= row.patch16() : minor == 7 ? patch >= row.patch17() : minor > 7;
        return ok ? null : "containerd " + v + " is not one kubelet " + kubelet.minorString() + " supports (" + row.source() + ")";
    }

    private static final List<VersionRule> ALL = build();

    private static List<VersionRule> build() {
        List<VersionRule> rules = new ArrayList<>();
        for (String flag : List.of("image-pull-progress-deadline", "network-plugin", "network-plugin-mtu",
                "cni-bin-dir", "cni-conf-dir", "cni-cache-dir", "docker-endpoint")) {
            rules.add(rule(Component.KUBELET, Kind.FLAG, flag, 0, 0, 24, DOCKERSHIM_FIX,
                    "dockershim-only flag, removed with dockershim"));
        }
        rules.add(rule(Component.KUBELET, Kind.FLAG, "dynamic-config-dir", 0, 22, 24, "drop it",
                "Dynamic Kubelet Configuration was removed in 1.24"));
        rules.add(rule(Component.KUBELET, Kind.FLAG, "container-runtime", 0, 24, 27,
                "drop it: kubelet finds the runtime by its endpoint, use kubelet.config." + CONTAINER_RUNTIME_ENDPOINT_FIELD,
                "kubejoin renders =remote for CRI runtimes while the flag exists (up to 1.26), as kubeadm does: the "
                        + "default was docker until 1.24.0-alpha.2, 'remote' is the only value left from 1.24, and "
                        + "the flag is gone in 1.27"));
        rules.add(rule(Component.KUBELET, Kind.FLAG, "container-runtime-endpoint", 0, 27, 0,
                "use kubelet.config." + CONTAINER_RUNTIME_ENDPOINT_FIELD,
                "deprecated in 1.27 for the config field; kubejoin uses the flag only before 1.27"));
        rules.add(rule(Component.KUBELET, Kind.FLAG, "register-with-taints", 0, 23, 0,
                "use kubelet.config.registerWithTaints or the node's taints",
                "kubejoin writes the registerWithTaints field from 1.23, the flag before"));
        rules.add(rule(Component.KUBELET, Kind.FLAG, "pod-infra-container-image", 0, 27, 35,
                "drop it: set the sandbox (pause) image in the container runtime's configuration",
                "the runtime, not kubelet, chooses the sandbox image (kubernetes#133779)"));
        rules.add(rule(Component.CONTROLLER_MANAGER, Kind.SIGNER_RULE, SIGNER_REQUIRES_KEY_ENCIPHERMENT, 18, 0, 25,
                "", "1.18 (signerName, kubernetes#88246) to 1.24 the kubelet signers accept only the usage set with "
                        + "key encipherment; from 1.25 (kubernetes#111061) also the set without it; 1.17's signs "
                        + "whatever was approved"));
        rules.add(rule(Component.CONTROLLER_MANAGER, Kind.SIGNER_RULE, SIGNER_MARKS_REFUSAL_FAILED, 19, 0, 0, "",
                "from 1.19 (kubernetes#90191) a refused request gets condition Failed, reason SignerValidationFailure"));
        rules.add(rule(Component.API_SERVER, Kind.API_VERSION, EVICTION_V1, 22, 0, 0, "",
                "policy/v1 Eviction served from 1.22; before, only policy/v1beta1, which the "
                        + "subresource still accepts"));
        rules.add(rule(Component.API_SERVER, Kind.API_VERSION, PDB_V1, 21, 0, 0, "",
                "policy/v1 PodDisruptionBudget served from 1.21 (GA, kubernetes#99290)"));
        rules.add(rule(Component.API_SERVER, Kind.API_VERSION, PDB_V1BETA1, 0, 21, 25, "policy/v1",
                "policy/v1beta1 PodDisruptionBudget deprecated in 1.21, no longer served from 1.25"));
        for (Component c : Component.values()) {
            for (String flag : KLOG_FLAGS) {
                rules.add(rule(c, Kind.FLAG, flag, 0, 23, 26, KLOG_FIX, "klog flag removed by KEP-2845"));
            }
        }
        rules.add(rule(Component.KUBELET, Kind.RUNTIME, "docker", 0, 20, 24,
                "use containerd (or cri-dockerd as a CRI endpoint)", "dockershim was removed from kubelet in 1.24"));
        rules.add(rule(Component.KUBE_PROXY, Kind.PROXY_MODE, "nftables", 29, 0, 0, "use ipvs or iptables",
                "alpha in 1.29-1.30 (feature gate), beta and on by default in 1.31, GA in 1.33"));
        rules.add(rule(Component.KUBE_PROXY, Kind.FEATURE_GATE, NFTABLES_GATE, 29, 0, 31, "",
                "kubejoin sets featureGates.NFTablesProxyMode=true for nftables mode while the mode is alpha"));
        rules.add(rule(Component.KUBE_PROXY, Kind.PROXY_MODE, "ipvs", 0, 35, 0, "consider nftables",
                "deprecated in 1.35; still rendered, with a warning"));
        rules.add(rule(Component.KUBE_PROXY, Kind.PROXY_MODE, "iptables", 0, 0, 0, "", "the default mode"));
        rules.add(rule(Component.KUBE_PROXY, Kind.PROXY_MODE, "userspace", 0, 23, 26, "use ipvs, iptables or nftables",
                "removed in 1.26 (kubernetes#112133); kubejoin writes the article's portRange only while it exists"));
        // the version-skew policy; its own history: kubernetes/website#22034 (2020, first kube-proxy section),
        // #40672 and #40932 (the 1.27 policy), #42218 (1.28, KEP-3935: n-3 nodes)
        for (Component c : List.of(Component.KUBELET, Component.KUBE_PROXY)) {
            rules.add(skew(c, SKEW_NEWER_THAN_APISERVER, 0, 0, 0, c.binary() + " must not be newer than kube-apiserver ("
                    + POLICY + ", every release)"));
            rules.add(skew(c, SKEW_OLDER_THAN_APISERVER, 0, 28, 2, c.binary() + " may be up to two minor releases older "
                    + "than kube-apiserver before 1.28 (" + POLICY + ")"));
            rules.add(skew(c, SKEW_OLDER_THAN_APISERVER, 28, 0, 3, c.binary() + " may be up to three minor releases "
                    + "older than a 1.28 or newer kube-apiserver (KEP-3935, kubernetes/website#42218); the policy says it "
                    + "as '" + c.binary() + " < 1.25 may only be up to two older', which names the same pairs"));
        }
        rules.add(skew(Component.KUBE_PROXY, SKEW_KUBE_PROXY_KUBELET, 0, 27, 0, "kube-proxy must be the same minor "
                + "release as the kubelet on its node: the policy from kubernetes/website#22034 (2020) until 1.27 (the "
                + "two shared iptables rules, changed in 1.16 and 1.19; kubernetes/kubernetes#117307)"));
        rules.add(skew(Component.KUBE_PROXY, SKEW_KUBE_PROXY_KUBELET, 27, 28, 2, "kube-proxy may be up to two minor "
                + "releases older or newer than the kubelet on its node from the 1.27 policy (kubernetes/website#40672, "
                + "#40932)"));
        rules.add(skew(Component.KUBE_PROXY, SKEW_KUBE_PROXY_KUBELET, 28, 0, 3, "up to three from 1.28 "
                + "(kubernetes/website#42218; 'kube-proxy < 1.25 only two', the same pairs)"));
        rules.add(skew(Component.KUBELET, SKEW_IN_PLACE_UPGRADE, 0, 0, 0, "in-place minor kubelet upgrades are not "
                + "supported: drain the node before a minor upgrade, a patch upgrade needs none (" + POLICY + ", kubelet "
                + "upgrade); the policy sets no other limit: a kubelet may go straight to any release within the skew, "
                + "skipping minors (only kube-apiserver must not skip)"));
        // what the node must have (node-preflight): kubeadm's preflight errors on a missing conntrack before 1.32 and
        // drops the check from 1.32, when kube-proxy flushes conntrack over netlink (kubernetes#126952)
        rules.add(rule(Component.KUBE_PROXY, Kind.NODE_REQUIREMENT, CONNTRACK_PROGRAM, 0, 0, 32, "",
                "kube-proxy execs conntrack to clear stale UDP entries until 1.32 (kubernetes#126952: netlink since)"));
        // when kube-proxy may start: before 1.29 with a bindAddress it never reads its Node (detectNodeIP takes the
        // bindAddress); kubernetes#119525 (1.29) reads it first, 6 tries 1-16 s apart (~31 s), then goes on without it
        // (on dual-stack the second family stays loopback); kubernetes#130837 (1.34) polls it every second for 5 minutes
        rules.add(rule(Component.KUBE_PROXY, Kind.START_ORDER, KUBE_PROXY_AFTER_ITS_NODE, 29, 0, 34, "",
                "1.29 (kubernetes#119525) to 1.33 kube-proxy reads its Node at start, 6 tries over ~31 s, then falls "
                        + "back: start it after its kubelet registered the Node; before 1.29 a bindAddress spares the "
                        + "read, from 1.34 (kubernetes#130837) it waits up to 5 minutes for the Node"));
        // when a freshly registered Node turns Ready: its first status is NotReady ("PLEG is not healthy: pleg has yet
        // to be successful": the sync loop starts after registration); reference log kubelet-1.24: registered
        // 16:14:58.05, NodeReady 16:15:08.3, at the next syncNodeStatus
        rules.add(rule(Component.KUBELET, Kind.NODE_STATUS, FAST_STATUS_UNTIL_READY, 26, 0, 0, "",
                "before 1.26 a fresh Node turns Ready only at the kubelet's next node-status sync, "
                        + "nodeStatusUpdateFrequency (10 s) after its NotReady first status (fastStatusUpdateOnce gave up "
                        + "after one update once a podCIDR was set); from 1.26 (kubernetes#112618) fastStatusUpdateOnce "
                        + "retries every 100 ms until Ready (up to nodeReadyGracePeriod, 120 s), so Ready follows within a "
                        + "second"));
        rules.add(rule(Component.KUBELET, Kind.NODE_REQUIREMENT, CRI_V1ALPHA2_ONLY, 0, 0, 23, "",
                "kubelet speaks CRI v1 from 1.23 (v1alpha2 before); containerd 2.0 serves v1 only"));
        rules.add(rule(Component.KUBELET, Kind.NODE_REQUIREMENT, CGROUP_DRIVER_FROM_CRI, 31, 0, 0, "",
                "KEP-4033 KubeletCgroupDriverFromCRI: alpha 1.28, beta and on by default from 1.31; kubelet then "
                        + "uses the driver containerd 2.0+ reports, and its own cgroupDriver only for older runtimes"));
        rules.addAll(KubeletFlagNames.rules());
        rules.addAll(KubeletFields.rules());
        rules.addAll(KubeProxyFields.rules());
        return Collections.unmodifiableList(rules);
    }

    private static VersionRule rule(Component c, Kind k, String name, int since, int deprecated, int removed,
                                    String replacement, String note) {
        return new VersionRule(c, k, name, since == 0 ? null : KubeVersion.minor(since),
                deprecated == 0 ? null : KubeVersion.minor(deprecated),
                removed == 0 ? null : KubeVersion.minor(removed), replacement, note);
    }

    private static VersionRule skew(Component c, String name, int since, int removed, int minors, String note) {
        return new VersionRule(c, Kind.SKEW, name, since == 0 ? null : KubeVersion.minor(since), null,
                removed == 0 ? null : KubeVersion.minor(removed), "", note, minors);
    }

    /**
     * The version-skew rule {@code name} of the component in force for the release {@code newer} (the newer of the
     * two versions it compares): one row per range, so exactly one answers.
     */
    public static VersionRule skewRule(Component component, String name, KubeVersion newer) {
        return ALL.stream().filter(r -> r.kind() == Kind.SKEW && r.component() == component && r.name().equals(name)
                        && r.availableIn(newer)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + component.binary() + " skew rule " + name + " for " + newer));
    }

    public static List<VersionRule> all() {
        return ALL;
    }

    public static Optional<VersionRule> find(Component component, Kind kind, String name) {
        return Optional.ofNullable(FIRST.get(key(component, kind, name)));
    }

    /**
     * The first rule of the table for each component, kind and name: what a scan of {@link #ALL} finds, without the
     * scan (every config field of every simulated kubelet and kube-proxy is looked up, a thousand nodes at a time).
     */
    private static final java.util.Map<String, VersionRule> FIRST = index();

    private static java.util.Map<String, VersionRule> index() {
        java.util.Map<String, VersionRule> first = new java.util.HashMap<>();
        for (VersionRule r : ALL) first.putIfAbsent(key(r.component(), r.kind(), r.name()), r);
        return java.util.Map.copyOf(first);
    }

    private static String key(Component component, Kind kind, String name) {
        return component.name() + '\u0000' + kind.name() + '\u0000' + name;
    }

    /** True when the flag exists in that release; flags the table does not know are assumed to exist. */
    public static boolean flagAvailable(Component component, String flag, KubeVersion v) {
        return find(component, Kind.FLAG, flag).map(r -> r.availableIn(v)).orElse(true);
    }

    public static boolean fieldAvailable(Component component, String field, KubeVersion v) {
        return find(component, Kind.CONFIG_FIELD, field).map(r -> r.availableIn(v)).orElse(false);
    }

    public static boolean available(Component component, Kind kind, String name, KubeVersion v) {
        return find(component, kind, name).map(r -> r.availableIn(v)).orElse(false);
    }

    /** Every config field name of the component, in any release. */
    public static List<String> fieldNames(Component component) {
        return ALL.stream().filter(r -> r.component() == component && r.kind() == Kind.CONFIG_FIELD)
                .map(VersionRule::name).toList();
    }

    /** Flags of the component that release {@code v} no longer has. */
    public static List<VersionRule> removedFlags(Component component, KubeVersion v) {
        return ALL.stream().filter(r -> r.component() == component && r.kind() == Kind.FLAG && r.removedIn(v))
                .toList();
    }

    /** The known config field closest to a misspelt one, if any is close enough to be a likely typo. */
    public static Optional<String> nearestField(Component component, String name) {
        return nearest(fieldNames(component), name);
    }

    /** The flag of release {@code v} closest to a misspelt one, if any is close enough to be a likely typo. */
    public static Optional<String> nearestFlag(Component component, String name, KubeVersion v) {
        return nearest(ALL.stream().filter(r -> r.component() == component && r.kind() == Kind.FLAG && r.availableIn(v))
                .map(VersionRule::name).toList(), name);
    }

    static Optional<String> nearest(List<String> candidates, String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = io.kubejoin.util.Suggestions.distance(name.toLowerCase(), candidate.toLowerCase());
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return bestDistance <= Math.max(2, name.length() / 4) ? Optional.ofNullable(best) : Optional.empty();
    }
}
