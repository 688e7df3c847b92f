package io.kubejoin.remote.script;

import static io.kubejoin.remote.script.Sh.quote;

import java.util.List;

/**
 * node-prep's scripts ({@code join --prepare}): one look at the node (the files it would write, /etc/fstab, the
 * active swaps, the kernel settings), and the steps that apply what it wrote. The files themselves travel as any
 * push does (temp file, backup, rename).
 */
public final class PrepScripts {
    private PrepScripts() {
    }

    /**
     * Sections {@code file-N} (the content of {@code files[N]}, empty when missing), {@code swaps} (/proc/swaps without
     * its header) and {@code sysctl-KEY} (the /proc/sys content, empty when the file does not exist).
     */
    public static String look(List<String> files, List<String> sysctls) {
        NodeScript s = NodeScript.sectioned();
        for (int i = 0; i < files.size(); i++) s.section("file-" + i, "cat " + quote(files.get(i)) + " 2>/dev/null");
        s.section("swaps", "tail -n +2 " + quote("/proc/swaps"));
        for (String key : sysctls) s.section("sysctl-" + key, "cat " + quote(PreflightScripts.sysctlPath(key)) + " 2>/dev/null");
        return s.end();
    }

    /** Exit code of {@link #apply} when a module does not load. */
    public static final int MODPROBE_FAILED = 3;
    /** Exit code of {@link #apply} when sysctl refuses the file. */
    public static final int SYSCTL_FAILED = 4;
    /** Exit code of {@link #apply} when swapoff fails. */
    public static final int SWAPOFF_FAILED = 5;

    /**
     * Loads {@code modules} (before the settings: the bridge ones exist only once br_netfilter is loaded), applies the
     * one sysctl file (null: none; {@code sysctl -p FILE} sets exactly its keys, leaving the rest of /etc/sysctl.d/
     * as it is) and turns every swap off ({@code swapoff}: false leaves swap alone).
     */
    public static String apply(List<String> modules, String sysctlFile, boolean swapoff) {
        NodeScript s = NodeScript.plain();
        for (String m : modules) s.step("modprobe " + quote(m), MODPROBE_FAILED);
        if (sysctlFile != null) s.step("sysctl -p " + quote(sysctlFile) + " >/dev/null", SYSCTL_FAILED);
        if (swapoff) s.step("swapoff -a", SWAPOFF_FAILED);
        return s.end();
    }
}
