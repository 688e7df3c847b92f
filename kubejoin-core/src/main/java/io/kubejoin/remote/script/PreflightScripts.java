package io.kubejoin.remote.script;

import static io.kubejoin.remote.script.Sh.quote;

import io.kubejoin.render.NodeFiles;
import java.util.List;

/**
 * node-preflight's look at the node (also doctor's node checks), and the smaller look push-files makes when
 * node-preflight was skipped: sectioned scripts ({@link NodeScript}), each answer in its section.
 */
public final class PreflightScripts {
    private PreflightScripts() {
    }

    /**
     * What node-preflight asks, in one command.
     *
     * @param socket        the container runtime's socket (section {@code socket}: "present")
     * @param swaps         ask for active swaps (section {@code swaps}: /proc/swaps without its header)
     * @param cgroup        ask for /sys/fs/cgroup's filesystem type (section {@code cgroup})
     * @param ports         [port, unit] pairs: section {@code port-PORT} (listeners) and {@code active-UNIT}
     * @param modules       kernel modules the proxy mode needs: section {@code modules} lists those missing
     * @param sysctls       kernel settings ({@code net.ipv4.ip_forward}, …): section {@code sysctl-KEY} holds the content
     *                      of its /proc/sys file, empty when the file does not exist (a bridge setting without br_netfilter)
     * @param resolvConf    systemd-resolved's resolv.conf to look for (section {@code resolved}), or null
     * @param bootstrapLook the node's paths for the sections {@link BootstrapScripts#CLIENT} and {@link BootstrapScripts#BOOTSTRAP}
     * @param host          the node's programs, name, addresses, disks and runtime ({@link HostLook}); null: not asked
     */
    public static String nodePreflight(String socket, boolean swaps, boolean cgroup, List<String[]> ports,
                                       List<String> modules, List<String> sysctls, String resolvConf,
                                       NodeFiles bootstrapLook, HostLook host) {
        NodeScript s = NodeScript.sectioned();
        s.section("socket", "test -S " + quote(socket) + " && echo present");
        if (swaps) s.section("swaps", "tail -n +2 " + quote("/proc/swaps"));
        if (cgroup) s.section("cgroup", "stat -fc %T " + quote("/sys/fs/cgroup"));
        for (String[] port : ports) {
            s.section("port-" + port[0], "ss -Hltn 'sport = :" + port[0] + "'");
            s.section("active-" + port[1], "systemctl is-active --quiet " + port[1] + " && echo active");
        }
        // built into the kernel, already loaded, loadable, or working by function: anything else kube-proxy's mode
        // cannot use
        StringBuilder m = new StringBuilder("for m in");
        modules.forEach(x -> m.append(' ').append(quote(x)));
        m.append("; do [ -d ").append(quote("/sys/module/")).append("\"$m\" ] || modinfo -n \"$m\" >/dev/null 2>&1");
        for (String x : modules) {
            String works = moduleFunctionCheck(x);
            if (works != null) m.append(" || { [ \"$m\" = ").append(quote(x)).append(" ] && ").append(works).append("; }");
        }
        m.append(" || echo \"$m\"; done");
        s.section("modules", m.toString());
        // read from /proc/sys as kubeadm's preflight reads them (no sysctl binary needed)
        for (String key : sysctls) s.section("sysctl-" + key, "cat " + quote(sysctlPath(key)) + " 2>/dev/null");
        s.section("date", "date +%s");
        if (resolvConf != null) s.section("resolved", "test -e " + quote(resolvConf) + " && echo present");
        bootstrapLook(s, bootstrapLook);
        if (host != null) hostLook(s, host);
        return s.end();
    }

    /** The runtime node-preflight asks about: its configuration (cgroup driver, CRI plugin) and whether it answers. */
    public enum Runtime { CONTAINERD, DOCKER, OTHER }

    /**
     * node-preflight's look at the host, in the same command as the rest.
     *
     * @param programs   programs that must be on PATH: section {@code programs} lists those missing
     * @param nodeName   the name kubelet registers (section {@code resolve}: its /etc/hosts or DNS answer)
     * @param diskPaths  [section name, folder]: section {@code disk-NAME} holds {@code df -Pk} of the folder or, when it
     *                   does not exist yet, of its nearest existing parent (the first data line)
     * @param runtime    the runtime: sections {@code runtime-config} and, for containerd, {@code runtime-version}
     * @param socket     the runtime's socket (containerd's ctr asks the daemon through it)
     * @param iptables   ask section {@code iptables}: {@code iptables --version} (its variant), then {@code rules-legacy} /
     *                   {@code rules-nf_tables} for each backend that holds rules (iptables and ipvs modes)
     */
    public record HostLook(List<String> programs, String nodeName, List<String[]> diskPaths, Runtime runtime, String socket,
                           boolean iptables) {
    }

