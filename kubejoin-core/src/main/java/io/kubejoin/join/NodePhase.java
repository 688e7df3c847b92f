package io.kubejoin.join;

/**
 * One named step of joining a node, as kubeadm's join phases are: listable, skippable, reporting whether it
 * changed anything. A phase either returns or throws {@link PhaseFailure}; the runner stops that node then.
 */
public interface NodePhase {
    /** Stable name used by --skip-phases and in reports, e.g. "kubelet-files". */
    String name();

    /** One line for --list-phases, naming the article's step(s). */
    String description();

    PhaseResult run(NodeContext ctx) throws PhaseFailure, InterruptedException;

    /**
     * Whether the phase mostly waits for the node or the cluster (a kubelet's TLS bootstrap and Ready, kube-proxy's
     * first sync) rather than working over SSH: the runner gives the node's place among the {@code --parallel} nodes
     * to the next node meanwhile, so a fleet's waits overlap instead of adding up wave after wave.
     */
    default boolean waits() {
        return false;
    }
}
