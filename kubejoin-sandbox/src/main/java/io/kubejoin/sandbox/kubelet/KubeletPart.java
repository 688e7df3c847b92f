package io.kubejoin.sandbox.kubelet;

import io.kubejoin.sandbox.kubelet.SimulatedKubelet.KubeletExit;
import io.kubejoin.sandbox.kubelet.SimulatedKubelet.Options;
import io.kubejoin.sandbox.node.Journal;
import io.kubejoin.sandbox.node.NodeRoot;
import io.kubejoin.sandbox.node.SimulatorRuntime;
import io.kubejoin.version.KubeVersion;

/**
 * One part of a {@link SimulatedKubelet} process (start-up, TLS bootstrap, registration, a certificate manager):
 * what the process shares — its node, release, options and journal — and the process itself, for the state its
 * public API reports and {@link SimulatedKubelet#stop()} ends.
 */
abstract class KubeletPart {
    final SimulatedKubelet kubelet;
    final SimulatorRuntime runtime;
    final NodeRoot root;
    final KubeVersion version;
    final Options options;
    final Journal journal;

    KubeletPart(SimulatedKubelet kubelet) {
        this.kubelet = kubelet;
        this.runtime = kubelet.runtime;
        this.root = kubelet.root;
        this.version = kubelet.version;
        this.options = kubelet.options;
        this.journal = kubelet.journal;
    }

    /** The version string this kubelet reports (set before start, so read at each use). */
    String gitVersion() {
        return kubelet.gitVersion();
    }

    KubeletExit commandFailed(String err) {
        return kubelet.commandFailed(err);
    }
}
