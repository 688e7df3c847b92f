package io.kubejoin.render;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.inventory.ProxyMode;
import io.kubejoin.version.KubeVersion;
import io.kubejoin.version.VersionRule;
import io.kubejoin.version.VersionRule.Component;
import io.kubejoin.version.VersionRule.Kind;
import io.kubejoin.version.VersionRules;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * kube-proxy-config.yaml (P5): the article's KubeProxyConfiguration for this node, gated by {@link VersionRules}
 * (nftables feature gate while alpha, portRange only while the userspace proxy existed, an ipvs deprecation
 * warning from 1.35), with the user's overrides deep-merged over it.
 */
public final class KubeProxyConfigRenderer {
    private KubeProxyConfigRenderer() {
    }

    public static String render(Inventory inv, Node node, RenderWarnings warnings) {
        KubeVersion v = inv.kubernetesVersion();
        NodeFiles files = new NodeFiles(inv.paths());
        ProxyMode mode = node.kubeProxy().mode();
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("kind", "KubeProxyConfiguration");
        c.put("apiVersion", "kubeproxy.config.k8s.io/v1alpha1");
        Map<String, Object> client = new LinkedHashMap<>();
        client.put("burst", 200);
        client.put("kubeconfig", files.kubeProxyKubeconfig());
        client.put("qps", 100);
        c.put("clientConnection", client);
        c.put("bindAddress", node.address());
        c.put("healthzBindAddress", hostPort(node.address(), 10256));
        c.put("metricsBindAddress", hostPort(node.address(), 10249));
        c.put("enableProfiling", true);
        c.put("clusterCIDR", inv.network().clusterCIDR());
        // must equal kubelet's --hostname-override, or kube-proxy finds no Node and programs no rules
        c.put("hostnameOverride", node.name());
        c.put("mode", mode.value());
        modeRules(mode, v, c, warnings);
        if (VersionRules.available(Component.KUBE_PROXY, Kind.PROXY_MODE, "userspace", v)) {
            c.put("portRange", ""); // as the article, while the userspace proxy (its only user) existed
        }
        if (mode != ProxyMode.NFTABLES) c.put("iptables", Map.of("masqueradeAll", false));
        if (mode == ProxyMode.IPVS) {
            Map<String, Object> ipvs = new LinkedHashMap<>();
            ipvs.put("scheduler", node.kubeProxy().ipvsScheduler());
            ipvs.put("excludeCIDRs", List.of());
            c.put("ipvs", ipvs);
        }
        Map<String, Object> user = KubeletConfigRenderer.knownFields(Component.KUBE_PROXY,
                node.kubeProxy().config(), v, warnings);
        return Yaml.write(KubeletConfigRenderer.deepMerge(c, user));
    }

    private static void modeRules(ProxyMode mode, KubeVersion v, Map<String, Object> c, RenderWarnings warnings) {
        VersionRule rule = VersionRules.find(Component.KUBE_PROXY, Kind.PROXY_MODE, mode.value()).orElseThrow();
        if (!rule.availableIn(v)) {
            warnings.add("kube-proxy " + v.minorString() + " has no " + mode.value() + " mode (it arrived in "
                    + rule.since().minorString() + "): " + rule.replacement());
        } else if (rule.deprecatedIn(v)) {
            warnings.add("kube-proxy " + mode.value() + " mode is deprecated since " + rule.deprecated().minorString()
                    + ": " + rule.replacement());
        }
        if (mode == ProxyMode.NFTABLES
                && VersionRules.available(Component.KUBE_PROXY, Kind.FEATURE_GATE, VersionRules.NFTABLES_GATE, v)) {
            c.put("featureGates", Map.of(VersionRules.NFTABLES_GATE, true)); // alpha in 1.29-1.30
        }
    }

    /** "10.0.0.5:10256", or "[fd00::5]:10256" for IPv6. */
    static String hostPort(String address, int port) {
        return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    }
}
