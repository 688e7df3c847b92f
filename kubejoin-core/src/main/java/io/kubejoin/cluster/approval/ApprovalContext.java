package io.kubejoin.cluster.approval;

import io.kubejoin.version.KubeVersion;
import java.net.InetAddress;
import java.util.Optional;

/**
 * What {@link CsrPolicy} may know about the cluster: answers only, no I/O behind the policy's back.
 * {@link InventoryApprovalContext} builds one from the inventory and the token Secrets. Node objects are not
 * consulted: a kubelet writes its own Node status, so nothing in it can vouch for the kubelet.
 */
public interface ApprovalContext {

    /**
     * What the inventory states the node's serving certificate may carry, or empty when the node is not in the
     * inventory.
     */
    Optional<StatedNames> statedNames(String node);

    /** The node a kubejoin bootstrap token was issued for (its Secret's kubejoin.io/node label). */
    Optional<String> tokenNode(String tokenId);

    /**
     * Who else owns this address (another inventory node, the API server, the service or pod network), in
     * words for a message; empty when nobody does. Guards approval.servingCIDRs, which may be wide.
     */
    Optional<String> reservedBy(InetAddress ip, String requestingNode);

    /** The largest spec.expirationSeconds accepted for a kubelet serving certificate. */
    long maxServingExpirationSeconds();

    /**
     * The release of the cluster's signer (kube-controller-manager's csrsigning), whose rules decide what it
     * signs: kubejoin never approves what that signer would then refuse.
     */
    KubeVersion signerRelease();
}
