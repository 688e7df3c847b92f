package io.kubejoin.sandbox.kubelet;

import static io.kubejoin.sandbox.kubelet.SimulatedKubelet.UNIT;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.kubejoin.version.ConfigTypes;
import io.kubejoin.version.VersionRule.Component;
import io.kubejoin.version.VersionRule.Kind;
import io.kubejoin.version.VersionRules;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.kubejoin.sandbox.node.NodeRoot;
import io.kubejoin.sandbox.kubelet.SimulatedKubelet.KubeletExit;

/** kubelet's start-up: the unit, its flags and its config read and checked as that release would, the static pod folder watched. */
final class KubeletStartup extends KubeletPart {
    /** Flags issue 2 names as removed, with the first release without them: checked independently of VersionRules. */
    static final Map<String, Integer> REMOVED_FLAGS = Map.of(
            "image-pull-progress-deadline", 24, "network-plugin", 24, "logtostderr", 26,
            "container-runtime", 27, "pod-infra-container-image", 35);
    private static final String DEFAULT_CERT_DIR = "/var/lib/kubelet/pki";

    KubeletStartup(SimulatedKubelet kubelet) {
        super(kubelet);
    }

    /** Everything kubelet has read before it talks to the API server. */
    record Startup(Map<String, String> flags, String nodeName, String address, String kubeconfigPath,
                   String bootstrapKubeconfigPath, String certDir, boolean serverTLSBootstrap,
                   boolean rotateCertificates, String runtimeEndpoint, Map<String, String> labels,
                   List<Taint> taints, String nodeIp) {
    }

    Startup load() throws IOException {
        if (options.failAtStart()) {
            throw commandFailed("failed to run Kubelet: simulated failure at start (sandbox misbehaviour switch)");
        }
        String unit = root.readOrNull(UNIT);
        if (unit == null) {
            journal.error("systemd", "Failed to start kubelet.service: Unit kubelet.service not found.");
            throw new KubeletExit("Unit kubelet.service not found");
        }
        NodeRoot.ExecStart exec;
        try {
            exec = NodeRoot.execStart(unit);
        } catch (IllegalArgumentException e) {
            journal.error("systemd", "kubelet.service: " + e.getMessage());
            throw new KubeletExit("kubelet.service: " + e.getMessage());
        }
        for (String flag : exec.order()) {
            // pflag knows no such flag: removed in this release, not yet added, or never kubelet's
            if (removed(flag) || !VersionRules.find(Component.KUBELET, Kind.FLAG, flag).map(r -> r.availableIn(version)).orElse(false)) {
                throw commandFailed("failed to parse kubelet flag: unknown flag: --" + flag);
            }
        }
        Map<String, String> flags = exec.flags();
        journal.info("server.go:484", "\"Kubelet version\" kubeletVersion=\"" + gitVersion() + "\"");
        String nodeName = flags.getOrDefault("hostname-override", kubelet.hostname);

        String configPath = flags.get("config");
        Map<String, Object> config = Map.of();
        if (configPath != null) config = readConfig(configPath);

        String address = string(config.get("address"), "0.0.0.0");
        if (isLoopback(address) && !options.allowLoopbackAddress()) {
            journal.error("server.go:318", "\"Kubelet address is a loopback address: the control plane cannot reach this kubelet\" address=\"" + address + "\"");
            throw new KubeletExit("address " + address + " is a loopback address");
        }
        String clientCa = nested(config, "authentication", "x509", "clientCAFile");
        if (clientCa != null && !clientCa.isEmpty() && !Files.isRegularFile(root.local(clientCa))) {
            throw commandFailed("failed to construct kubelet dependencies: unable to load client CA file " + clientCa
                    + ": open " + clientCa + ": no such file or directory");
        }
        String endpoint = runtimeEndpoint(flags, config, unit);
        staticPodPath = flags.getOrDefault("pod-manifest-path", string(config.get("staticPodPath"), null));
        // kubelet starts without its resolvConf (dns.go: a Warning event and a V(4) line), but every pod that is not
        // on the host network then fails to get its sandbox: kept here, as pods are not simulated
        String resolvConf = flags.getOrDefault("resolv-conf", string(config.get("resolvConf"), "/etc/resolv.conf"));
        kubelet.podDnsError = !resolvConf.isEmpty() && !Files.exists(root.local(resolvConf))
                ? "open " + resolvConf + ": no such file or directory" : null;
        try {
            fileCheckFrequency = io.kubejoin.util.GoDuration.parse(string(config.get("fileCheckFrequency"), "20s"));
        } catch (IllegalArgumentException e) {
            fileCheckFrequency = java.time.Duration.ofSeconds(20);
        }
        try {
            kubelet.nodeStatusUpdateFrequency = io.kubejoin.util.GoDuration.parse(flags.getOrDefault("node-status-update-frequency",
                    string(config.get("nodeStatusUpdateFrequency"), "10s")));
        } catch (IllegalArgumentException e) {
            kubelet.nodeStatusUpdateFrequency = java.time.Duration.ofSeconds(10);
        }

        Map<String, String> labels = new LinkedHashMap<>();
        String nodeLabels = flags.get("node-labels");
        if (nodeLabels != null && !nodeLabels.isEmpty()) {
            for (String kv : nodeLabels.split(",")) {
                int eq = kv.indexOf('=');
                labels.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
            }
        }
        List<Taint> taints = taints(flags.get("register-with-taints"), config.get("registerWithTaints"));
        return new Startup(flags, nodeName, address, flags.get("kubeconfig"), flags.get("bootstrap-kubeconfig"),
                flags.getOrDefault("cert-dir", DEFAULT_CERT_DIR), bool(config.get("serverTLSBootstrap")),
                bool(config.get("rotateCertificates")), endpoint, labels, taints, nodeIp(flags, nodeName, address));
    }

