package io.kubejoin.version;

import io.kubejoin.util.GoDuration;
import io.kubejoin.version.VersionRule.Component;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON type of every KubeletConfiguration (v1beta1) and KubeProxyConfiguration (v1alpha1) field, nested
 * objects included, as staging/src/k8s.io/kubelet/config/v1beta1/types.go and
 * staging/src/k8s.io/kube-proxy/config/v1alpha1/types.go declare them. kubelet and kube-proxy decode their config
 * as JSON after a plain YAML-to-JSON step, so a quoted "110" for an int32, "no" for a bool, a number for a string
 * or a duration, or an unknown nested field makes them exit at start; kubejoin refuses these up front instead.
 * Which top-level fields a release has is {@link KubeletFields} / {@link KubeProxyFields}; a nested field newer
 * than its parent carries its release here as {@code name:type@minor}.
 * <p>
 * Types are written compactly: {@code string bool int float duration any map<T> list<T> {field:T, …}}.
 * {@code logging} (component-base LoggingConfiguration, whose options changed release by release) is {@code any}:
 * only its being a map is checked.
 */
public final class ConfigTypes {
    private ConfigTypes() {
    }

    sealed interface Type permits Scalar, MapOf, ListOf, Struct {
    }

    enum Scalar implements Type { STRING, BOOL, INT, FLOAT, DURATION, ANY }

    record MapOf(Type value) implements Type {
    }

    record ListOf(Type element) implements Type {
    }

    record Member(Type type, KubeVersion since) {
    }

    record Struct(Map<String, Member> fields) implements Type {
    }

    private static final String[][] KUBELET = {
            {"string", "staticPodPath podLogsDir staticPodURL address tlsCertFile tlsPrivateKeyFile tlsMinVersion "
                    + "healthzBindAddress clusterDomain kubeletCgroups systemCgroups cgroupRoot cgroupDriver "
                    + "cpuManagerPolicy memoryManagerPolicy topologyManagerPolicy topologyManagerScope hairpinMode "
                    + "podCIDR resolvConf contentType containerLogMaxSize configMapAndSecretChangeDetectionStrategy "
                    + "reservedSystemCPUs showHiddenMetricsForVersion systemReservedCgroup kubeReservedCgroup "
                    + "volumePluginDir providerID containerRuntimeEndpoint imageServiceEndpoint "
                    + "imagePullCredentialsVerificationPolicy"},
            {"bool", "enableServer rotateCertificates serverTLSBootstrap enableDebuggingHandlers "
                    + "enableContentionProfiling cgroupsPerQOS singleProcessOOMKill runOnce cpuCFSQuota "
                    + "serializeImagePulls mergeDefaultEvictionSettings enableControllerAttachDetach "
                    + "protectKernelDefaults makeIPTablesUtilChains failSwapOn kernelMemcgNotification "
                    + "enableSystemLogHandler enableSystemLogQuery enableProfilingHandler enableDebugFlagsHandler "
                    + "seccompDefault registerNode localStorageCapacityIsolation failCgroupV1"},
            {"int", "port readOnlyPort registryPullQPS registryBurst eventRecordQPS eventBurst healthzPort oomScoreAdj "
                    + "nodeLeaseDurationSeconds imageGCHighThresholdPercent imageGCLowThresholdPercent maxPods "
                    + "podPidsLimit nodeStatusMaxImages maxOpenFiles kubeAPIQPS kubeAPIBurst maxParallelImagePulls "
                    + "evictionMaxPodGracePeriod podsPerCore iptablesMasqueradeBit iptablesDropBit "
                    + "containerLogMaxFiles containerLogMaxWorkers"},
            {"float", "memoryThrottlingFactor"},
            {"duration", "syncFrequency fileCheckFrequency httpCheckFrequency streamingConnectionIdleTimeout "
                    + "nodeStatusUpdateFrequency nodeStatusReportFrequency imageMinimumGCAge imageMaximumGCAge "
                    + "volumeStatsAggPeriod cpuManagerReconcilePeriod runtimeRequestTimeout cpuCFSQuotaPeriod "
                    + "evictionPressureTransitionPeriod containerLogMonitorInterval shutdownGracePeriod "
                    + "shutdownGracePeriodCriticalPods"},
            {"map<string>", "cpuManagerPolicyOptions topologyManagerPolicyOptions qosReserved evictionHard evictionSoft "
                    + "evictionSoftGracePeriod evictionMinimumReclaim systemReserved kubeReserved"},
            {"map<bool>", "featureGates"},
            {"map<list<string>>", "staticPodURLHeader"},
            {"list<string>", "tlsCipherSuites clusterDNS enforceNodeAllocatable allowedUnsafeSysctls "
                    + "preloadedImagesVerificationAllowlist"},
            {"any", "logging"},
            {"{x509:{clientCAFile:string}, webhook:{enabled:bool, cacheTTL:duration}, anonymous:{enabled:bool}}",
                    "authentication"},
            {"{mode:string, webhook:{cacheAuthorizedTTL:duration, cacheUnauthorizedTTL:duration}}", "authorization"},
            {"{swapBehavior:string}", "memorySwap"},
            {"{maxContainerRestartPeriod:duration}", "crashLoopBackOff"},
            {"{idsPerPod:int}", "userNamespaces"},
            {"{endpoint:string, samplingRatePerMillion:int}", "tracing"},
            {"list<{priority:int, shutdownGracePeriodSeconds:int}>", "shutdownGracePeriodByPodPriority"},
            {"list<{numaNode:int, limits:map<string>}>", "reservedMemory"},
            {"list<{key:string, value:string, effect:string, timeAdded:string}>", "registerWithTaints"},
    };

