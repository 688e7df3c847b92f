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
}
