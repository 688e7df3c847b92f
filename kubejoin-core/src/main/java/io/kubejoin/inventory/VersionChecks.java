package io.kubejoin.inventory;

import io.kubejoin.version.ConfigTypes;
import io.kubejoin.version.KubeVersion;
import io.kubejoin.version.VersionRule;
import io.kubejoin.version.VersionRule.Component;
import io.kubejoin.version.VersionRule.Kind;
import io.kubejoin.version.VersionRules;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Checks an inventory's kubelet/kube-proxy overrides against {@link VersionRules} for its target version:
 * unknown or not-yet-existing config fields, flags removed in that release, modes the release lacks.
 * Cluster-wide settings are reported once under their own path; a node is only blamed for what it overrides.
 * It applies the version table to the inventory, so it lives with the inventory's validation: {@code version} is the
 * table and knows nothing of inventories.
 */
public final class VersionChecks {
    private final Inventory inv;
    private final KubeVersion v;
    private final List<Problem> problems = new ArrayList<>();

    private VersionChecks(Inventory inv) {
        this.inv = inv;
        this.v = inv.kubernetesVersion();
    }

    public static List<Problem> check(Inventory inventory) {
        VersionChecks c = new VersionChecks(inventory);
        c.run();
        return List.copyOf(c.problems);
    }

    private void run() {
        if (inv.runtime().kind() == ContainerRuntime.Kind.DOCKER) checkDocker();
        kubeletConfig("kubelet.config", inv.kubelet().config());
        kubeletFlags("kubelet.flags", inv.kubelet().flags());
        proxyConfig("kubeProxy.config", inv.kubeProxy().config());
        proxyMode("kubeProxy.mode", inv.kubeProxy().mode());
        for (Node node : inv.nodes()) {
            String at = node.fieldPath();
            kubeletConfig(at + ".kubelet.config", ownOnly(node.kubelet().config(), inv.kubelet().config()));
            kubeletFlags(at + ".kubelet.flags", ownOnly(node.kubelet().flags(), inv.kubelet().flags()));
            proxyConfig(at + ".kubeProxy.config", ownOnly(node.kubeProxy().config(), inv.kubeProxy().config()));
            if (node.kubeProxy().mode() != inv.kubeProxy().mode()) proxyMode(at + ".kubeProxy.mode", node.kubeProxy().mode());
            hostnameOverrides(node);
        }
    }

    private void checkDocker() {
        VersionRule docker = VersionRules.find(Component.KUBELET, Kind.RUNTIME, "docker").orElseThrow();
        if (docker.removedIn(v)) {
            add("runtime", "kubelet " + v.minorString() + " cannot use docker: dockershim was removed in "
                    + docker.removed().minorString(), docker.replacement());
        }
    }

    private void kubeletConfig(String path, Map<String, Object> config) {
        config.forEach((key, value) -> {
            if (field(Component.KUBELET, "KubeletConfiguration", path + "." + key, key)) {
                types(Component.KUBELET, "KubeletConfiguration", path + "." + key, key, value);
            }
            if ((key.equals("address") || key.equals("healthzBindAddress")) && isLoopback(value) && !inv.sandbox()) {
                add(path + "." + key, value + " is a loopback address: the API server could not reach kubelet there",
                        "remove it (kubejoin uses the node's address) or use a routable address");
            }
        });
    }

    private void proxyConfig(String path, Map<String, Object> config) {
        config.forEach((key, value) -> {
            if (field(Component.KUBE_PROXY, "KubeProxyConfiguration", path + "." + key, key)) {
                types(Component.KUBE_PROXY, "KubeProxyConfiguration", path + "." + key, key, value);
            }
        });
    }

    /** Wrong types and unknown or too-new nested fields in one top-level field's value (see {@link ConfigTypes}). */
    private void types(Component component, String kind, String path, String key, Object value) {
        ConfigTypes.checkField(component, kind, path, key, value, v).forEach(m -> add(m.path(), m.message(), m.fix()));
    }

