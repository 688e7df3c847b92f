package io.kubejoin.status;

import java.time.Instant;
import java.util.List;

/**
 * What {@code kubejoin status} found for one node: from the API server (registered, Ready, version, pending CSRs),
 * from a TLS handshake with kubelet's :10250 (serving certificate), and over SSH (client and kube-proxy
 * certificates, services, kube-proxy healthz). A field is null when it could not be read; {@link #flags} say
 * why and what needs action.
 *
 * @param inInventory false for a cluster node the inventory does not list
 * @param ssh         null when the node answered over SSH, else why it did not
 * @param flags       each condition that needs action, with its one-line text
 */
public record NodeStatus(String node, String address, boolean inInventory, boolean registered, Boolean ready,
                         String readyMessage, String kubeletVersion, String expectedVersion,
                         Instant servingCertExpiry, Instant clientCertExpiry, Instant proxyCertExpiry,
                         String kubeletService, String proxyService, Boolean proxyHealthy, int pendingCsrs,
                         String ssh, List<Flag> flags) {

    /**
     * Every condition status flags. {@code kubejoin doctor} maps each one to a diagnosis with its cause and fix
     * (an exhaustive switch there), so a condition added here cannot be forgotten by doctor.
     */
    public enum Condition {
        NOT_REGISTERED, NOT_READY, KUBELET_VERSION, PENDING_CSRS, SERVING_TLS, SERVING_CERT, CLIENT_CERT_MISSING,
        CLIENT_CERT, PROXY_CERT_MISSING, PROXY_CERT, KUBELET_SERVICE, PROXY_SERVICE, PROXY_HEALTHZ, SSH
    }

    /** One flagged condition and what status prints for it. */
    public record Flag(Condition condition, String text) {
    }

    public NodeStatus {
        flags = List.copyOf(flags);
    }

    /** How {@link #readyMessage} begins for a kubelet still in its start-up (its first status is NotReady). */
    public static final String STARTING = "starting: ";

    /**
     * Registered, not Ready, and not flagged: the kubelet has posted its first, NotReady status and its release posts
     * Ready only later (status shows it as Starting, no failure yet).
     */
    public boolean starting() {
        return registered && Boolean.FALSE.equals(ready) && readyMessage != null && readyMessage.startsWith(STARTING)
                && flags.stream().noneMatch(f -> f.condition() == Condition.NOT_READY);
    }

    /** The flags' texts, as status prints them. */
    public List<String> problems() {
        return flags.stream().map(Flag::text).toList();
    }

    public boolean healthy() {
        return flags.isEmpty();
    }
}
