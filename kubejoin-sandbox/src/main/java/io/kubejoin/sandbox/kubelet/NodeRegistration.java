package io.kubejoin.sandbox.kubelet;

import static io.kubejoin.sandbox.kubelet.ApiServerClient.reason;
import static io.kubejoin.sandbox.kubelet.SimulatedKubelet.quote;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.kubejoin.sandbox.kubelet.ApiServerClient.Answer;
import io.kubejoin.sandbox.kubelet.ApiServerClient.Connection;
import io.kubejoin.sandbox.kubelet.KubeletStartup.Startup;
import io.kubejoin.sandbox.kubelet.SimulatedKubelet.KubeletExit;
import io.kubejoin.sandbox.kubelet.SimulatedKubelet.Options;

/**
 * kubelet_node_status.go: registers the Node (labels, taints, addresses, nodeInfo) and posts its status through
 * /status: a fresh Node NotReady first, Ready when the release's kubelet would ({@link NodeStatusSync}).
 */
final class NodeRegistration extends KubeletPart {
    private final ApiServerClient api;
    private final ServingCertificateManager serving;

    NodeRegistration(SimulatedKubelet kubelet, ApiServerClient api, ServingCertificateManager serving) {
        super(kubelet);
        this.api = api;
        this.serving = serving;
    }

    /**
     * Registers the Node, posts its first status, files the serving CSR (its manager waits for the Node's addresses,
     * not for Ready: the reference kubelet filed it 9 s before NodeReady), then posts Ready when the release's kubelet
     * would: kubelet_node_status.go and the serving certificate manager. Completes once Ready is posted.
     */
    Future<Void> registerAndReady(Startup s, Connection c) {
        if (kubelet.stopped) return Future.failedFuture(new KubeletExit("stopped"));
        String name = s.nodeName();
        // a Node this kubelet creates starts NotReady (initialNode runs the setters too); one registered before is
        // posted Ready at once, as the reference kubelet's restart shows (its registration outlasts PLEG's first relist)
        boolean[] fresh = new boolean[1];
        journal.info("kubelet_node_status.go:72", "\"Attempting to register node\" node=\"" + name + "\"");
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("beta.kubernetes.io/arch", "amd64");
        labels.put("beta.kubernetes.io/os", "linux");
        labels.put("kubernetes.io/arch", "amd64");
        labels.put("kubernetes.io/hostname", name);
        labels.put("kubernetes.io/os", "linux");
        labels.putAll(s.labels());
        Node node = new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
                .withNewSpec().withTaints(s.taints().isEmpty() ? null : s.taints()).endSpec()
                .withNewStatus().withAddresses(addresses(s, options)).withNewNodeInfo()
                .withKubeletVersion(gitVersion()).withKubeProxyVersion(kubeProxyVersionField(kubelet.version, gitVersion()))
                .withOperatingSystem("linux").withArchitecture("amd64")
                .withContainerRuntimeVersion(s.runtimeEndpoint().contains("docker") ? "docker://19.3.5" : "containerd://1.7.24")
                .endNodeInfo().endStatus().build();
        NodeStatusSync.setReady(node, false, NodeStatusSync.now(kubelet));
        return register(c, name, Serialization.asJson(node), FIRST_REGISTER_STEP_MS, fresh).compose(v -> {
            return api.call(c, HttpMethod.GET, "/api/v1/nodes/" + name, null);
        }).compose(a -> {
            if (a.code() != 200) return Future.failedFuture(statusError(name, a));
            return putStatus(s, c, Serialization.unmarshal(a.body(), Node.class), !fresh[0]);
        }).compose(first -> {
            Future<Void> servingCsr = s.serverTLSBootstrap() ? serving.servingCsr(s, c) : Future.succeededFuture();
            if (!fresh[0]) return servingCsr;
            java.time.Duration wait = NodeStatusSync.readyAfterFirstStatus(kubelet.version, kubelet.nodeStatusUpdateFrequency);
            // the status loop runs beside the serving certificate manager: its wait starts with the first status
            return Future.all(servingCsr, NodeStatusSync.after(kubelet, wait)).compose(v -> {
                if (!NodeStatusSync.fastUntilReady(kubelet.version)) return syncNodeStatus(s, c);
                // fastNodeStatusUpdate: the Node from the informer's cache (the last status this kubelet wrote); a
                // write refused as stale is done again by syncNodeStatus, which reads the Node first
                journal.info("kubelet_node_status.go:497", "\"Fast updating node status as it just became ready\"");
                return putStatus(s, c, first, true, true).compose(n -> n != null ? Future.succeededFuture(n) : syncNodeStatus(s, c));
            }).mapEmpty();
        });
    }

