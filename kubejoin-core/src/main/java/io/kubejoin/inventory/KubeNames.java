package io.kubejoin.inventory;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Kubernetes' own name rules (apimachinery validation), as the API server and kubelet apply them. */
final class KubeNames {
    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern QUALIFIED_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    // client-go bootstrap API: auth-extra-groups must match system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]
    private static final Pattern BOOTSTRAP_GROUP_SUFFIX = Pattern.compile("[a-z0-9:-]{0,255}[a-z0-9]");

    /**
     * Labels kubelet may set on its own Node in the kubernetes.io/k8s.io namespaces (kubelet refuses to start
     * otherwise; NodeRestriction enforces it): pkg/kubelet/apis/well_known_labels.go as of current releases.
     * Older releases also allowed failure-domain.kubernetes.io/* and kubernetes.io/instance-type; newer ones
     * reject them, so they are left out.
     */
    static final Set<String> KUBELET_LABELS = Set.of(
            "kubernetes.io/hostname", "kubernetes.io/os", "kubernetes.io/arch",
            "beta.kubernetes.io/os", "beta.kubernetes.io/arch", "beta.kubernetes.io/instance-type",
            "node.kubernetes.io/instance-type",
            "topology.kubernetes.io/zone", "topology.kubernetes.io/region",
            "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region");
    static final Set<String> KUBELET_LABEL_NAMESPACES = Set.of("kubelet.kubernetes.io", "node.kubernetes.io");

    private KubeNames() {
    }

    /** Lower-case RFC 1123 subdomain: what a Node name must be. */
    static boolean isDns1123Subdomain(String s) {
        if (s == null || s.isEmpty() || s.length() > 253) return false;
        for (String label : s.split("\\.", -1)) {
            if (label.length() > 63 || !DNS1123_LABEL.matcher(label).matches()) return false;
        }
        return true;
    }

    static Optional<String> labelKeyError(String key) {
        String name = key;
        int slash = key.indexOf('/');
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            name = key.substring(slash + 1);
            if (!isDns1123Subdomain(prefix)) {
                return Optional.of("its prefix '" + prefix + "' must be a lower-case DNS subdomain such as example.com");
            }
        }
        if (name.isEmpty() || name.length() > 63 || !QUALIFIED_NAME.matcher(name).matches()) {
            return Optional.of("its name part must be 1-63 characters of letters, digits, '-', '_' or '.', "
                    + "starting and ending with a letter or digit");
        }
        return Optional.empty();
    }

    static Optional<String> labelValueError(String value) {
        if (value.isEmpty()) return Optional.empty();
        if (value.length() > 63 || !QUALIFIED_NAME.matcher(value).matches()) {
            return Optional.of("a label value must be at most 63 characters of letters, digits, '-', '_' or '.', "
                    + "starting and ending with a letter or digit");
        }
        return Optional.empty();
    }

    /** True when the key is in kubernetes.io or k8s.io (or a subdomain of them). */
    static boolean isKubernetesNamespaced(String key) {
        String ns = namespace(key);
        for (String domain : new String[] {"kubernetes.io", "k8s.io"}) {
            if (ns.equals(domain) || ns.endsWith("." + domain)) return true;
        }
        return false;
    }

    static boolean isAllowedKubeletLabel(String key) {
        if (KUBELET_LABELS.contains(key)) return true;
        String ns = namespace(key);
        for (String allowed : KUBELET_LABEL_NAMESPACES) {
            if (ns.equals(allowed) || ns.endsWith("." + allowed)) return true;
        }
        return false;
    }

    static boolean isBootstrapGroupSuffix(String group) {
        return group != null && BOOTSTRAP_GROUP_SUFFIX.matcher(group).matches();
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    private static String namespace(String key) {
        int slash = key.indexOf('/');
        return slash < 0 ? "" : key.substring(0, slash);
    }
}
