package io.kubejoin.version;

/**
 * One row of {@link VersionRules}: something a kubelet or kube-proxy release accepts only from / until a release
 * (or a rule kube-controller-manager's signer applies in some releases only).
 *
 * @param component   which binary the rule is about
 * @param kind        what it governs
 * @param name        flag without dashes, config JSON field name, runtime kind, proxy mode or feature gate name
 * @param since       first release that has it; null when it predates 1.17, the oldest release kubejoin supports
 * @param deprecated  release that deprecated it (still accepted, kubejoin warns); null when not deprecated
 * @param removed     first release that no longer has it; null when still present in 1.35
 * @param replacement what to use instead once removed (shown in fixes); may be empty
 * @param note        one line on why the rule exists
 * @param minors      for {@link Kind#SKEW} rows: how many minor releases the pair may be apart in the row's range;
 *                    0 for every other kind
 */
public record VersionRule(Component component, Kind kind, String name, KubeVersion since, KubeVersion deprecated,
                          KubeVersion removed, String replacement, String note, int minors) {

    /** A row of any kind but {@link Kind#SKEW}. */
    public VersionRule(Component component, Kind kind, String name, KubeVersion since, KubeVersion deprecated,
                       KubeVersion removed, String replacement, String note) {
        this(component, kind, name, since, deprecated, removed, replacement, note, 0);
    }

    public enum Component {
        KUBELET("kubelet"), KUBE_PROXY("kube-proxy"),
        /** the cluster's, not the node's: its csrsigning controller signs the kubelets' certificates */
        CONTROLLER_MANAGER("kube-controller-manager"),
        /** the cluster's: which API versions it serves (e.g. the Eviction subresource's) */
        API_SERVER("kube-apiserver");

        private final String binary;

        Component(String binary) {
            this.binary = binary;
        }

        public String binary() {
            return binary;
        }
    }

    public enum Kind {
        /** a command-line flag */
        FLAG,
        /** a top-level field of KubeletConfiguration v1beta1 / KubeProxyConfiguration v1alpha1 */
        CONFIG_FIELD,
        /** a container runtime kubelet can drive */
        RUNTIME,
        /** a kube-proxy mode */
        PROXY_MODE,
        /** a feature gate kubejoin must set; the rule's range is when it must be set */
        FEATURE_GATE,
        /** a rule of the csrsigning controller; the rule's range is the releases that apply it */
        SIGNER_RULE,
        /**
         * the version-skew policy (kubernetes.io/releases/version-skew-policy): how many minor releases the component
         * may be apart from another ({@link VersionRule#minors()}); the range is over the release of the newer of the
         * two (kube-apiserver's, for the rows against it), one row per range, so a name repeats with disjoint ranges
         */
        SKEW,
        /** a group/version kube-apiserver accepts for a resource; the rule's range is the releases that serve it */
        API_VERSION,
        /**
         * something the node must have or be for the component (a program, a runtime API); the rule's range is the
         * releases that need it (node-preflight's checks)
         */
        NODE_REQUIREMENT,
        /**
         * an order the component's start must keep against the node's other services; the rule's range is the
         * releases that need that order
         */
        START_ORDER,
        /**
         * how the component reports its Node's status at start (when Ready follows registration); the rule's range is
         * the releases that report so
         */
        NODE_STATUS
    }

    /** True when the release {@code v} has this flag / field / mode. */
    public boolean availableIn(KubeVersion v) {
        return (since == null || v.atLeast(since)) && (removed == null || !v.atLeast(removed));
    }

    public boolean removedIn(KubeVersion v) {
        return removed != null && v.atLeast(removed);
    }

    public boolean notYetIn(KubeVersion v) {
        return since != null && !v.atLeast(since);
    }

    public boolean deprecatedIn(KubeVersion v) {
        return deprecated != null && v.atLeast(deprecated) && availableIn(v);
    }

    /** "--logtostderr" for flags, the bare name otherwise. */
    public String displayName() {
        return kind == Kind.FLAG ? "--" + name : name;
    }
}