    /** The next syncNodeStatus: tryUpdateNodeStatus reads the Node (from the API server's cache), then writes Ready. */
    private Future<Node> syncNodeStatus(Startup s, Connection c) {
        String name = s.nodeName();
        return api.call(c, HttpMethod.GET, "/api/v1/nodes/" + name, null).compose(g -> g.code() == 200
                ? putStatus(s, c, Serialization.unmarshal(g.body(), Node.class), true)
                : Future.failedFuture(statusError(name, g)));
    }

    private Future<Node> putStatus(Startup s, Connection c, Node current, boolean ready) {
        return putStatus(s, c, current, ready, false);
    }

    /**
     * setNodeStatus on {@code current} (Ready or the first NotReady, addresses, the running binary's version) and the
     * write through /status; logs NodeReady when Ready follows a condition that was not (the setter records no event
     * for a Node's first condition). Answers the Node as written; null when a write from the cache was refused as
     * stale (409).
     */
    private Future<Node> putStatus(Startup s, Connection c, Node current, boolean ready, boolean fromCache) {
        String name = s.nodeName();
        boolean changed = NodeStatusSync.setReady(current, ready, NodeStatusSync.now(kubelet));
        current.getStatus().setAddresses(addresses(s, options));
        // every status update carries the running binary's version (setNodeStatus), also after an upgrade
        if (current.getStatus().getNodeInfo() == null) current.getStatus().setNodeInfo(new io.fabric8.kubernetes.api.model.NodeSystemInfo());
        current.getStatus().getNodeInfo().setKubeletVersion(gitVersion());
        current.getStatus().getNodeInfo().setKubeProxyVersion(kubeProxyVersionField(kubelet.version, gitVersion()));
        return api.call(c, HttpMethod.PUT, "/api/v1/nodes/" + name + "/status", Serialization.asJson(current)).compose(a -> {
            if (fromCache && a.code() == 409) {
                journal.error("kubelet_node_status.go:501", "\"Error updating node status, will retry with syncNodeStatus\" err=\""
                        + quote(reason(a)) + "\"");
                return Future.succeededFuture(null);
            }
            if (a.code() != 200 && a.code() != 201) return Future.failedFuture(statusError(name, a));
            if (changed && ready) {
                journal.info("kubelet_node_status.go:687", "\"Recording event message for node\" node=\"" + name + "\" event=\"NodeReady\"");
            }
            return Future.succeededFuture(Serialization.unmarshal(a.body(), Node.class));
        });
    }

    /** registerWithAPIServer's wait before the next try: 100 ms, doubled each time, at most 7 s. */
    static final long FIRST_REGISTER_STEP_MS = 100;
    static final long MAX_REGISTER_STEP_MS = 7_000;

