package io.kubejoin.sandbox.node;

import io.kubejoin.remote.ExecResult;
import io.kubejoin.version.KubeVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A simulated machine's kernel as kubejoin's commands see it: its build (modules loadable from /lib/modules, or
 * netfilter built in), {@code modprobe} and {@code modinfo}, the netfilter tables ({@code iptables -t T -S}), and
 * the service rules kube-proxy programmed ({@code ipvsadm}, {@code nft}, {@code iptables-save}), which outlive the
 * kube-proxy that made them until {@code kube-proxy --cleanup} removes them.
 */
public final class NodeKernel {
    /** Modules a stock Debian/Ubuntu kernel can load; what kube-proxy's modes ask for. */
    static final Set<String> AVAILABLE_MODULES = Set.of("ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh", "nf_conntrack",
            "nf_tables", "br_netfilter", "overlay", "ip_tables", "iptable_filter", "iptable_nat", "xt_conntrack");

    /**
     * The machine's kernel build, for the netfilter modules kube-proxy's iptables mode needs.
     * <ul>
     *   <li>{@code MODULAR}: a distribution kernel, every module loadable from {@code /lib/modules/KERNEL}.</li>
     *   <li>{@code NETFILTER_BUILT_IN}: a cloud or appliance kernel with {@code ip_tables}, {@code iptable_filter},
     *       {@code iptable_nat} and {@code nf_conntrack} built in and no {@code /lib/modules} at all: modprobe and
     *       modinfo find nothing ("not found in directory /lib/modules/…"), {@code /sys/module} shows only built-ins
     *       with parameters (nf_conntrack's hashsize; the three iptables ones have none), {@code /proc/net/ip_tables_names}
     *       exists and iptables works.</li>
     *   <li>{@code NETFILTER_BUILT_IN_WITHOUT_NAT}: the same, but the nat table was left out of the build: iptables
     *       answers "Table does not exist" for it.</li>
     * </ul>
     */
    public enum Kernel { MODULAR, NETFILTER_BUILT_IN, NETFILTER_BUILT_IN_WITHOUT_NAT }

    private static final Set<String> BUILT_IN_IPTABLES = Set.of("ip_tables", "iptable_filter", "iptable_nat");
    private volatile Kernel kernel = Kernel.MODULAR;
    static final String KERNEL = "6.1.0-sandbox-amd64";


    /**
     * The proxy mode whose service rules are in the kernel (null: none). The kernel keeps them when kube-proxy
     * stops; only {@code kube-proxy --cleanup} (or a kube-proxy that syncs again) removes them.
     */
    private volatile String kernelRules;
    private final Path root;
    private final KubeVersion version;
    private final String serviceVip;
    /** The proxy mode whose rules the running kube-proxy has synced, null when none runs or it has not synced yet. */
    private final Supplier<String> syncedProxyMode;

    /**
     * @param serviceVip      the {@code kubernetes} Service's cluster IP: what a synced kube-proxy has rules for
     * @param syncedProxyMode the mode of the running kube-proxy once its first sync is done, else null
     */
    public NodeKernel(Path root, KubeVersion version, String serviceVip, Supplier<String> syncedProxyMode) {
        this.root = Objects.requireNonNull(root);
        this.version = Objects.requireNonNull(version);
        this.serviceVip = Objects.requireNonNull(serviceVip);
        this.syncedProxyMode = Objects.requireNonNull(syncedProxyMode);
    }

    /** The bridge sysctls br_netfilter registers when it loads (net/bridge/br_netfilter_hooks.c), each 1 by default. */
    static final List<String> BRIDGE_SYSCTLS = List.of("bridge-nf-call-arptables", "bridge-nf-call-iptables",
            "bridge-nf-call-ip6tables");