    /**
     * The address kubelet registers as InternalIP and puts in its serving CSR (nodestatus.NodeAddress): --node-ip;
     * else --hostname-override when it is an IP; else what the node name resolves to (/etc/hosts here, as Go's
     * resolver reads it first; loopback answers such as Debian's "127.0.1.1 host" are skipped, as validateNodeIP
     * refuses them); else the address of the default route's interface, which on a sandbox machine is its one
     * address (the config's {@code address}). The config's {@code address} is only where kubelet listens: a
     * multi-homed host without --node-ip registers whatever its name resolves to.
     */
    private String nodeIp(Map<String, String> flags, String nodeName, String address) throws IOException {
        String ip = flags.get("node-ip");
        if (ip != null && !ip.isEmpty()) return ip;
        String override = flags.get("hostname-override");
        if (override != null && (override.matches("[0-9.]+") || override.contains(":"))) return override;
        String hosts = root.readOrNull("/etc/hosts");
        if (hosts != null) {
            for (String line : hosts.lines().toList()) {
                String[] f = line.replaceFirst("#.*", "").trim().split("\\s+");
                if (f.length < 2 || (isLoopback(f[0]) && !f[0].equals(address))) continue;
                for (int i = 1; i < f.length; i++) {
                    if (f[i].equals(nodeName)) return f[0];
                }
            }
        }
        return address;
    }

    private boolean removed(String flag) {
        Integer hard = REMOVED_FLAGS.get(flag);
        if (hard != null && version.atLeast(hard)) return true;
        return VersionRules.find(Component.KUBELET, Kind.FLAG, flag).map(r -> r.removedIn(version)).orElse(false);
    }

