package io.kubejoin.cluster.approval;

import io.fabric8.kubernetes.api.model.NodeAddress;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * An {@link ApprovalContext} from plain data: the inventory's nodes, token id → node, a Node status lookup
 * (a snapshot the caller fetched; the policy itself never calls the API) and the serving expiration limit.
 */
public final class InventoryApprovalContext implements ApprovalContext {
    /** kubelet's own default for serving certificates is the signer's duration; a year is a sane cap. */
    public static final Duration DEFAULT_MAX_SERVING_EXPIRATION = Duration.ofDays(365);

    private final Map<String, Set<InetAddress>> nodes;
    private final Map<String, String> tokenNodes;
    private final Function<String, Optional<List<NodeAddress>>> nodeStatus;
    private final List<Reserved> reserved;
    private final long maxServingExpirationSeconds;

    private record Reserved(IpLiterals.Network network, String owner, String ownerNode) {
    }

    /**
     * @param nodes          node name → its inventory addresses
     * @param tokenNodes     bootstrap token id → node it was issued for
     * @param nodeStatus     node name → Node.status.addresses, empty when the Node does not exist
     * @param clusterRanges  networks no kubelet may put in a serving certificate, e.g. "10.254.0.0/16" →
     *                       "the service network"; the API server's address belongs here too
     */
    public InventoryApprovalContext(Map<String, Set<InetAddress>> nodes, Map<String, String> tokenNodes,
                                    Function<String, Optional<List<NodeAddress>>> nodeStatus,
                                    Map<String, String> clusterRanges, Duration maxServingExpiration) {
        this.nodes = Map.copyOf(nodes);
        this.tokenNodes = Map.copyOf(tokenNodes);
        this.nodeStatus = Objects.requireNonNull(nodeStatus);
        this.maxServingExpirationSeconds = maxServingExpiration.toSeconds();
        List<Reserved> r = new ArrayList<>();
        this.nodes.forEach((name, addrs) -> addrs.forEach(ip -> r.add(new Reserved(
                new IpLiterals.Network(ip.getHostAddress(), ip.getAddress(), ip.getAddress().length * 8),
                "the inventory address of node " + name, name))));
        clusterRanges.forEach((cidr, owner) -> {
            IpLiterals.Network net = IpLiterals.parseCidr(cidr)
                    .or(() -> IpLiterals.parse(cidr).map(ip -> new IpLiterals.Network(cidr, ip.getAddress(),
                            ip.getAddress().length * 8)))
                    .orElseThrow(() -> new IllegalArgumentException("not an IP or CIDR: " + cidr));
            r.add(new Reserved(net, owner, null));
        });
        this.reserved = List.copyOf(r);
    }

    /**
     * The usual context: nodes and their addresses from the inventory, the API server (when its URL names an
     * IP), the service network and the pod network reserved.
     */
    public static InventoryApprovalContext of(Inventory inventory, Map<String, String> tokenNodes,
                                              Function<String, Optional<List<NodeAddress>>> nodeStatus,
                                              Duration maxServingExpiration) {
        Map<String, Set<InetAddress>> nodes = new LinkedHashMap<>();
        for (Node n : inventory.nodes()) {
            nodes.put(n.name(), IpLiterals.parse(n.address()).map(Set::of).orElse(Set.of()));
        }
        Map<String, String> ranges = new LinkedHashMap<>();
        if (inventory.apiServer() != null && inventory.apiServer().getHost() != null) {
            String host = inventory.apiServer().getHost();
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            String apiHost = host;
            IpLiterals.parse(apiHost).ifPresent(ip -> ranges.put(apiHost, "the API server's address"));
        }
        if (inventory.network() != null) {
            addRange(ranges, inventory.network().serviceCIDR(), "the service network");
            addRange(ranges, inventory.network().clusterCIDR(), "the pod network");
        }
        return new InventoryApprovalContext(nodes, tokenNodes, nodeStatus, ranges, maxServingExpiration);
    }

    private static void addRange(Map<String, String> ranges, String cidr, String owner) {
        if (cidr == null) return;
        // dual-stack inventories write "v4cidr,v6cidr"
        for (String part : cidr.split(",")) {
            String p = part.trim();
            if (IpLiterals.parseCidr(p).isPresent()) ranges.put(p, owner + " " + p);
        }
    }

    @Override
    public Optional<Set<InetAddress>> inventoryAddresses(String node) {
        return Optional.ofNullable(nodes.get(node));
    }

    @Override
    public Optional<String> tokenNode(String tokenId) {
        return Optional.ofNullable(tokenNodes.get(tokenId));
    }

    @Override
    public Optional<List<NodeAddress>> nodeStatusAddresses(String node) {
        return nodeStatus.apply(node);
    }

    @Override
    public Optional<String> reservedBy(InetAddress ip, String requestingNode) {
        for (Reserved r : reserved) {
            if (requestingNode.equals(r.ownerNode())) continue;
            if (r.network().contains(ip)) return Optional.of(r.owner());
        }
        return Optional.empty();
    }

    @Override
    public long maxServingExpirationSeconds() {
        return maxServingExpirationSeconds;
    }
}
