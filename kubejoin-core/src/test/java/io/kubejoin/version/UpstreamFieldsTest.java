package io.kubejoin.version;

import static io.kubejoin.version.KubeVersion.minor;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.version.VersionRule.Component;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tables' 1.35 view against the JSON names of the upstream types, listed here independently of the tables:
 * a field the table forgets, or one it keeps after upstream dropped it, fails here.
 */
class UpstreamFieldsTest {

    /** KubeletConfiguration json tags in staging/src/k8s.io/kubelet/config/v1beta1/types.go, without 1.36 additions. */
    private static final List<String> KUBELET_135 = List.of("enableServer", "staticPodPath", "podLogsDir",
            "syncFrequency", "fileCheckFrequency", "httpCheckFrequency", "staticPodURL", "staticPodURLHeader",
            "address", "port", "readOnlyPort", "tlsCertFile", "tlsPrivateKeyFile", "tlsCipherSuites", "tlsMinVersion",
            "rotateCertificates", "serverTLSBootstrap", "authentication", "authorization", "registryPullQPS",
            "registryBurst", "imagePullCredentialsVerificationPolicy", "preloadedImagesVerificationAllowlist",
            "eventRecordQPS", "eventBurst", "enableDebuggingHandlers", "enableContentionProfiling", "healthzPort",
            "healthzBindAddress", "oomScoreAdj", "clusterDomain", "clusterDNS", "streamingConnectionIdleTimeout",
            "nodeStatusUpdateFrequency", "nodeStatusReportFrequency", "nodeLeaseDurationSeconds",
            "imageMinimumGCAge", "imageMaximumGCAge", "imageGCHighThresholdPercent", "imageGCLowThresholdPercent",
            "volumeStatsAggPeriod", "kubeletCgroups", "systemCgroups", "cgroupRoot", "cgroupsPerQOS", "cgroupDriver",
            "cpuManagerPolicy", "singleProcessOOMKill", "cpuManagerPolicyOptions", "cpuManagerReconcilePeriod",
            "memoryManagerPolicy", "topologyManagerPolicy", "topologyManagerScope", "topologyManagerPolicyOptions",
            "qosReserved", "runtimeRequestTimeout", "hairpinMode", "maxPods", "podCIDR", "podPidsLimit",
            "resolvConf", "runOnce", "cpuCFSQuota", "cpuCFSQuotaPeriod", "nodeStatusMaxImages", "maxOpenFiles",
            "contentType", "kubeAPIQPS", "kubeAPIBurst", "serializeImagePulls", "maxParallelImagePulls",
            "evictionHard", "evictionSoft", "evictionSoftGracePeriod", "evictionPressureTransitionPeriod",
            "evictionMaxPodGracePeriod", "evictionMinimumReclaim", "mergeDefaultEvictionSettings", "podsPerCore",
            "enableControllerAttachDetach", "protectKernelDefaults", "makeIPTablesUtilChains",
            "iptablesMasqueradeBit", "iptablesDropBit", "featureGates", "failSwapOn", "memorySwap",
            "containerLogMaxSize", "containerLogMaxFiles", "containerLogMaxWorkers", "containerLogMonitorInterval",
            "configMapAndSecretChangeDetectionStrategy", "systemReserved", "kubeReserved", "reservedSystemCPUs",
            "showHiddenMetricsForVersion", "systemReservedCgroup", "kubeReservedCgroup", "enforceNodeAllocatable",
            "allowedUnsafeSysctls", "volumePluginDir", "providerID", "kernelMemcgNotification", "logging",
            "enableSystemLogHandler", "enableSystemLogQuery", "shutdownGracePeriod",
            "shutdownGracePeriodCriticalPods", "shutdownGracePeriodByPodPriority", "crashLoopBackOff",
            "reservedMemory", "enableProfilingHandler", "enableDebugFlagsHandler", "seccompDefault",
            "memoryThrottlingFactor", "registerWithTaints", "registerNode", "tracing",
            "localStorageCapacityIsolation", "containerRuntimeEndpoint", "imageServiceEndpoint", "failCgroupV1",
            "userNamespaces");

    /** KubeProxyConfiguration json tags in staging/src/k8s.io/kube-proxy/config/v1alpha1/types.go. */
    private static final List<String> KUBE_PROXY_135 = List.of("featureGates", "clientConnection", "logging",
            "hostnameOverride", "bindAddress", "healthzBindAddress", "metricsBindAddress", "bindAddressHardFail",
            "enableProfiling", "showHiddenMetricsForVersion", "mode", "iptables", "ipvs", "nftables", "winkernel",
            "detectLocalMode", "detectLocal", "clusterCIDR", "nodePortAddresses", "oomScoreAdj", "conntrack",
            "configSyncPeriod", "portRange", "windowsRunAsService");

    @Test
    void kubeletTableMatchesUpstreamIn135() {
        assertThat(available(Component.KUBELET)).containsExactlyInAnyOrderElementsOf(KUBELET_135);
    }

    @Test
    void kubeProxyTableMatchesUpstreamIn135() {
        assertThat(available(Component.KUBE_PROXY)).containsExactlyInAnyOrderElementsOf(KUBE_PROXY_135);
    }

    private static List<String> available(Component c) {
        return VersionRules.fieldNames(c).stream().filter(f -> VersionRules.fieldAvailable(c, f, minor(35))).toList();
    }
}