    private static final String[][] KUBE_PROXY = {
            {"string", "hostnameOverride bindAddress healthzBindAddress metricsBindAddress showHiddenMetricsForVersion "
                    + "mode clusterCIDR portRange detectLocalMode"},
            {"bool", "bindAddressHardFail enableProfiling windowsRunAsService"},
            {"int", "oomScoreAdj"},
            {"duration", "configSyncPeriod udpIdleTimeout"},
            {"map<bool>", "featureGates"},
            {"list<string>", "nodePortAddresses"},
            {"any", "logging"},
            {"{kubeconfig:string, acceptContentTypes:string, contentType:string, qps:float, burst:int}",
                    "clientConnection"},
            // localhostNodePorts arrived in 1.27 (--iptables-localhost-nodeports)
            {"{masqueradeBit:int, masqueradeAll:bool, localhostNodePorts:bool@27, syncPeriod:duration, "
                    + "minSyncPeriod:duration}", "iptables"},
            {"{syncPeriod:duration, minSyncPeriod:duration, scheduler:string, excludeCIDRs:list<string>, "
                    + "strictARP:bool, tcpTimeout:duration, tcpFinTimeout:duration, udpTimeout:duration}", "ipvs"},
            {"{masqueradeBit:int, masqueradeAll:bool, syncPeriod:duration, minSyncPeriod:duration}", "nftables"},
            {"{networkName:string, sourceVip:string, enableDSR:bool, rootHnsEndpointName:string, "
                    + "forwardHealthCheckVip:bool}", "winkernel"},
            {"{bridgeInterface:string, interfaceNamePrefix:string}", "detectLocal"},
            // tcpBeLiberal and the UDP conntrack timeouts arrived in 1.29
            {"{maxPerCore:int, min:int, tcpEstablishedTimeout:duration, tcpCloseWaitTimeout:duration, "
                    + "tcpBeLiberal:bool@29, udpTimeout:duration@29, udpStreamTimeout:duration@29}", "conntrack"},
    };

    private static final Map<String, Type> KUBELET_TYPES = table(KUBELET);
    private static final Map<String, Type> KUBE_PROXY_TYPES = table(KUBE_PROXY);

    /** The type of a top-level field, or null when the table has none. */
    static Type of(Component component, String field) {
        return (component == Component.KUBELET ? KUBELET_TYPES : KUBE_PROXY_TYPES).get(field);
    }

    static Map<String, Type> all(Component component) {
        return component == Component.KUBELET ? KUBELET_TYPES : KUBE_PROXY_TYPES;
    }

    /** What is wrong with one value. */
    public enum Problem { UNKNOWN_FIELD, TOO_NEW, WRONG_TYPE }

    /**
     * One wrong value found by {@link #check}.
     *
     * @param expected for WRONG_TYPE, the Go type the field has (as the decoder's error names it); else null
     */
    public record Mismatch(String path, String message, String fix, Problem problem, String expected) {
    }

