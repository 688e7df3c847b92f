package io.kubejoin.version;

import io.kubejoin.version.VersionRule.Component;
import io.kubejoin.version.VersionRule.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Top-level JSON fields of KubeletConfiguration (kubelet.config.k8s.io/v1beta1) and the release each appeared in,
 * checked against staging/src/k8s.io/kubelet/config/v1beta1/types.go. Fields already present in 1.17 carry no
 * release. No v1beta1 field was removed between 1.17 and 1.35 (deprecated ones, e.g.
 * streamingConnectionIdleTimeout, are still accepted). Fields added after 1.35 (tlsCurvePreferences,
 * draManagerReconcilePeriod, memoryReservationPolicy) are deliberately absent.
 */
final class KubeletFields {
    private KubeletFields() {
    }

    private static final String[] BASELINE = {
            "staticPodPath", "syncFrequency", "fileCheckFrequency", "httpCheckFrequency",
            "staticPodURL", "staticPodURLHeader", "address", "port", "readOnlyPort", "tlsCertFile",
            "tlsPrivateKeyFile", "tlsCipherSuites", "tlsMinVersion", "rotateCertificates", "serverTLSBootstrap",
            "authentication", "authorization", "registryPullQPS", "registryBurst", "eventRecordQPS", "eventBurst",
            "enableDebuggingHandlers", "enableContentionProfiling", "healthzPort", "healthzBindAddress",
            "oomScoreAdj", "clusterDomain", "clusterDNS", "streamingConnectionIdleTimeout",
            "nodeStatusUpdateFrequency", "nodeStatusReportFrequency", "nodeLeaseDurationSeconds",
            "imageMinimumGCAge", "imageGCHighThresholdPercent", "imageGCLowThresholdPercent",
            "volumeStatsAggPeriod", "kubeletCgroups", "systemCgroups", "cgroupRoot", "cgroupsPerQOS",
            "cgroupDriver", "cpuManagerPolicy", "cpuManagerReconcilePeriod", "topologyManagerPolicy",
            "qosReserved", "runtimeRequestTimeout", "hairpinMode", "maxPods", "podCIDR", "podPidsLimit",
            "resolvConf", "cpuCFSQuota", "cpuCFSQuotaPeriod", "nodeStatusMaxImages", "maxOpenFiles",
            "contentType", "kubeAPIQPS", "kubeAPIBurst", "serializeImagePulls", "evictionHard", "evictionSoft",
            "evictionSoftGracePeriod", "evictionPressureTransitionPeriod", "evictionMaxPodGracePeriod",
            "evictionMinimumReclaim", "podsPerCore", "enableControllerAttachDetach", "protectKernelDefaults",
            "makeIPTablesUtilChains", "iptablesMasqueradeBit", "iptablesDropBit", "featureGates", "failSwapOn",
            "containerLogMaxSize", "containerLogMaxFiles", "configMapAndSecretChangeDetectionStrategy",
            "systemReserved", "kubeReserved", "reservedSystemCPUs",
            "systemReservedCgroup", "kubeReservedCgroup", "enforceNodeAllocatable", "allowedUnsafeSysctls",
    };

    static List<VersionRule> rules() {
        List<VersionRule> rules = new ArrayList<>();
        for (String name : BASELINE) rules.add(field(name, 0, ""));
        rules.add(field("volumePluginDir", 18, "was only the --volume-plugin-dir flag before (kubernetes#88480)"));
        rules.add(field("showHiddenMetricsForVersion", 18, "kubernetes#85282"));
        rules.add(field("enableServer", 19, "was only the --enable-server flag before (kubernetes#90494)"));
        rules.add(field("providerID", 19, "was only the --provider-id flag before (kubernetes#90494)"));
        rules.add(field("runOnce", 19, "was only the --runonce flag before"));
        rules.add(field("kernelMemcgNotification", 19, "kubernetes#91863"));
        rules.add(field("logging", 19, "structured logging options"));
        rules.add(field("enableSystemLogHandler", 19, ""));
        rules.add(field("shutdownGracePeriod", 20, "graceful node shutdown"));
        rules.add(field("shutdownGracePeriodCriticalPods", 20, "graceful node shutdown"));
        rules.add(field("topologyManagerScope", 20, ""));
        rules.add(field("memoryManagerPolicy", 21, ""));
        rules.add(field("reservedMemory", 21, ""));
        rules.add(field("enableProfilingHandler", 21, ""));
        rules.add(field("enableDebugFlagsHandler", 21, ""));
        rules.add(field("seccompDefault", 22, ""));
        rules.add(field("memoryThrottlingFactor", 22, ""));
        rules.add(field("memorySwap", 22, ""));
        rules.add(field("cpuManagerPolicyOptions", 22, ""));
        rules.add(field("shutdownGracePeriodByPodPriority", 23, ""));
        rules.add(field("registerWithTaints", 23,
                "migrated from --register-with-taints (kubernetes#105437); kubejoin uses the flag before 1.23"));
        rules.add(field("registerNode", 23, "migrated from --register-node"));
        rules.add(field("tracing", 25, ""));
        rules.add(field("localStorageCapacityIsolation", 25, ""));
        rules.add(field("topologyManagerPolicyOptions", 26, ""));
        rules.add(field(VersionRules.CONTAINER_RUNTIME_ENDPOINT_FIELD, 27,
                "replaces the --container-runtime-endpoint flag, which kubejoin uses before 1.27"));
        rules.add(field("imageServiceEndpoint", 27, "replaces the --image-service-endpoint flag"));
        rules.add(field("maxParallelImagePulls", 27, ""));
        rules.add(field("enableSystemLogQuery", 27, ""));
        rules.add(field("imageMaximumGCAge", 29, ""));
        rules.add(field("podLogsDir", 30, "kubernetes#112957"));
        rules.add(field("containerLogMaxWorkers", 30, ""));
        rules.add(field("containerLogMonitorInterval", 30, ""));
        rules.add(field("failCgroupV1", 31,
                "kubelet refuses cgroup v1 hosts when true (the default from 1.35); set false to keep v1 hosts"));
        rules.add(field("singleProcessOOMKill", 32, ""));
        rules.add(field("crashLoopBackOff", 32, ""));
        rules.add(field("mergeDefaultEvictionSettings", 33, "kubernetes#127577"));
        rules.add(field("userNamespaces", 33, "userNamespaces.idsPerPod (kubernetes#130028)"));
        rules.add(field("imagePullCredentialsVerificationPolicy", 33, ""));
        rules.add(field("preloadedImagesVerificationAllowlist", 33, ""));
        return rules;
    }

    private static VersionRule field(String name, int since, String note) {
        return new VersionRule(Component.KUBELET, Kind.CONFIG_FIELD, name,
                since == 0 ? null : KubeVersion.minor(since), null, null, "",
                note.isEmpty() ? "KubeletConfiguration field" : note);
    }
}
