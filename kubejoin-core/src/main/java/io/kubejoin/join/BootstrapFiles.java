package io.kubejoin.join;

import io.kubejoin.remote.script.BootstrapScripts;
import io.kubejoin.render.NodeFiles;
import java.util.List;
import java.util.Map;

/**
 * The bootstrap kubeconfig is for the first TLS bootstrap only: kubelet reads it only while it has no valid client
 * certificate (kubelet's bootstrap.go LoadClientCert: a kubeconfig whose certificate is still valid is used as it
 * is). So the join pushes it only to a node without its own client credential, and wait-ready removes it once the
 * node is Ready — as kubeadm's join does after TLS bootstrap (cmd/kubeadm/app/cmd/phases/join/kubelet.go: the
 * kubelet-start and kubelet-wait-bootstrap phases defer {@code os.Remove} of bootstrap-kubelet.conf "so the credential
 * used for TLS bootstrap is removed from disk", after waiting until kubelet.conf with its certificate and key makes a
 * working client). Unlike kubeadm's defer, a node that did not get Ready keeps it: its token stays valid for the
 * re-run. Left behind on a Ready node it would hold a token deleted from the cluster.
 *
 * <p>"Own client credential": kubelet.kubeconfig and the kubelet-client-current.pem it names both exist. The
 * kubeconfig alone proves nothing: with rotateCertificates kubelet writes it at start, before the certificate
 * exists. An expired certificate is not seen here (no certificate parsing in a node command); such a kubelet is not
 * Ready and {@code kubejoin reset NODE} pushes the bootstrap kubeconfig again.
 */
public final class BootstrapFiles {
    private BootstrapFiles() {
    }

    /** Reads the answers to {@link BootstrapScripts}' two questions into the node's context. */
    public static void record(NodeContext ctx, Map<String, String> sections) {
        ctx.bootstrapFacts("present".equals(sections.getOrDefault(BootstrapScripts.CLIENT, "").strip()),
                "present".equals(sections.getOrDefault(BootstrapScripts.BOOTSTRAP, "").strip()));
    }

    /** Whether the join leaves the bootstrap kubeconfig out of the push: kubelet has its own credential. */
    public static boolean skip(NodeContext ctx) {
        return Boolean.TRUE.equals(ctx.clientCredential());
    }

    /** The paths {@code plan} hashes to tell whether the node has its own credential (present = hashed). */
    public static List<String> credentialPaths(NodeFiles f) {
        return List.of(f.kubeletKubeconfig(), f.kubeletClientCurrent());
    }
}
