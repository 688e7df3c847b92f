package io.kubejoin.cluster.approval;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.version.KubeVersion;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An {@link ApprovalContext} from plain data: what the inventory states for each node, token id → node, the
 * signer's release and the serving expiration limit.
 */
public final class InventoryApprovalContext implements ApprovalContext {
    /** kubelet's own default for serving certificates is the signer's duration; a year is a sane cap. */
    public static final Duration DEFAULT_MAX_SERVING_EXPIRATION = Duration.ofDays(365);

    private final Map<String, StatedNames> nodes;
    private final Map<String, String> tokenNodes;
    /** Single addresses (most of the list: every node's) by address, in list order: a lookup, not a scan. */
    private final Map<ByteBuffer, List<Reserved>> reservedHosts;
    /** The wider networks, in list order. */
    private final List<Reserved> reservedNetworks;
    private final long maxServingExpirationSeconds;
    private final KubeVersion signerRelease;

    /** @param order the position in the list of reservations: the first that holds an address names its owner */
    private record Reserved(IpLiterals.Network network, String owner, String ownerNode, int order) {
    }

    /**
     * @param nodes          node name → what the inventory states its serving certificate may carry
     * @param tokenNodes     bootstrap token id → node it was issued for
     * @param clusterRanges  networks no kubelet may put in a serving certificate, e.g. "10.254.0.0/16" →
     *                       "the service network"; the API server's address belongs here too
     * @param signerRelease  the release of the cluster's kube-controller-manager (its signer's rules)
     */
    public InventoryApprovalContext(Map<String, StatedNames> nodes, Map<String, String> tokenNodes,
                                    Map<String, String> clusterRanges, Duration maxServingExpiration,
                                    KubeVersion signerRelease) {
        this.nodes = Map.copyOf(nodes);
        this.tokenNodes = Map.copyOf(tokenNodes);
        this.maxServingExpirationSeconds = maxServingExpiration.toSeconds();
        this.signerRelease = Objects.requireNonNull(signerRelease, "signerRelease");
        List<Reserved> r = new ArrayList<>();
        this.nodes.forEach((name, stated) -> stated.addresses().forEach(ip -> r.add(new Reserved(
                new IpLiterals.Network(ip.getHostAddress(), ip.getAddress(), ip.getAddress().length * 8),
                "an inventory address of node " + name, name, r.size()))));
        clusterRanges.forEach((cidr, owner) -> {
            IpLiterals.Network net = IpLiterals.parseCidr(cidr)
                    .or(() -> IpLiterals.parse(cidr).map(ip -> new IpLiterals.Network(cidr, ip.getAddress(),
                            ip.getAddress().length * 8)))
                    .orElseThrow(() -> new IllegalArgumentException("not an IP or CIDR: " + cidr));
            r.add(new Reserved(net, owner, null, r.size()));
        });
        // a scan of every node's address for each requested IP made approving a fleet's serving CSRs quadratic
        Map<ByteBuffer, List<Reserved>> hosts = new HashMap<>();
        List<Reserved> networks = new ArrayList<>();
        for (Reserved res : r) {
            if (res.network().prefix() == res.network().base().length * 8) {
                hosts.computeIfAbsent(ByteBuffer.wrap(res.network().base()), k -> new ArrayList<>()).add(res);
            } else {
                networks.add(res);
            }
        }
        this.reservedHosts = hosts;
        this.reservedNetworks = List.copyOf(networks);
    }

    /**
     * The usual context: each node's address, extraAddresses, name, extraNames and servingCIDRs from the
     * inventory; the API server (when its URL names an IP), the service network and the pod network reserved.
     *
     * @param signerRelease the cluster's release as its API server reports it; null: the inventory's
     *                      kubernetesVersion
     */
    public static InventoryApprovalContext of(Inventory inventory, Map<String, String> tokenNodes,
                                              Duration maxServingExpiration, KubeVersion signerRelease) {
        Map<String, StatedNames> nodes = new LinkedHashMap<>();
        for (Node n : inventory.nodes()) nodes.put(n.name(), stated(n));
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
        return new InventoryApprovalContext(nodes, tokenNodes, ranges, maxServingExpiration,
                signerRelease != null ? signerRelease : inventory.kubernetesVersion());
    }

    static StatedNames stated(Node n) {
        Set<InetAddress> addresses = new LinkedHashSet<>();
        IpLiterals.parse(n.address()).ifPresent(addresses::add);
        n.extraAddresses().forEach(a -> IpLiterals.parse(a).ifPresent(addresses::add));
        Set<String> names = new LinkedHashSet<>();
        names.add(n.name());
        names.addAll(n.extraNames());
        List<IpLiterals.Network> cidrs = new ArrayList<>();
        n.servingCIDRs().forEach(c -> IpLiterals.parseCidr(c.trim()).ifPresent(cidrs::add));
        return new StatedNames(addresses, names, cidrs);
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
    public Optional<StatedNames> statedNames(String node) {
        return Optional.ofNullable(nodes.get(node));
    }

    @Override
    public Optional<String> tokenNode(String tokenId) {
        return Optional.ofNullable(tokenNodes.get(tokenId));
    }

    @Override
    public Optional<String> reservedBy(InetAddress ip, String requestingNode) {
        Reserved first = null;
        for (Reserved r : reservedHosts.getOrDefault(ByteBuffer.wrap(ip.getAddress()), List.of())) {
            if (!requestingNode.equals(r.ownerNode())) {
                first = r;
                break;
            }
        }
        for (Reserved r : reservedNetworks) {
            if (first != null && r.order() > first.order()) break;
            if (!requestingNode.equals(r.ownerNode()) && r.network().contains(ip)) {
                first = r;
                break;
            }
        }
        return Optional.ofNullable(first).map(Reserved::owner);
    }

    @Override
    public long maxServingExpirationSeconds() {
        return maxServingExpirationSeconds;
    }

    @Override
    public KubeVersion signerRelease() {
        return signerRelease;
    }
}
