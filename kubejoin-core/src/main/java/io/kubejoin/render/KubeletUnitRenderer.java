package io.kubejoin.render;

import io.kubejoin.inventory.ContainerRuntime;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.inventory.Taint;
import io.kubejoin.version.KubeVersion;
import io.kubejoin.version.VersionRule.Component;
import io.kubejoin.version.VersionRule.Kind;
import io.kubejoin.version.VersionRules;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * kubelet.service (K6): the article's unit, with only the flags the target release still has
 * (per {@link VersionRules}) and the user's extra flags last.
 */
public final class KubeletUnitRenderer {
    private KubeletUnitRenderer() {
    }

    public static String render(Inventory inv, Node node, RenderWarnings warnings) {
        KubeVersion v = inv.kubernetesVersion();
        NodeFiles files = new NodeFiles(inv.paths());
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("bootstrap-kubeconfig", files.kubeletBootstrapKubeconfig());
        flags.put("cert-dir", files.certDir());
        flags.put("root-dir", files.kubeletRootDir());
        flags.put("kubeconfig", files.kubeletKubeconfig());
        flags.put("config", files.kubeletConfig());
        // must equal kube-proxy's hostnameOverride, or kube-proxy finds no Node (the article's third failure)
        flags.put("hostname-override", node.name());
        // the inventory's address (v4 or v6, bare), not whatever the host name resolves to on a multi-homed host
        flags.put("node-ip", node.address());
        if (!node.labels().isEmpty()) {
            flags.put("node-labels", new TreeMap<>(node.labels()).entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",")));
        }
        if (!node.taints().isEmpty()
                && !VersionRules.fieldAvailable(Component.KUBELET, "registerWithTaints", v)) {
            flags.put("register-with-taints", node.taints().stream().map(Taint::toFlagValue)
                    .collect(Collectors.joining(",")));
        }
        runtimeFlags(inv.runtime(), v, flags, warnings);
        flags.put("volume-plugin-dir", files.kubeletVolumePluginDir());
        if (flagAvailable("logtostderr", v)) flags.put("logtostderr", "true"); // klog flags went in 1.26
        flags.put("v", Integer.toString(node.kubelet().verbosity()));
        // the user's flags come last, sorted, each replacing the flag kubejoin would have set
        Map<String, String> user = new TreeMap<>();
        node.kubelet().flags().forEach((flag, value) -> user.put(flag.replaceFirst("^-+", ""), value));
        user.keySet().removeIf(flag -> {
            boolean gone = !flagAvailable(flag, v);
            if (gone) warnings.add("kubelet " + v.minorString() + " has no --" + flag + " flag: not rendered");
            return gone;
        });
        flags.keySet().removeAll(user.keySet());
        flags.putAll(user);

        StringBuilder sb = new StringBuilder();
        sb.append("[Unit]\n");
        sb.append("Description=Kubernetes Kubelet\n");
        sb.append("Documentation=https://github.com/GoogleCloudPlatform/kubernetes\n");
        String runtimeUnit = inv.runtime().systemdUnit();
        if (runtimeUnit != null) {
            sb.append("After=").append(runtimeUnit).append('\n');
            sb.append("Requires=").append(runtimeUnit).append('\n');
        }
        sb.append('\n');
        sb.append("[Service]\n");
        sb.append("WorkingDirectory=").append(files.kubeletRootDir()).append('\n');
        sb.append(execStart(files.kubeletBinary(), flags));
        sb.append("Restart=always\n");
        sb.append("RestartSec=5\n");
        sb.append("StartLimitInterval=0\n");
        sb.append('\n');
        sb.append("[Install]\n");
        sb.append("WantedBy=multi-user.target\n");
        return sb.toString();
    }

    /**
     * How kubelet finds its runtime: dockershim needs nothing (before 1.24), a CRI runtime
     * --container-runtime=remote while the flag exists (up to 1.26: kubelets before 1.24.0-alpha.2 default to
     * docker, and kubeadm renders it for all of them) and the endpoint as a flag before 1.27, as a config field after.
     */
    private static void runtimeFlags(ContainerRuntime runtime, KubeVersion v, Map<String, String> flags,
                                     RenderWarnings warnings) {
        if (runtime.kind() == ContainerRuntime.Kind.DOCKER) {
            if (!VersionRules.available(Component.KUBELET, Kind.RUNTIME, "docker", v)) {
                warnings.add("kubelet " + v.minorString() + " has no docker runtime (dockershim was removed in "
                        + "1.24): use containerd");
            } else if (flagAvailable("image-pull-progress-deadline", v)) {
                flags.put("image-pull-progress-deadline", "15m"); // dockershim-only, as the article
            }
            return;
        }
        if (runtime.endpoint() == null) return;
        if (flagAvailable("container-runtime", v)) flags.put("container-runtime", "remote");
        if (!VersionRules.fieldAvailable(Component.KUBELET, VersionRules.CONTAINER_RUNTIME_ENDPOINT_FIELD, v)) {
            flags.put("container-runtime-endpoint", runtime.endpoint());
        }
    }

    private static boolean flagAvailable(String flag, KubeVersion v) {
        return VersionRules.flagAvailable(Component.KUBELET, flag, v);
    }

    /** ExecStart with one flag per line; values are escaped so systemd passes them to the binary unchanged. */
    static String execStart(String binary, Map<String, String> flags) {
        StringBuilder sb = new StringBuilder("ExecStart=").append(oneLine("the binary path", binary));
        for (Map.Entry<String, String> f : flags.entrySet()) {
            sb.append(" \\\n  --").append(oneLine("a flag name", f.getKey()));
            if (f.getValue() != null) sb.append('=').append(systemdWord(oneLine("--" + f.getKey(), f.getValue())));
        }
        return sb.append('\n').toString();
    }

    /**
     * The inventory loader refuses control characters; this is the renderer's own guard, since a newline in a
     * unit starts a new directive (an ExecStartPre= of the value's choosing) and no quoting prevents that.
     */
    static String oneLine(String what, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new IllegalArgumentException(what + " holds the control character U+" + String.format("%04X", (int) c)
                        + ", which would change the systemd unit's meaning");
            }
        }
        return s;
    }

    /** systemd expands % specifiers and $VARIABLES and splits on blanks: neutralise all three. */
    static String systemdWord(String value) {
        String escaped = value.replace("%", "%%").replace("$", "$$");
        if (escaped.chars().anyMatch(ch -> Character.isWhitespace(ch) || ch == '"' || ch == '\\' || ch == '\'')) {
            return '"' + escaped.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        }
        return escaped;
    }
}
