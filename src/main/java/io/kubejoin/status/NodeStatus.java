package io.kubejoin.status;

import java.time.Instant;
import java.util.List;

/**
 * What {@code kubejoin status} found for one node: from the API server (registered, Ready, version, pending CSRs),
 * from a TLS handshake with kubelet's :10250 (serving certificate), and over SSH (client and kube-proxy
 * certificates, services, kube-proxy healthz). A field is null when it could not be read; {@link #problems} says
 * why and what needs action.
 *
 * @param inInventory false for a cluster node the inventory does not list
 * @param ssh         null when the node answered over SSH, else why it did not
 */
public record NodeStatus(String node, String address, boolean inInventory, boolean registered, Boolean ready,
                         String readyMessage, String kubeletVersion, String expectedVersion,
                         Instant servingCertExpiry, Instant clientCertExpiry, Instant proxyCertExpiry,
                         String kubeletService, String proxyService, Boolean proxyHealthy, int pendingCsrs,
                         String ssh, List<String> problems) {

    public boolean healthy() {
        return problems.isEmpty();
    }
}