    /** True when the release has the field; otherwise a problem says why not. */
    private boolean field(Component component, String kind, String path, String key) {
        if (key.equals("kind") || key.equals("apiVersion")) {
            add(path, key + " is written by kubejoin", "remove it");
            return false;
        }
        Optional<VersionRule> rule = VersionRules.find(component, Kind.CONFIG_FIELD, key);
        if (rule.isEmpty()) {
            add(path, key + " is not a " + kind + " field", VersionRules.nearestField(component, key)
                    .map(n -> "did you mean " + n + "?")
                    .orElse("see the " + kind + " reference for " + v.minorString()));
        } else if (rule.get().notYetIn(v)) {
            String why = rule.get().note().equals(kind + " field") ? "" : " (" + rule.get().note() + ")";
            add(path, key + " is a " + kind + " field only from " + rule.get().since().minorString()
                    + "; the target is " + v.minorString() + why,
                    "remove it, or target " + rule.get().since().minorString() + " or later");
        } else if (rule.get().removedIn(v)) {
            add(path, key + " was removed from " + kind + " in " + rule.get().removed().minorString()
                    + " (" + rule.get().note() + ")", "remove it");
        } else {
            return true;
        }
        return false;
    }

    /** Flags kubelet of the target release lacks: removed, not yet there, or never a kubelet flag (kubelet exits). */
    private void kubeletFlags(String path, Map<String, String> flags) {
        flags.keySet().forEach(key -> {
            String flag = key.replaceFirst("^-+", "").replace('_', '-');
            Optional<VersionRule> rule = VersionRules.find(Component.KUBELET, Kind.FLAG, flag);
            if (rule.isEmpty()) {
                add(path + "." + key, "kubelet " + v.minorString() + " has no --" + flag + " flag: it would refuse to start",
                        VersionRules.nearestFlag(Component.KUBELET, flag, v).map(n -> "did you mean " + n + "?")
                                .orElse("remove it; kubelet --help lists the flags, most settings belong in kubelet.config"));
            } else if (rule.get().removedIn(v)) {
                add(path + "." + key, "--" + flag + " was removed from kubelet in " + rule.get().removed().minorString()
                        + "; the target is " + v.minorString(), rule.get().replacement());
            } else if (rule.get().notYetIn(v)) {
                add(path + "." + key, "--" + flag + " is a kubelet flag only from " + rule.get().since().minorString()
                        + "; the target is " + v.minorString(),
                        "remove it, or target " + rule.get().since().minorString() + " or later");
            }
        });
    }

    private void proxyMode(String path, ProxyMode mode) {
        VersionRule rule = VersionRules.find(Component.KUBE_PROXY, Kind.PROXY_MODE, mode.value()).orElseThrow();
        if (rule.notYetIn(v)) {
            add(path, "kube-proxy " + v.minorString() + " has no " + mode.value() + " mode (it arrived in "
                    + rule.since().minorString() + ")", rule.replacement() + ", or target "
                    + rule.since().minorString() + " or later");
        }
    }

    /** kube-proxy must name the node as kubelet does, or it finds no Node and programs no rules. */
    private void hostnameOverrides(Node node) {
        Object proxyName = node.kubeProxy().config().get("hostnameOverride");
        if (proxyName != null && !proxyName.equals(node.name())) {
            String path = Objects.equals(inv.kubeProxy().config().get("hostnameOverride"), proxyName)
                    ? "kubeProxy.config.hostnameOverride" : node.fieldPath() + ".kubeProxy.config.hostnameOverride";
            add(path, "hostnameOverride " + proxyName + " differs from node " + node.name()
                    + ", kubelet's --hostname-override", "remove it: kubejoin sets it to the node name");
        }
        String kubeletName = node.kubelet().flags().get("hostname-override");
        if (kubeletName != null && !kubeletName.equals(node.name())) {
            String path = Objects.equals(inv.kubelet().flags().get("hostname-override"), kubeletName)
                    ? "kubelet.flags.hostname-override" : node.fieldPath() + ".kubelet.flags.hostname-override";
            add(path, "--hostname-override " + kubeletName + " differs from node " + node.name()
                    + ", which kube-proxy uses", "remove it: kubejoin sets it to the node name");
        }
    }

    /** The node's entries that it sets itself, as opposed to those it inherits from the cluster-wide settings. */
    private static <T> Map<String, T> ownOnly(Map<String, T> merged, Map<String, T> clusterWide) {
        Map<String, T> own = new LinkedHashMap<>();
        merged.forEach((k, val) -> {
            if (!clusterWide.containsKey(k) || !Objects.equals(clusterWide.get(k), val)) own.put(k, val);
        });
        return own;
    }

    private static boolean isLoopback(Object value) {
        if (!(value instanceof String s)) return false;
        String a = s.trim();
        return a.startsWith("127.") || a.equals("::1") || a.equals("[::1]") || a.equalsIgnoreCase("localhost");
    }

    private void add(String path, String message, String fix) {
        Problem p = new Problem(inv.source(), inv.locations().lineOf(path), path, message, fix);
        if (!problems.contains(p)) problems.add(p);
    }
}
