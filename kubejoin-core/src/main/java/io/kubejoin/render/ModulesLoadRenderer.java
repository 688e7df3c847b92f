package io.kubejoin.render;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.inventory.ProxyMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * /etc/modules-load.d content (P7): the kernel modules kube-proxy's mode needs, so they load again after a reboot.
 * The article only ran {@code modprobe ip_vs_rr}, which a reboot forgets.
 */
public final class ModulesLoadRenderer {
    private ModulesLoadRenderer() {
    }

    /** Schedulers the ipvs core modules above do not cover, each shipped by the kernel as ip_vs_&lt;name&gt;. */
    private static final Set<String> OTHER_IPVS_SCHEDULERS =
            Set.of("lc", "wlc", "lblc", "lblcr", "dh", "sed", "nq", "fo", "ovf", "mh", "twos");

    public static String render(Inventory inv, Node node, RenderWarnings warnings) {
        ProxyMode mode = node.kubeProxy().mode();
        StringBuilder sb = new StringBuilder();
        sb.append("# Kernel modules kube-proxy needs in ").append(mode.value()).append(" mode.\n");
        sb.append("# Written by kubejoin; systemd-modules-load reads this file at boot.\n");
        for (String module : modules(inv, node)) sb.append(module).append('\n');
        String scheduler = node.kubeProxy().ipvsScheduler();
        if (mode == ProxyMode.IPVS && !isCovered(scheduler)) {
            warnings.add("ipvs scheduler '" + scheduler + "' is not one kubejoin knows a kernel module for");
        }
        return sb.toString();
    }

    /** The modules to modprobe now and list in the modules-load.d file, in load order. */
    public static List<String> modules(Inventory inv, Node node) {
        List<String> modules = new ArrayList<>();
        switch (node.kubeProxy().mode()) {
            case IPVS -> {
                modules.addAll(List.of("ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh", "nf_conntrack"));
                String scheduler = node.kubeProxy().ipvsScheduler();
                if (OTHER_IPVS_SCHEDULERS.contains(scheduler)) modules.add("ip_vs_" + scheduler);
            }
            case IPTABLES -> modules.addAll(List.of("ip_tables", "iptable_filter", "iptable_nat", "nf_conntrack"));
            case NFTABLES -> modules.addAll(List.of("nf_tables", "nf_conntrack"));
        }
        return List.copyOf(modules);
    }

    private static boolean isCovered(String scheduler) {
        return Set.of("rr", "wrr", "sh").contains(scheduler) || OTHER_IPVS_SCHEDULERS.contains(scheduler);
    }
}