    private static void hostLook(NodeScript s, HostLook h) {
        if (!h.programs().isEmpty()) {
            StringBuilder b = new StringBuilder("for b in");
            h.programs().forEach(x -> b.append(' ').append(quote(x)));
            s.section("programs", b.append("; do command -v \"$b\" >/dev/null 2>&1 || echo \"$b\"; done").toString());
        }
        // kubeadm's HostnameCheck looks the node name up; kubelet's --node-ip must be one of the host's addresses
        s.section("resolve", "getent hosts " + quote(h.nodeName()));
        s.section("addresses", "ip -o addr show");
        for (String[] d : h.diskPaths()) {
            StringBuilder b = new StringBuilder("df -Pk");
            for (String p = d[1]; p != null; p = parent(p)) b.append(' ').append(quote(p));
            s.section("disk-" + d[0], b.append(" 2>/dev/null").toString());
        }
        if (h.iptables()) {
            // kube-proxy writes through the host's iptables; rules another program put in the other backend still see
            // every packet
            s.section("iptables", "iptables --version 2>&1; iptables-legacy-save 2>/dev/null | grep -q -F ' -j ' && echo rules-legacy; "
                    + "iptables-nft-save 2>/dev/null | grep -q -F ' -j ' && echo rules-nf_tables");
        }
        switch (h.runtime()) {
            case CONTAINERD -> {
                s.section("runtime-config", "containerd config dump 2>&1");
                s.section("runtime-version", "test -S " + quote(h.socket()) + " && ctr --address " + quote(h.socket()) + " version 2>&1");
            }
            case DOCKER -> s.section("runtime-config", "docker info --format '{{.CgroupDriver}}' 2>&1");
            case OTHER -> { }
        }
    }

    /** "/a/b" → "/a", "/a" → "/", "/" → null. */
    static String parent(String path) {
        if (path.equals("/")) return null;
        int i = path.lastIndexOf('/');
        return i <= 0 ? "/" : path.substring(0, i);
    }

    /** The /proc/sys file of a kernel setting: {@code net.ipv4.ip_forward} → {@code /proc/sys/net/ipv4/ip_forward}. */
    public static String sysctlPath(String key) {
        return "/proc/sys/" + key.replace('.', '/');
    }

    /**
     * push-files' own look when node-preflight was skipped: whether {@code resolvConf} exists (null: not asked) and,
     * with {@code bootstrapLook} (null: not asked), the sections {@link BootstrapScripts#CLIENT} and {@link BootstrapScripts#BOOTSTRAP}.
     */
    public static String pushLook(String resolvConf, NodeFiles bootstrapLook) {
        NodeScript s = NodeScript.sectioned();
        if (resolvConf != null) s.section("resolved", "test -e " + quote(resolvConf) + " && echo present");
        bootstrapLook(s, bootstrapLook);
        return s.end();
    }

    private static void bootstrapLook(NodeScript s, NodeFiles f) {
        if (f == null) return;
        s.section(BootstrapScripts.CLIENT, BootstrapScripts.clientPresent(f));
        s.section(BootstrapScripts.BOOTSTRAP, BootstrapScripts.bootstrapPresent(f));
    }

    /**
     * A sh condition true when the kernel module {@code module} works although modprobe and modinfo cannot find it
     * and /sys/module shows nothing: a kernel with the iptables modules built in and no {@code /lib/modules}
     * (built-ins without parameters appear nowhere in /sys/module). Checked by function: {@code
     * /proc/net/ip_tables_names} exists and iptables can read the table, which is all kube-proxy needs (with
     * iptables-nft, ip_tables is not needed at all); {@code /proc/net/ip_vs} for ip_vs. Null for a module without
     * such a check.
     */
    public static String moduleFunctionCheck(String module) {
        return switch (module) {
            case "ip_tables" -> "{ [ -e '/proc/net/ip_tables_names' ] || iptables -t filter -S >/dev/null 2>&1; }";
            case "iptable_filter" -> "iptables -t filter -S >/dev/null 2>&1";
            case "iptable_nat" -> "iptables -t nat -S >/dev/null 2>&1";
            case "ip_vs" -> "[ -e '/proc/net/ip_vs' ]";
            default -> null;
        };
    }

    /**
     * A sh condition true when the module serves although modprobe just failed (no /lib/modules): loaded or built
     * in with parameters ({@code /sys/module/NAME}, nf_conntrack's hashsize, say), or working by
     * {@link #moduleFunctionCheck function}.
     */
    public static String moduleWorks(String module) {
        String f = moduleFunctionCheck(module);
        return "[ -d " + quote("/sys/module/" + module) + " ]" + (f == null ? "" : " || " + f);
    }
}
