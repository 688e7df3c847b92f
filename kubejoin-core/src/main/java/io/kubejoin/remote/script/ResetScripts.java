package io.kubejoin.remote.script;

import static io.kubejoin.remote.script.Sh.quote;

import java.util.List;

/**
 * {@code kubejoin reset}: the recovery of a stale kubelet credential (T3), and {@code reset --full}, which undoes a
 * join on the node. One command per step: reset decides between them on what each answered.
 */
public final class ResetScripts {
    private ResetScripts() {
    }

    public static String stop(String unit) {
        return "systemctl stop " + unit;
    }

    public static String start(String unit) {
        return "systemctl start " + unit;
    }

    public static String isActive(String unit) {
        return "systemctl is-active --quiet " + unit;
    }

    public static String disableNow(String unit) {
        return "systemctl disable --now " + unit;
    }

    public static String daemonReload() {
        return StartScripts.DAEMON_RELOAD;
    }

    /** kubelet's stale client credential: its kubeconfig and the client certificates it rotates through. */
    public static String removeClientCredential(String kubeletKubeconfig, String certDir) {
        return "rm -f " + quote(kubeletKubeconfig) + " " + quote(certDir) + "/kubelet-client-current*.pem " + quote(certDir)
                + "/kubelet-client-2*.pem";
    }

    /** The mount table, read before anything changes. */
    public static String mounts() {
        return "cat " + quote("/proc/mounts");
    }

    public static String isExecutable(String path) {
        return "test -x " + quote(path);
    }

    public static String isFile(String path) {
        return "test -f " + quote(path);
    }

    /** kube-proxy's own removal of its rules, with its config (null: none) whose feature gates decide about nftables. */
    public static String proxyCleanup(String kubeProxy, String config) {
        return quote(kubeProxy) + " --cleanup" + (config == null ? "" : " --config " + quote(config));
    }

    /** A pod volume, unmounted lazily as kubeadm reset does. */
    public static String unmount(String mountPoint) {
        return "umount -l -- " + quote(mountPoint);
    }

    /** {@code files}, and kubelet's client and serving certificates in {@code certDir}. */
    public static String removeFiles(List<String> files, String certDir) {
        StringBuilder sb = new StringBuilder("rm -f");
        for (String f : files) sb.append(' ').append(quote(f));
        return sb + " " + quote(certDir) + "/kubelet-client-*.pem " + quote(certDir) + "/kubelet-server-*.pem";
    }

    /** Data folders, never through a mount: a mount that would not go is skipped, never emptied. */
    public static String removeFolders(List<String> dirs) {
        return "rm -rf --one-file-system -- " + Sh.quoteAll(dirs);
    }
}
