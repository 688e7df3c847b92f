package io.kubejoin.render;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.version.VersionRule.Component;
import io.kubejoin.version.VersionRules;
import java.util.LinkedHashMap;
import java.util.Map;

/** kube-proxy.service (P6): the article's unit; --logtostderr only while kube-proxy still has it (before 1.26). */
public final class KubeProxyUnitRenderer {
    private KubeProxyUnitRenderer() {
    }

    public static String render(Inventory inv, Node node, RenderWarnings warnings) {
        NodeFiles files = new NodeFiles(inv.paths());
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("config", files.kubeProxyConfig());
        if (VersionRules.flagAvailable(Component.KUBE_PROXY, "logtostderr", inv.kubernetesVersion())) {
            flags.put("logtostderr", "true");
        }
        flags.put("v", Integer.toString(node.kubeProxy().verbosity()));

        return "[Unit]\n"
                + "Description=Kubernetes Kube-Proxy Server\n"
                + "Documentation=https://github.com/GoogleCloudPlatform/kubernetes\n"
                + "After=network.target\n"
                + "\n"
                + "[Service]\n"
                + "WorkingDirectory=" + files.kubeProxyWorkDir() + "\n"
                + KubeletUnitRenderer.execStart(files.kubeProxyBinary(), flags)
                + "Restart=on-failure\n"
                + "RestartSec=5\n"
                + "LimitNOFILE=65536\n"
                + "\n"
                + "[Install]\n"
                + "WantedBy=multi-user.target\n";
    }
}