    /**
     * Every wrong value in a whole KubeletConfiguration or KubeProxyConfiguration map as release {@code v} would
     * decode it, with paths relative to the config (e.g. {@code authentication.x509.clientCAFile}); fields the
     * release does not have at the top level are left to {@link VersionRules#fieldAvailable}.
     */
    public static List<Mismatch> check(Component component, Map<String, Object> config, KubeVersion v) {
        List<Mismatch> out = new ArrayList<>();
        String kind = component == Component.KUBELET ? "KubeletConfiguration" : "KubeProxyConfiguration";
        config.forEach((key, value) -> {
            Type t = of(component, key);
            if (t != null && VersionRules.fieldAvailable(component, key, v)) check(t, value, key, kind, key, v, out);
        });
        return out;
    }

    /**
     * Every wrong value in one top-level field's value as release {@code v} would decode it, with paths under
     * {@code path} (the field's path in the inventory); empty when the table has no type for the field.
     */
    public static List<Mismatch> checkField(Component component, String kind, String path, String key, Object value,
                                            KubeVersion v) {
        List<Mismatch> out = new ArrayList<>();
        Type type = of(component, key);
        if (type != null) check(type, value, path, kind, key, v, out);
        return out;
    }

    /**
     * Checks a value against its type for release {@code v}.
     *
     * @param path  the value's field path in the inventory
     * @param where the value's place in the config kind, e.g. "KubeletConfiguration authentication.x509"
     * @param key   the value's own key, for examples in fixes
     */
    static void check(Type type, Object value, String path, String where, String key, KubeVersion v,
                      List<Mismatch> out) {
        if (value == null) return; // a null removes the field from the rendered config
        if (type instanceof Scalar s) {
            scalar(s, value, path, key, out);
        } else if (type instanceof MapOf m) {
            if (!(value instanceof Map<?, ?> map)) {
                out.add(new Mismatch(path, "must be a map, not " + describe(value),
                        "write it as 'name: value' lines under " + key, Problem.WRONG_TYPE, "map"));
                return;
            }
            map.forEach((k, val) -> check(m.value(), val, path + "." + k, where, String.valueOf(k), v, out));
        } else if (type instanceof ListOf l) {
            if (!(value instanceof List<?> list)) {
                out.add(new Mismatch(path, "must be a list, not " + describe(value),
                        "write a list, e.g. " + key + ": [" + (value instanceof Map ? "…" : String.valueOf(value)) + "]", Problem.WRONG_TYPE, "slice"));
                return;
            }
            for (int i = 0; i < list.size(); i++) {
                check(l.element(), list.get(i), path + "[" + i + "]", where, key, v, out);
            }
        } else if (type instanceof Struct st) {
            if (!(value instanceof Map<?, ?> map)) {
                out.add(new Mismatch(path, "must be an object, not " + describe(value),
                        "write it as a map of its fields: " + String.join(", ", st.fields().keySet()), Problem.WRONG_TYPE, "struct"));
                return;
            }
            String here = where + (where.contains(" ") ? "." : " ") + key;
            map.forEach((k, val) -> {
                String name = String.valueOf(k);
                Member member = st.fields().get(name);
                String at = path + "." + name;
                if (member == null) {
                    out.add(new Mismatch(at, name + " is not a field of " + here,
                            VersionRules.nearest(List.copyOf(st.fields().keySet()), name)
                                    .map(n -> "did you mean " + n + "?")
                                    .orElse("its fields are " + String.join(", ", st.fields().keySet())),
                            Problem.UNKNOWN_FIELD, null));
                } else if (member.since() != null && !v.atLeast(member.since())) {
                    out.add(new Mismatch(at, name + " is a " + here + " field only from "
                            + member.since().minorString() + "; the target is " + v.minorString(),
                            "remove it, or target " + member.since().minorString() + " or later", Problem.TOO_NEW, null));
                } else {
                    check(member.type(), val, at, here, name, v, out);
                }
            });
        }
    }