    private Map<String, Object> readConfig(String configPath) throws IOException {
        String text = root.readOrNull(configPath);
        String loadFailed = "failed to load kubelet config file, path: " + configPath + ", error: failed to load Kubelet config file "
                + configPath + ", error ";
        if (text == null) throw commandFailed(loadFailed + "failed to read kubelet config file \"" + configPath
                + "\", error: open " + configPath + ": no such file or directory");
        Map<String, Object> config;
        try {
            config = NodeRoot.yamlMap(text);
        } catch (RuntimeException e) {
            throw commandFailed(loadFailed + "failed to decode: " + e.getMessage().lines().findFirst().orElse("invalid YAML"));
        }
        if (!"KubeletConfiguration".equals(config.get("kind")) || !"kubelet.config.k8s.io/v1beta1".equals(config.get("apiVersion"))) {
            throw commandFailed(loadFailed + "failed to decode: no kind \"" + config.get("kind") + "\" is registered for version \""
                    + config.get("apiVersion") + "\"");
        }
        List<String> unknown = new ArrayList<>();
        for (String key : config.keySet()) {
            if (key.equals("kind") || key.equals("apiVersion")) continue;
            if (!VersionRules.fieldAvailable(Component.KUBELET, key, version)) unknown.add(key);
        }
        // a value of the wrong type fails strict and lenient decoding alike: kubelet exits; an unknown nested
        // field is, like a top-level one, only a strict decoding error
        Map<String, Object> typed = new LinkedHashMap<>(config);
        typed.remove("kind");
        typed.remove("apiVersion");
        for (ConfigTypes.Mismatch m : ConfigTypes.check(Component.KUBELET, typed, version)) {
            if (m.problem() == ConfigTypes.Problem.WRONG_TYPE) {
                throw commandFailed(loadFailed + "failed to decode: json: cannot unmarshal " + goKind(m.path(), config)
                        + " into Go struct field KubeletConfiguration." + m.path() + " of type " + m.expected());
            }
            unknown.add(m.path());
        }
        if (!unknown.isEmpty()) {
            String strictErr = "strict decoding error: " + String.join(", ", unknown.stream().map(f -> "unknown field \"" + f + "\"").toList());
            if (options.strictConfigFields()) throw commandFailed(loadFailed + "failed to decode: " + strictErr);
            journal.warning("codec.go:96", "using lenient decoding as strict decoding failed: " + strictErr);
            Map<String, Object> known = new LinkedHashMap<>(config);
            unknown.forEach(known::remove);
            config = known;
        }
        return config;
    }

    /** The JSON kind of the value at a dotted path, as encoding/json names it in an unmarshal error. */
    private static String goKind(String path, Map<String, Object> config) {
        Object value = config;
        for (String part : path.replaceAll("\\[\\d+]", "").split("\\.")) {
            if (!(value instanceof Map<?, ?> m) || !m.containsKey(part)) break;
            value = m.get(part);
        }
        if (value instanceof String) return "string";
        if (value instanceof Boolean) return "bool";
        if (value instanceof Number) return "number";
        if (value instanceof List) return "array";
        return "object";
    }

    /** The CRI endpoint kubelet would dial, checked for plausibility (nothing is dialled). */
    private String runtimeEndpoint(Map<String, String> flags, Map<String, Object> config, String unit) {
        if (!version.atLeast(24)) {
            String kind = flags.getOrDefault("container-runtime", "docker");
            if ("docker".equals(kind)) {
                if (!unit.contains("docker.service")) {
                    journal.warning("docker_service.go:250", "dockershim: kubelet.service does not order itself after docker.service");
                }
                String docker = flags.getOrDefault("docker-endpoint", "unix:///var/run/docker.sock");
                if (options.runtimeDown()) {
                    throw commandFailed("failed to run Kubelet: failed to create kubelet: failed to get docker version: "
                            + "Cannot connect to the Docker daemon at " + docker + ". Is the docker daemon running?");
                }
                return docker;
            }
            if (!"remote".equals(kind)) throw commandFailed("failed to run Kubelet: unsupported CRI runtime: \"" + kind + "\"");
        } else if (flags.containsKey("container-runtime") && !"remote".equals(flags.get("container-runtime"))) {
            // 1.24-1.26 still parse the flag (removed in 1.27, REMOVED_FLAGS), and only remote is left
            throw commandFailed("failed to run Kubelet: unsupported CRI runtime: \"" + flags.get("container-runtime") + "\"");
        }
        String endpoint = string(config.get(VersionRules.CONTAINER_RUNTIME_ENDPOINT_FIELD), null);
        if (endpoint == null || endpoint.isEmpty()) endpoint = flags.get("container-runtime-endpoint");
        if ((endpoint == null || endpoint.isEmpty()) && !version.atLeast(27)) endpoint = "unix:///run/containerd/containerd.sock";
        if (endpoint == null || endpoint.isEmpty()) {
            throw commandFailed("failed to run Kubelet: the container runtime endpoint address was not specified or empty, "
                    + "use --container-runtime-endpoint to set");
        }
        if (!(endpoint.startsWith("unix:///") && endpoint.endsWith(".sock"))) {
            throw commandFailed("failed to run Kubelet: validate service connection: validate CRI v1 runtime API for endpoint \""
                    + endpoint + "\": rpc error: code = Unavailable desc = connection error");
        }
        if (options.runtimeDown()) throw commandFailed(criUnavailable(endpoint));
        return endpoint;
    }

