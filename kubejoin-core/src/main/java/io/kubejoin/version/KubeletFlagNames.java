package io.kubejoin.version;

import io.kubejoin.version.VersionRule.Component;
import io.kubejoin.version.VersionRule.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * The kubelet command-line flags (cmd/kubelet/app/options/options.go, the component-base logging options and
 * kubelet's global flags) that {@link VersionRules} does not already carry as a removed or changed flag, so that
 * a flag no kubelet has is refused instead of landing in kubelet.service, where kubelet would exit on it.
 * A flag without a release predates 1.17; a release is given only where it is established. Flags that existed in
 * 1.17 and were dropped later, in a release not established here, stay accepted for every release: of the two
 * possible errors that one lets kubelet refuse the flag at start, the other would block a working inventory.
 */
final class KubeletFlagNames {
    private KubeletFlagNames() {
    }

    private static final String[] BASELINE = {
            "address", "allowed-unsafe-sysctls", "anonymous-auth", "authentication-token-webhook",
            "authentication-token-webhook-cache-ttl", "authorization-mode", "authorization-webhook-cache-authorized-ttl",
            "authorization-webhook-cache-unauthorized-ttl", "boot-id-file", "bootstrap-kubeconfig", "cert-dir",
            "cgroup-driver", "cgroup-root", "cgroups-per-qos", "client-ca-file", "cloud-config", "cloud-provider",
            "cluster-dns", "cluster-domain", "config", "container-log-max-files", "container-log-max-size",
            "contention-profiling", "cpu-cfs-quota", "cpu-cfs-quota-period", "cpu-manager-policy",
            "cpu-manager-reconcile-period", "enable-controller-attach-detach", "enable-debugging-handlers",
            "enable-server", "enforce-node-allocatable", "event-burst", "event-qps", "eviction-hard",
            "eviction-max-pod-grace-period", "eviction-minimum-reclaim", "eviction-pressure-transition-period",
            "eviction-soft", "eviction-soft-grace-period", "exit-on-lock-contention", "fail-swap-on", "feature-gates",
            "file-check-frequency", "hairpin-mode", "healthz-bind-address", "healthz-port", "help",
            "hostname-override", "http-check-frequency", "image-gc-high-threshold", "image-gc-low-threshold",
            "image-service-endpoint", "iptables-drop-bit", "iptables-masquerade-bit", "kube-api-burst",
            "kube-api-content-type", "kube-api-qps", "kube-reserved", "kube-reserved-cgroup", "kubeconfig",
            "kubelet-cgroups", "lock-file", "log-flush-frequency", "make-iptables-util-chains", "manifest-url",
            "manifest-url-header", "max-open-files", "max-pods", "maximum-dead-containers",
            "maximum-dead-containers-per-container", "minimum-container-ttl-duration", "minimum-image-ttl-duration",
            "node-ip", "node-labels", "node-status-max-images", "node-status-update-frequency", "oom-score-adj",
            "pod-cidr", "pod-manifest-path", "pod-max-pids", "pods-per-core", "port", "protect-kernel-defaults",
            "provider-id", "qos-reserved", "read-only-port", "register-node", "register-schedulable",
            "registry-burst", "registry-qps", "reserved-cpus", "resolv-conf", "root-dir", "rotate-certificates",
            "rotate-server-certificates", "runonce", "runtime-cgroups", "runtime-request-timeout",
            "serialize-image-pulls", "streaming-connection-idle-timeout", "sync-frequency", "system-cgroups",
            "system-reserved", "system-reserved-cgroup", "tls-cert-file", "tls-cipher-suites", "tls-min-version",
            "tls-private-key-file", "topology-manager-policy", "v", "version", "vmodule", "volume-plugin-dir",
            "volume-stats-agg-period", "log-json-split-stream", "log-json-info-buffer-size",
            // in 1.17, deprecated since; the release that dropped each is not established here
            "experimental-allocatable-ignore-eviction", "experimental-check-node-capabilities-before-mount",
            "experimental-kernel-memcg-notification", "experimental-mounter-path", "keep-terminated-pod-volumes",
            "master-service-namespace", "non-masquerade-cidr", "redirect-container-streaming", "seccomp-profile-root",
            "azure-container-registry-config", "housekeeping-interval", "global-housekeeping-interval",
    };

    static List<VersionRule> rules() {
        List<VersionRule> rules = new ArrayList<>();
        for (String name : BASELINE) rules.add(flag(name, 0, "kubelet flag"));
        rules.add(flag("kernel-memcg-notification", 19, "with the kernelMemcgNotification field"));
        rules.add(flag("logging-format", 19, "structured logging"));
        rules.add(flag("image-credential-provider-config", 20, "kubelet credential providers"));
        rules.add(flag("image-credential-provider-bin-dir", 20, "kubelet credential providers"));
        rules.add(flag("topology-manager-scope", 20, ""));
        rules.add(flag("memory-manager-policy", 21, "memory manager"));
        rules.add(flag("reserved-memory", 21, "memory manager"));
        rules.add(flag("seccomp-default", 22, ""));
        rules.add(flag("cpu-manager-policy-options", 22, ""));
        rules.add(flag("local-storage-capacity-isolation", 25, ""));
        rules.add(flag("topology-manager-policy-options", 26, ""));
        rules.add(flag("config-dir", 28, "kubelet configuration drop-in folder"));
        rules.add(flag("log-text-split-stream", 28, "text logging options"));
        rules.add(flag("log-text-info-buffer-size", 28, "text logging options"));
        rules.add(flag("fail-cgroupv1", 31, "with the failCgroupV1 field"));
        return rules;
    }

    private static VersionRule flag(String name, int since, String note) {
        return new VersionRule(Component.KUBELET, Kind.FLAG, name, since == 0 ? null : KubeVersion.minor(since),
                null, null, "", note.isEmpty() ? "kubelet flag" : note);
    }
}