    /**
     * The kernel settings a Kubernetes node needs, as a prepared machine has them (the sandbox's default) or as a
     * fresh kernel boots (unprepared). A fresh kernel forwards nothing ({@code /proc/sys/net/ipv4/ip_forward} and
     * {@code /proc/sys/net/ipv6/conf/default/forwarding} are 0) and has no {@code /proc/sys/net/bridge/} until
     * br_netfilter loads; a prepared one has forwarding on (an /etc/sysctl.d file) and br_netfilter loaded (an
     * /etc/modules-load.d file), its bridge-nf-call settings at the module's default 1.
     */
    public void kernelSettings(boolean prepared) {
        try {
            write("proc/sys/net/ipv4/ip_forward", prepared ? "1\n" : "0\n");
            write("proc/sys/net/ipv6/conf/default/forwarding", prepared ? "1\n" : "0\n");
            if (prepared) {
                loadBrNetfilter();
            } else {
                Files.deleteIfExists(root.resolve("sys/module/br_netfilter"));
                for (String s : BRIDGE_SYSCTLS) Files.deleteIfExists(root.resolve("proc/sys/net/bridge").resolve(s));
                Files.deleteIfExists(root.resolve("proc/sys/net/bridge"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** br_netfilter loads: /sys/module/br_netfilter, and /proc/sys/net/bridge/ with its settings at their default 1. */
    private void loadBrNetfilter() throws IOException {
        Files.createDirectories(root.resolve("sys/module/br_netfilter"));
        Path bridge = Files.createDirectories(root.resolve("proc/sys/net/bridge"));
        for (String s : BRIDGE_SYSCTLS) {
            if (!Files.exists(bridge.resolve(s))) Files.writeString(bridge.resolve(s), "1\n");
        }
    }

    private void write(String rel, String text) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    /** The kernel's programs; null for any other. */
    public ExecResult run(String program, List<String> args) {
        return switch (program) {
            case "modprobe" -> modprobe(args);
            case "modinfo" -> modinfo(args);
            case "ipvsadm" -> ipvsadm(args);
            case "nft" -> nft(args);
            case "iptables-save", "ip6tables-save" -> iptablesSave(args);
            case "iptables" -> iptables(args);
            case "sysctl" -> sysctl(args);
            default -> program.startsWith("/") && program.endsWith("/kube-proxy") ? kubeProxyBinary(program, args) : null;
        };
    }

    /**
     * {@code sysctl -p FILE}, as procps-ng's: each {@code key = value} line (comments with # or ;) written to its
     * /proc/sys file and echoed; a key whose file does not exist (a bridge setting without br_netfilter) is an error
     * line, the others still set, exit 255.
     */
    private ExecResult sysctl(List<String> args) {
        if (args.size() != 2 || !args.get(0).equals("-p") || !args.get(1).startsWith("/")) {
            return new ExecResult(2, "", "sandbox node: unsupported use of sysctl: " + String.join(" ", args) + "\n");
        }
        Path file = root.resolve(args.get(1).substring(1));
        if (!Files.isRegularFile(file)) {
            return new ExecResult(255, "", "sysctl: cannot open \"" + args.get(1) + "\": No such file or directory\n");
        }
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        try {
            for (String line : Files.readAllLines(file)) {
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#") || t.startsWith(";") || !t.contains("=")) continue;
                String key = t.substring(0, t.indexOf('=')).strip();
                String value = t.substring(t.indexOf('=') + 1).strip();
                Path setting = root.resolve("proc/sys/" + key.replace('.', '/'));
                if (!Files.isRegularFile(setting)) {
                    err.append("sysctl: cannot stat /proc/sys/").append(key.replace('.', '/')).append(": No such file or directory\n");
                    continue;
                }
                Files.writeString(setting, value + "\n");
                out.append(key).append(" = ").append(value).append('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ExecResult(err.length() == 0 ? 0 : 255, out.toString(), err.toString());
    }

    /** The machine powers off: the kernel's tables do not survive it. */
    public void powerOff() {
        kernelRules = null;
    }

    /** Boots the machine on another kernel build (see {@link Kernel}): loaded modules are forgotten as by a reboot. */
    public void kernel(Kernel k) {
        this.kernel = Objects.requireNonNull(k);
        try {
            for (String m : BUILT_IN_IPTABLES) Files.deleteIfExists(root.resolve("sys/module").resolve(m));
            Path names = root.resolve("proc/net/ip_tables_names");
            if (k == Kernel.MODULAR) {
                Files.deleteIfExists(names);
            } else {
                Files.createDirectories(names.getParent());
                Files.writeString(names, k == Kernel.NETFILTER_BUILT_IN ? "nat\nfilter\n" : "filter\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Kernel kernel() {
        return kernel;
    }

    // --- kernel ----------------------------------------------------------------------------------------------------

    /**
     * {@code modprobe MODULE}, and {@code modprobe -a MODULE...} as kmod's: every module tried, each failure's message
     * printed, exit 1 when any failed (the others stay loaded).
     */
    private ExecResult modprobe(List<String> args) {
        if (!args.isEmpty() && args.get(0).equals("-a")) {
            if (args.size() < 2) return usage("modprobe", args);
            StringBuilder err = new StringBuilder();
            int status = 0;
            for (String module : args.subList(1, args.size())) {
                ExecResult r = modprobe(List.of(module));
                err.append(r.stderr());
                if (r.exitCode() != 0) status = 1;
            }
            return new ExecResult(status, "", err.toString());
        }
        if (args.size() != 1 || args.get(0).startsWith("-")) return usage("modprobe", args);
        String module = args.get(0);
        if (kernel != Kernel.MODULAR || !AVAILABLE_MODULES.contains(module)) {
            return new ExecResult(1, "", "modprobe: FATAL: Module " + module + " not found in directory /lib/modules/"
                    + KERNEL + "\n");
        }
        try {
            Files.createDirectories(root.resolve("sys/module").resolve(module));
            if (module.equals("br_netfilter")) loadBrNetfilter();
        } catch (IOException e) {
            return new ExecResult(1, "", "modprobe: " + e.getMessage() + "\n");
        }
        return ok("");
    }

    private ExecResult modinfo(List<String> args) {
        if (args.size() != 2 || !args.get(0).equals("-n")) return usage("modinfo", args);
        String module = args.get(1);
        if (kernel != Kernel.MODULAR || !AVAILABLE_MODULES.contains(module)) {
            return new ExecResult(1, "", "modinfo: ERROR: Module " + module + " not found.\n");
        }
        return ok("/lib/modules/" + KERNEL + "/kernel/net/" + module + ".ko.xz\n");
    }

    // --- proxy rules: what kube-proxy programmed for the kubernetes Service ----------------------------------------

    /** Whether the kernel holds the service rules of this proxy mode (they outlive the kube-proxy that made them). */
    private boolean rulesIn(String mode) {
        refreshKernelRules();
        return mode.equals(kernelRules);
    }

    /** Test helper: the proxy mode whose rules the kernel holds, null when none (after the first sync). */
    public String kernelRules() {
        refreshKernelRules();
        return kernelRules;
    }

    /** The running kube-proxy's first sync put its mode's rules in the kernel (they stay when it stops). */
    public void refreshKernelRules() {
        String synced = syncedProxyMode.get();
        if (synced != null) kernelRules = synced;
    }

    private ExecResult ipvsadm(List<String> args) {
        if (args.size() != 3 || !args.get(0).equals("-Ln") || !args.get(1).equals("-t")) return usage("ipvsadm", args);
        String service = args.get(2);
        String vip = serviceVip.contains(":") ? "[" + serviceVip + "]" : serviceVip;
        if (!rulesIn("ipvs") || !service.equals(vip + ":443")) {
            return new ExecResult(1, "", "Memory allocation problem\n"); // what ipvsadm says for a missing service
        }
        return ok("IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n"
                + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  " + service + " rr\n");
    }

    private ExecResult nft(List<String> args) {
        if (args.size() != 4 || !args.get(0).equals("list") || !args.get(1).equals("table")
                || !args.get(3).equals("kube-proxy")) {
            return usage("nft", args);
        }
        if (!rulesIn("nftables")) {
            return new ExecResult(1, "", "Error: No such file or directory\nlist table " + args.get(2) + " kube-proxy\n");
        }
        String family = serviceVip.contains(":") ? "ip6" : "ip";
        if (!args.get(2).equals(family)) return new ExecResult(1, "", "Error: No such file or directory\n");
        return ok("table " + family + " kube-proxy {\n\tmap service-ips {\n\t\ttype ipv4_addr . inet_proto . inet_service : verdict\n"
                + "\t\telements = { " + serviceVip + " . tcp . 443 : goto service-2QRHZV4L-default/kubernetes/tcp/https }\n"
                + "\t}\n}\n");
    }

    /**
     * {@code iptables -t TABLE -S} (iptables-legacy): the table's rules; a table whose module is neither loaded nor
     * built in is loaded on demand from /lib/modules, as the kernel's request_module does, or does not exist.
     */
    private ExecResult iptables(List<String> args) {
        if (args.size() != 3 || !args.get(0).equals("-t") || !args.get(2).equals("-S")) return usage("iptables", args);
        String table = args.get(1);
        String module = "iptable_" + table;
        boolean present = switch (kernel) {
            case NETFILTER_BUILT_IN -> table.equals("filter") || table.equals("nat");
            case NETFILTER_BUILT_IN_WITHOUT_NAT -> table.equals("filter");
            case MODULAR -> AVAILABLE_MODULES.contains(module);
        };
        if (!present) {
            return new ExecResult(3, "", "iptables v1.8.9 (legacy): can't initialize iptables table `" + table
                    + "': Table does not exist (do you need to insmod?)\nPerhaps iptables or your kernel needs to be upgraded.\n");
        }
        if (kernel == Kernel.MODULAR) {
            try {
                Files.createDirectories(root.resolve("sys/module/ip_tables"));
                Files.createDirectories(root.resolve("sys/module").resolve(module));
            } catch (IOException e) {
                return new ExecResult(1, "", "iptables: " + e.getMessage() + "\n");
            }
        }
        String chains = table.equals("nat") ? "-P PREROUTING ACCEPT\n-P INPUT ACCEPT\n-P OUTPUT ACCEPT\n-P POSTROUTING ACCEPT\n"
                : "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n";
        return ok(chains);
    }

    private ExecResult iptablesSave(List<String> args) {
        if (args.size() != 2 || !args.get(0).equals("-t") || !args.get(1).equals("nat")) {
            return usage("iptables-save", args);
        }
        // kube-proxy's chains exist in iptables and ipvs mode (ipvs matches its VIPs through ipsets); nftables mode
        // keeps its rules in its own nft table
        StringBuilder sb = new StringBuilder("*nat\n:PREROUTING ACCEPT [0:0]\n");
        boolean iptables = rulesIn("iptables");
        if (iptables || rulesIn("ipvs")) sb.append(":KUBE-SERVICES - [0:0]\n:KUBE-POSTROUTING - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n");
        if (iptables) {
            String mask = serviceVip.contains(":") ? "/128" : "/32";
            sb.append("-A KUBE-SERVICES -d ").append(serviceVip).append(mask).append(" -p tcp -m comment --comment "
                    + "\"default/kubernetes:https cluster IP\" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y\n");
        }
        return ok(sb.append("COMMIT\n").toString());
    }

    /**
     * {@code <binDir>/kube-proxy --cleanup [--config FILE]}: kube-proxy's cleanupAndExit removes the iptables and
     * ipvs rules of every mode, and the nftables table when its NFTablesProxyMode gate is on (from 1.29, on by
     * default from 1.31; before that only if the config enables it).
     */
    private ExecResult kubeProxyBinary(String program, List<String> args) {
        Path bin = root.resolve(program.substring(1));
        if (!Files.isRegularFile(bin) || !Files.isExecutable(bin)) {
            return new ExecResult(127, "", "sh: 1: " + program + ": not found\n");
        }
        String config = null;
        boolean cleanup = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--cleanup") || a.equals("--cleanup=true")) cleanup = true;
            else if (a.equals("--config") && i + 1 < args.size()) config = args.get(++i);
            else if (a.startsWith("--config=")) config = a.substring("--config=".length());
            else return usage(program, args);
        }
        if (!cleanup) return usage(program, args); // the sandbox runs kube-proxy itself only through systemd
        boolean gate = version.atLeast(31);
        if (!gate && version.atLeast(29) && config != null) {
            try {
                String text = Files.readString(root.resolve(config.substring(1)));
                Object gates = NodeRoot.yamlMap(text).get("featureGates");
                gate = gates instanceof java.util.Map<?, ?> m && Boolean.TRUE.equals(m.get("NFTablesProxyMode"));
            } catch (IOException | RuntimeException e) {
                return new ExecResult(1, "", "E1205 run.go:74] \"command failed\" err=\"failed to load kube-proxy config file "
                        + config + "\"\n");
            }
        }
        String had = kernelRules;
        if (had != null && (!had.equals("nftables") || gate)) kernelRules = null;
        return ok("");
    }

    private static ExecResult ok(String out) {
        return new ExecResult(0, out, "");
    }

    /** A use of the program kubejoin does not make: fail loudly, so a change in what kubejoin sends is seen. */
    private static ExecResult usage(String program, List<String> args) {
        return new ExecResult(2, "", "sandbox node: unsupported use of " + program + ": " + String.join(" ", args) + "\n");
    }
}