    /**
     * kubelet's first CRI call on a missing socket, as its release words it: 1.26+ "validate service connection"
     * (remote_runtime.go), before that "unable to determine runtime API version" with grpc's older "Error while
     * dialing dial unix" (no colon).
     */
    private String criUnavailable(String endpoint) {
        String socket = endpoint.substring("unix://".length());
        if (version.atLeast(26)) {
            return "failed to run Kubelet: validate service connection: validate CRI v1 runtime API for endpoint \"" + endpoint
                    + "\": rpc error: code = Unavailable desc = connection error: desc = \"transport: Error while dialing: dial unix "
                    + socket + ": connect: no such file or directory\"";
        }
        return "failed to run Kubelet: unable to determine runtime API version: rpc error: code = Unavailable desc = connection "
                + "error: desc = \"transport: Error while dialing dial unix " + socket + ": connect: no such file or directory\"";
    }

    @SuppressWarnings("unchecked")
    private static List<Taint> taints(String flag, Object field) {
        List<Taint> out = new ArrayList<>();
        if (flag != null && !flag.isEmpty()) {
            for (String t : flag.split(",")) {
                int colon = t.lastIndexOf(':');
                String kv = colon < 0 ? t : t.substring(0, colon);
                String effect = colon < 0 ? "" : t.substring(colon + 1);
                int eq = kv.indexOf('=');
                out.add(new TaintBuilder().withKey(eq < 0 ? kv : kv.substring(0, eq)).withValue(eq < 0 ? null : kv.substring(eq + 1))
                        .withEffect(effect).build());
            }
        }
        if (field instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m) {
                    out.add(new TaintBuilder().withKey(String.valueOf(m.get("key")))
                            .withValue(m.get("value") == null ? null : String.valueOf(m.get("value")))
                            .withEffect(String.valueOf(m.get("effect"))).build());
                }
            }
        }
        return out;
    }

    private static String string(Object o, String dflt) {
        return o == null ? dflt : String.valueOf(o);
    }

    private static boolean bool(Object o) {
        return o instanceof Boolean b ? b : "true".equals(String.valueOf(o));
    }

    @SuppressWarnings("unchecked")
    private static String nested(Map<String, Object> m, String... keys) {
        Object cur = m;
        for (String k : keys) {
            if (!(cur instanceof Map<?, ?> map)) return null;
            cur = ((Map<String, Object>) map).get(k);
        }
        return cur == null ? null : String.valueOf(cur);
    }

    private volatile String staticPodPath;
    private volatile java.time.Duration fileCheckFrequency = java.time.Duration.ofSeconds(20);

    /**
     * kubelet's file source (pkg/kubelet/config/file.go): the static pod folder is listed at start and every
     * fileCheckFrequency; a folder that does not exist is not fatal, but each listing logs an error, for as long as
     * kubelet runs.
     */
    void watchStaticPodPath() {
        String path = staticPodPath;
        if (path == null || path.isEmpty()) return;
        Runnable check = () -> {
            if (kubelet.stopped || Files.exists(root.local(path))) return;
            if (version.atLeast(21)) { // structured logging
                journal.error("file.go:95", "\"Unable to read config path\" err=\"path does not exist, ignoring\" path=\"" + path + "\"");
            } else {
                journal.error("file.go:95", "Unable to read config path \"" + path + "\": path does not exist, ignoring");
            }
        };
        check.run();
        kubelet.staticPodTimer = runtime.vertx().setPeriodic(Math.max(10, fileCheckFrequency.toMillis()), id -> check.run());
    }

    static boolean isLoopback(String address) {
        return address.startsWith("127.") || address.equals("::1") || address.equalsIgnoreCase("localhost");
    }
}