    private static void scalar(Scalar s, Object value, String path, String key, List<Mismatch> out) {
        switch (s) {
            case ANY -> {
                if (!(value instanceof Map)) {
                    out.add(new Mismatch(path, "must be an object, not " + describe(value), "write it as a map of its fields", Problem.WRONG_TYPE, "struct"));
                }
            }
            case STRING -> {
                if (value instanceof Map || value instanceof List) {
                    out.add(new Mismatch(path, "must be a string, not " + describe(value), "write a single value", Problem.WRONG_TYPE, "string"));
                } else if (!(value instanceof String)) {
                    out.add(new Mismatch(path, "must be a string, not " + describe(value),
                            "quote it: " + key + ": \"" + value + "\"", Problem.WRONG_TYPE, "string"));
                }
            }
            case BOOL -> {
                if (!(value instanceof Boolean)) {
                    out.add(new Mismatch(path, "must be true or false, not " + describe(value),
                            "write true or false without quotes, e.g. " + key + ": false", Problem.WRONG_TYPE, "bool"));
                }
            }
            case INT -> {
                if (!(value instanceof Integer || value instanceof Long || value instanceof BigInteger)) {
                    out.add(new Mismatch(path, "must be an integer, not " + describe(value),
                            "write a whole number without quotes, e.g. " + key + ": 10", Problem.WRONG_TYPE, "int32"));
                }
            }
            case FLOAT -> {
                if (!(value instanceof Number)) {
                    out.add(new Mismatch(path, "must be a number, not " + describe(value),
                            "write a number without quotes, e.g. " + key + ": 0.9", Problem.WRONG_TYPE, "float64"));
                }
            }
            case DURATION -> {
                boolean ok = value instanceof String str && parses(str);
                if (!ok) {
                    out.add(new Mismatch(path, "must be a duration such as 10s, 1m30s or 2h, not " + describe(value),
                            "write a Go duration, e.g. " + key + ": \"1m30s\" (a bare number has no unit)", Problem.WRONG_TYPE, "metav1.Duration"));
                }
            }
        }
    }

    private static boolean parses(String duration) {
        String d = duration.startsWith("-") || duration.startsWith("+") ? duration.substring(1) : duration;
        if (d.equals("0")) return true;
        try {
            GoDuration.parse(d);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String describe(Object value) {
        if (value instanceof String s) return "the text '" + s + "'";
        if (value instanceof Map) return "a map";
        if (value instanceof List) return "a list";
        if (value instanceof Boolean) return "the boolean " + value;
        return "the number " + value;
    }

    // --- the compact notation ---

    private static Map<String, Type> table(String[][] rows) {
        Map<String, Type> out = new LinkedHashMap<>();
        for (String[] row : rows) {
            Type t = new Parser(row[0]).type();
            for (String name : row[1].trim().split("\\s+")) {
                if (out.put(name, t) != null) throw new IllegalStateException("field listed twice: " + name);
            }
        }
        return out;
    }

    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        Type type() {
            skip();
            if (s.startsWith("{", i)) return struct();
            String word = word();
            return switch (word) {
                case "string" -> Scalar.STRING;
                case "bool" -> Scalar.BOOL;
                case "int" -> Scalar.INT;
                case "float" -> Scalar.FLOAT;
                case "duration" -> Scalar.DURATION;
                case "any" -> Scalar.ANY;
                case "map" -> new MapOf(inner());
                case "list" -> new ListOf(inner());
                default -> throw new IllegalStateException("unknown type '" + word + "' in " + s);
            };
        }

        private Type inner() {
            expect('<');
            Type t = type();
            expect('>');
            return t;
        }

        private Struct struct() {
            expect('{');
            Map<String, Member> fields = new LinkedHashMap<>();
            do {
                skip();
                String name = word();
                expect(':');
                Type t = type();
                KubeVersion since = null;
                skip();
                if (i < s.length() && s.charAt(i) == '@') {
                    i++;
                    since = KubeVersion.minor(Integer.parseInt(word()));
                }
                fields.put(name, new Member(t, since));
                skip();
            } while (i < s.length() && s.charAt(i) == ',' && ++i > 0);
            expect('}');
            return new Struct(fields);
        }

        private String word() {
            skip();
            int start = i;
            while (i < s.length() && Character.isLetterOrDigit(s.charAt(i))) i++;
            if (start == i) throw new IllegalStateException("expected a name at " + i + " in " + s);
            return s.substring(start, i);
        }

        private void expect(char c) {
            skip();
            if (i >= s.length() || s.charAt(i) != c) throw new IllegalStateException("expected " + c + " at " + i + " in " + s);
            i++;
        }

        private void skip() {
            while (i < s.length() && s.charAt(i) == ' ') i++;
        }
    }

    /** For tests: every top-level field name the type tables know. */
    static List<String> fieldNames(Component component) {
        return new ArrayList<>(all(component).keySet());
    }
}
