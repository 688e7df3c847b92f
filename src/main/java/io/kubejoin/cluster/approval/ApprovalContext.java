package io.kubejoin.cluster.approval;

import io.fabric8.kubernetes.api.model.NodeAddress;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What {@link CsrPolicy} may know about the cluster: answers only, no I/O behind the policy's back.
 * {@link InventoryApprovalContext} builds one from the inventory, the token Secrets and the Node objects.
 */
public interface ApprovalContext {

    /** The node's addresses from the inventory, or empty when the node is not in the inventory. */
    Optional<Set<InetAddress>> inventoryAddresses(String node);

    /** The node a kubejoin bootstrap token was issued for (its Secret's kubejoin.io/node label). */
    Optional<String> tokenNode(String tokenId);

    /**
     * The Node object's status.addresses, or empty when the Node does not exist (yet). The kubelet writes
     * these itself, so the policy trusts them only for addresses nothing else in the cluster claims.
     */
    Optional<List<NodeAddress>> nodeStatusAddresses(String node);

    /**
     * Who else owns this address (another inventory node, the API server, the service or pod network), in
     * words for a message; empty when nobody does. Guards the self-reported status addresses.
     */
    Optional<String> reservedBy(InetAddress ip, String requestingNode);

    /** The largest spec.expirationSeconds accepted for a kubelet serving certificate. */
    long maxServingExpirationSeconds();
}
