package io.kubejoin.inventory;

/**
 * Absolute paths on the worker nodes (POSIX strings, not local {@code Path}s).
 * Defaults are the article's: /opt/k8s/bin, /data/k8s/k8s, /etc/kubernetes, /etc/kubernetes/cert.
 */
public record NodePaths(String binDir, String dataDir, String configDir, String certDir) {
    public String systemdDir() {
        return "/etc/systemd/system";
    }
}
