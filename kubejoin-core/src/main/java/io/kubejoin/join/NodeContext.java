package io.kubejoin.join;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.remote.Transport;
import io.kubejoin.render.NodeFiles;
import io.kubejoin.render.RenderedFile;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything the phases of one node share: the inventory and node, the node's rendered files, its transport (one
 * connection reused by all phases), and what earlier phases changed (so services restart only when needed).
 */
public final class NodeContext {
    private final Inventory inventory;
    private final Node node;
    private final List<RenderedFile> files;
    private final Transport transport;
    private final Set<String> changedFiles = new LinkedHashSet<>();
    /** Whether the node has systemd-resolved's resolv.conf; null until a phase has looked. */
    private volatile Boolean systemdResolved;
    /** Whether kubelet holds its own client credential on the node (see {@link BootstrapFiles}); null until looked. */
    private volatile Boolean clientCredential;
    /** Whether the bootstrap kubeconfig (or its backup) is still on the node; null until looked. */
    private volatile Boolean bootstrapKubeconfigLeft;

    public NodeContext(Inventory inventory, Node node, List<RenderedFile> files, Transport transport) {
        this.inventory = inventory;
        this.node = node;
        this.files = new java.util.concurrent.CopyOnWriteArrayList<>(files);
        this.transport = transport;
    }

    public Inventory inventory() { return inventory; }
    public Node node() { return node; }
    public Transport transport() { return transport; }
    public NodeFiles paths() { return new NodeFiles(inventory.paths()); }

    /** The node's rendered files whose destinations are among {@code paths}, in the given order. */
    public List<RenderedFile> files(List<String> paths) {
        return paths.stream().map(p -> files.stream().filter(f -> f.path().equals(p)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no rendered file " + p + " for " + node.name()))).toList();
    }

    /**
     * Puts {@code file} in place of the rendered file with the same destination: what a phase rendered again from a
     * fact of this node (node-preflight: resolvConf without systemd-resolved).
     */
    public void replace(RenderedFile file) {
        for (int i = 0; i < files.size(); i++) {
            if (files.get(i).path().equals(file.path())) {
                files.set(i, file);
                return;
            }
        }
        throw new IllegalStateException("no rendered file " + file.path() + " for " + node.name());
    }

    public Boolean systemdResolved() {
        return systemdResolved;
    }

    public void systemdResolved(boolean present) {
        systemdResolved = present;
    }

    public Boolean clientCredential() {
        return clientCredential;
    }

    public Boolean bootstrapKubeconfigLeft() {
        return bootstrapKubeconfigLeft;
    }

    /** Records what {@link BootstrapFiles#LOOK} answered. */
    public void bootstrapFacts(boolean clientCredential, boolean bootstrapKubeconfigLeft) {
        this.clientCredential = clientCredential;
        this.bootstrapKubeconfigLeft = bootstrapKubeconfigLeft;
    }

    /** What the Node showed before this run (re)started its kubelet, when it showed Ready; null otherwise. */
    private volatile io.kubejoin.cluster.NodeReadiness.Since kubeletRestarted;

    /** kubelet-start (re)started kubelet; {@code since} is what the Node showed just before (null: not Ready then). */
    public void kubeletRestarted(io.kubejoin.cluster.NodeReadiness.Since since) {
        this.kubeletRestarted = since;
    }

    /** See {@link #kubeletRestarted(io.kubejoin.cluster.NodeReadiness.Since)}: wait-ready then needs a newer Ready heartbeat. */
    public io.kubejoin.cluster.NodeReadiness.Since kubeletRestarted() {
        return kubeletRestarted;
    }

    /** Units to restart whatever their files say, with the reason (upgrade: the running release is not the inventory's). */
    private final java.util.Map<String, String> restartRequests = new java.util.concurrent.ConcurrentHashMap<>();

    /** The start phase of {@code unit} restarts it even when none of its files changed in this run. */
    public void requestRestart(String unit, String reason) {
        restartRequests.put(unit, reason);
    }

    /** Why {@code unit} must be restarted although its files did not change; null when nothing asked for it. */
    public String restartRequested(String unit) {
        return restartRequests.get(unit);
    }

    public void recordChanged(List<String> paths) {
        changedFiles.addAll(paths);
    }

    public boolean anyChanged(List<String> paths) {
        return paths.stream().anyMatch(changedFiles::contains);
    }

    public Set<String> changedFiles() {
        return Set.copyOf(changedFiles);
    }

    /** The phases --skip-phases names (a phase that would do a later one's work too asks). */
    private volatile Set<String> skipped = Set.of();

    /** Set by the runner before the first phase. */
    public void skipped(Set<String> phases) {
        this.skipped = Set.copyOf(phases);
    }

    public boolean skipping(String phase) {
        return skipped.contains(phase);
    }

    /**
     * A later phase's outcome, already brought about by an earlier phase (kube-proxy's files pushed with kubelet's,
     * its unit started by kubelet-start's script): the runner reports it under that phase's name instead of running it.
     */
    public record Settled(PhaseResult result, PhaseFailure failure) {
        public PhaseResult get() throws PhaseFailure {
            if (failure != null) throw failure;
            return result;
        }
    }

    private final java.util.Map<String, Settled> settled = new java.util.concurrent.ConcurrentHashMap<>();

    /** {@code phase} was done by an earlier phase, with this result. */
    public void settle(String phase, PhaseResult result) {
        settled.put(phase, new Settled(result, null));
    }

    /** {@code phase}'s work was done by an earlier phase and failed: the runner fails that phase with it. */
    public void settleFailed(String phase, PhaseFailure failure) {
        settled.put(phase, new Settled(null, failure));
    }

    /** What an earlier phase did for {@code phase}; null when it is still to run. */
    public Settled settled(String phase) {
        return settled.get(phase);
    }
}