    /**
     * kubelet_node_status.go registerWithAPIServer/tryRegisterWithAPIServer: creates the Node; a refusal (403, 401, a
     * Status) or a failed request is logged as client-go words it ({@code "Unable to register node with API server"
     * err="Post \"https://...\": dial tcp ...: connect: connection refused" node="w1"}) and tried again after 100 ms,
     * 200 ms, ... up to every 7 s, forever: the kubelet does not exit, systemd never sees it.
     */
    private Future<Void> register(Connection c, String name, String nodeJson, long step, boolean[] fresh) {
        if (kubelet.stopped) return Future.failedFuture(new KubeletExit("stopped"));
        return api.call(c, HttpMethod.POST, "/api/v1/nodes", nodeJson)
                .map(a -> a.code() == 201 || a.code() == 409 ? a : new Answer(a.code(), reason(a)))
                .recover(e -> Future.succeededFuture(new Answer(-1, api.goTransportError("Post", c, "/api/v1/nodes", e))))
                .compose(a -> {
                    if (a.code() == 201) {
                        fresh[0] = true;
                        preRegistrationLines(name);
                        journal.info("kubelet_node_status.go:75", "\"Successfully registered node\" node=\"" + name + "\"");
                        // the kubelet's node informer has not seen the new Node yet: a real kubelet logs this once more
                        journal.error("kubelet.go:2410", "\"Error getting node\" err=\"node \\\"" + name + "\\\" not found\"");
                        return Future.succeededFuture();
                    }
                    if (a.code() == 409) {
                        journal.info("kubelet_node_status.go:111", "\"Node was previously registered\" node=\"" + name + "\"");
                        return Future.succeededFuture();
                    }
                    journal.error("kubelet_node_status.go:94", "\"Unable to register node with API server\" err=\"" + quote(a.body())
                            + "\" node=\"" + name + "\"");
                    io.vertx.core.Promise<Void> next = io.vertx.core.Promise.promise();
                    kubelet.bootstrapTimer = runtime.vertx().setTimer(step, t -> {
                        journal.info("kubelet_node_status.go:72", "\"Attempting to register node\" node=\"" + name + "\"");
                        register(c, name, nodeJson, Math.min(step * 2, MAX_REGISTER_STEP_MS), fresh).onComplete(next);
                    });
                    if (kubelet.stopped) runtime.vertx().cancelTimer(kubelet.bootstrapTimer);
                    return next.future();
                });
    }

    /**
     * What a real kubelet logs on a healthy first start while its Node does not exist yet (the node lease, CSINode,
     * the sync loop and the eviction manager all look it up): harmless, but "not found" lines a journal reader must
     * not take for a failure (reference log kubelet-1.24-join-then-reset.log, first start).
     */
    private void preRegistrationLines(String name) {
        String notFound = "node \\\"" + name + "\\\" not found";
        journal.error("nodelease.go:49", "\"Failed to get node when trying to set owner ref to the node lease\" err=\"nodes \\\""
                + name + "\\\" not found\" node=\"" + name + "\"");
        journal.info("nodeinfomanager.go:401", "Failed to publish CSINode: nodes \"" + name + "\" not found");
        journal.error("kubelet.go:2410", "\"Error getting node\" err=\"" + notFound + "\"");
        journal.error("eviction_manager.go:254", "\"Eviction manager: failed to get summary stats\" err=\"failed to get node info: "
                + notFound + "\"");
    }

    private KubeletExit statusError(String name, Answer a) {
        String err = reason(a);
        journal.error("kubelet_node_status.go:535", "\"Error updating node status, will retry\" err=\"error getting node \\\"" + name + "\\\": " + quote(err) + "\"");
        return new KubeletExit("Error updating node status: " + err);
    }

    /**
     * What kubelet writes to nodeInfo.kubeProxyVersion (pkg/kubelet/nodestatus/setters.go, VersionInfo): its own
     * version, not kube-proxy's (kubernetes/kubernetes#117756), until the DisableNodeKubeProxyVersion gate (KEP-4004)
     * is on by default: from 1.33 (and in 1.31.0 alone, reverted in 1.31.1) it clears the field.
     */
    static String kubeProxyVersionField(io.kubejoin.version.KubeVersion release, String kubeletGitVersion) {
        boolean gateOn = release.atLeast(io.kubejoin.version.KubeVersion.minor(33))
                || (release.major() == 1 && release.minor() == 31 && release.patch() == 0);
        return gateOn ? "" : kubeletGitVersion;
    }

    static List<NodeAddress> addresses(Startup s, Options options) {
        List<NodeAddress> out = new ArrayList<>();
        String ip = s.nodeIp();
        if (!"0.0.0.0".equals(ip) && !"::".equals(ip)) out.add(new NodeAddress(ip, "InternalIP"));
        // NodeRestriction lets a kubelet write its own status: nothing stops it from adding any address
        if (options.extraStatusAddress() != null) out.add(new NodeAddress(options.extraStatusAddress(), "ExternalIP"));
        out.add(new NodeAddress(s.nodeName(), "Hostname"));
        return out;
    }
}
