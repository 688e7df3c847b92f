package io.kubejoin.render;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.inventory.Taint;
import io.kubejoin.version.KubeVersion;
import io.kubejoin.version.VersionRule.Component;
import io.kubejoin.version.VersionRules;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * kubelet-config.yaml (K4): the article's KubeletConfiguration with this node's values, the fields the target
 * release needs (per {@link VersionRules}), and the user's overrides deep-merged over it.
 */
public final class KubeletConfigRenderer {
    private KubeletConfigRenderer() {
    }

    /** systemd-resolved's file with the real upstream servers (its /etc/resolv.conf names a loopback stub). */
    public static final String RESOLVED_RESOLV_CONF = "/run/systemd/resolve/resolv.conf";
    /** On a host without systemd-resolved /etc/resolv.conf names the real servers. */
    public static final String PLAIN_RESOLV_CONF = "/etc/resolv.conf";

    /** As on a host with systemd-resolved (what `kubejoin render` assumes; the join checks each node). */
    public static String render(Inventory inv, Node node, RenderWarnings warnings) {
        return render(inv, node, warnings, true);
    }

    /**
     * @param systemdResolved whether the node has systemd-resolved's resolv.conf: a fact the join reads from the
     *                        node (node-preflight) and passes in, so rendering stays pure
     */
    public static String render(Inventory inv, Node node, RenderWarnings warnings, boolean systemdResolved) {
        KubeVersion v = inv.kubernetesVersion();
        NodeFiles files = new NodeFiles(inv.paths());
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("kind", "KubeletConfiguration");
        c.put("apiVersion", "kubelet.config.k8s.io/v1beta1");
        // the secure port must listen on the node's address: on 127.0.0.1 the apiserver could not reach it
        c.put("address", node.address());
        c.put("staticPodPath", files.staticPodPath());
        c.put("syncFrequency", "1m");
        c.put("fileCheckFrequency", "20s");
        c.put("httpCheckFrequency", "20s");
        c.put("staticPodURL", "");
        c.put("port", 10250);
        c.put("readOnlyPort", 0); // no unauthenticated port
        c.put("rotateCertificates", true);
        c.put("serverTLSBootstrap", true); // serving certificate from a CSR that kubejoin approves (K11)
        c.put("authentication", authentication(files));
        c.put("authorization", Map.of("mode", "Webhook"));
        c.put("registryPullQPS", 0);
        c.put("registryBurst", 20);
        c.put("eventRecordQPS", 0);
        c.put("eventBurst", 20);
        c.put("enableDebuggingHandlers", true);
        c.put("enableContentionProfiling", true);
        c.put("healthzPort", 10248);
        c.put("healthzBindAddress", node.address());
        c.put("clusterDomain", inv.network().clusterDomain());
        c.put("clusterDNS", List.copyOf(inv.network().clusterDNS()));
        c.put("nodeStatusUpdateFrequency", "10s");
        c.put("nodeStatusReportFrequency", "1m");
        c.put("imageMinimumGCAge", "2m");
        c.put("imageGCHighThresholdPercent", 85);
        c.put("imageGCLowThresholdPercent", 80);
        c.put("volumeStatsAggPeriod", "1m");
        c.put("kubeletCgroups", "");
        c.put("systemCgroups", "");
        c.put("cgroupRoot", "");
        c.put("cgroupsPerQOS", true);
        c.put("cgroupDriver", "cgroupfs");
        c.put("runtimeRequestTimeout", "10m");
        c.put("hairpinMode", "promiscuous-bridge");
        c.put("maxPods", 220);
        // as the article: kubelet only uses podCIDR standalone; in a cluster the node's range comes from the API
        c.put("podCIDR", inv.network().clusterCIDR());
        c.put("podPidsLimit", -1);
        c.put("resolvConf", systemdResolved ? RESOLVED_RESOLV_CONF : PLAIN_RESOLV_CONF);
        c.put("maxOpenFiles", 1000000);
        c.put("kubeAPIQPS", 1000);
        c.put("kubeAPIBurst", 2000);
        c.put("serializeImagePulls", false);
        c.put("evictionHard", evictionHard());
        c.put("evictionSoft", Map.of());
        c.put("enableControllerAttachDetach", true);
        c.put("failSwapOn", true);
        c.put("containerLogMaxSize", "20Mi");
        c.put("containerLogMaxFiles", 10);
        c.put("systemReserved", Map.of());
        c.put("kubeReserved", Map.of());
        c.put("systemReservedCgroup", "");
        c.put("kubeReservedCgroup", "");
        c.put("enforceNodeAllocatable", List.of("pods"));
        if (!node.taints().isEmpty() && fieldAvailable("registerWithTaints", v)) {
            c.put("registerWithTaints", taints(node.taints())); // before 1.23: --register-with-taints
        }
        String endpoint = inv.runtime().endpoint();
        if (endpoint != null && fieldAvailable(VersionRules.CONTAINER_RUNTIME_ENDPOINT_FIELD, v)) {
            c.put(VersionRules.CONTAINER_RUNTIME_ENDPOINT_FIELD, endpoint); // before 1.27: a unit flag
        }
        return Yaml.write(deepMerge(c, knownFields(Component.KUBELET, node.kubelet().config(), v, warnings)));
    }

    private static boolean fieldAvailable(String field, KubeVersion v) {
        return VersionRules.fieldAvailable(Component.KUBELET, field, v);
    }

    private static Map<String, Object> authentication(NodeFiles files) {
        Map<String, Object> auth = new LinkedHashMap<>();
        auth.put("anonymous", Map.of("enabled", false));
        auth.put("webhook", Map.of("enabled", true));
        auth.put("x509", Map.of("clientCAFile", files.caCert()));
        return auth;
    }

    private static Map<String, Object> evictionHard() {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("memory.available", "100Mi");
        e.put("nodefs.available", "10%");
        e.put("nodefs.inodesFree", "5%");
        e.put("imagefs.available", "15%");
        return e;
    }

    private static List<Map<String, Object>> taints(List<Taint> taints) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Taint t : taints) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("key", t.key());
            if (t.value() != null && !t.value().isEmpty()) m.put("value", t.value());
            m.put("effect", t.effect());
            out.add(m);
        }
        return out;
    }

    /** The user's overrides without top-level keys the release does not have (VersionChecks reports those). */
    static Map<String, Object> knownFields(Component component, Map<String, Object> overrides, KubeVersion v,
                                           RenderWarnings warnings) {
        Map<String, Object> out = new LinkedHashMap<>();
        overrides.forEach((key, value) -> {
            if (VersionRules.fieldAvailable(component, key, v)) {
                out.put(key, value);
            } else {
                warnings.add(key + " is not a field of " + component.binary() + " " + v.minorString()
                        + " configuration: not rendered");
            }
        });
        return out;
    }

    /**
     * A copy of {@code base} with {@code overrides} applied: where both hold a map the maps merge recursively,
     * anything else in {@code overrides} replaces the base value. Neither argument is modified.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> deepMerge(Map<String, Object> base, Map<String, Object> overrides) {
        Map<String, Object> out = new LinkedHashMap<>(base);
        for (Map.Entry<String, Object> e : overrides.entrySet()) {
            Object current = out.get(e.getKey());
            if (current instanceof Map<?, ?> cm && e.getValue() instanceof Map<?, ?> om) {
                out.put(e.getKey(), deepMerge((Map<String, Object>) cm, (Map<String, Object>) om));
            } else {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }
}
