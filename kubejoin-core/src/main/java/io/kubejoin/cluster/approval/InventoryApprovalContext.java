package io.kubejoin.cluster.approval;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.version.KubeVersion;
import java.net.InetAddress;
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

    /**
     * Node name → what it may carry: a {@link StatedNames}, or (built from an inventory) the inventory's {@link Node},
     * turned into its StatedNames when a CSR of that node asks (a few times a node), not kept for each of 10,000.
     */
    private final Map<String, Object> nodes;
    private final Map<String, String> tokenNodes;
    /**
     * Single addresses (most of the list: every node's) by their text as {@link InetAddress#getHostAddress} writes it
     * (a node's inventory address string itself, shared), each a {@link Reserved} or, rarely, a list of them in list
     * order: a lookup, not a scan.
     */
    private final Map<String, Object> reservedHosts;
    /** The wider networks, in list order. */
    private final List<Reserved> reservedNetworks;
    private final long maxServingExpirationSeconds;
    private final KubeVersion signerRelease;

    /**
     * @param network null for a single address (the lookup map's key says which)
     * @param owner   the text naming the owner; null for a node's own address (made when asked: a 10,000-node
     *                inventory held 10,000 such sentences)
     * @param order   the position in the list of reservations: the first that holds an address names its owner
     */
    record Reserved(IpLiterals.Network network, String owner, String ownerNode, int order) {
        String ownerText() {
            return owner != null ? owner : "an inventory address of node " + ownerNode;
        }
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
        this(new LinkedHashMap<String, Object>(nodes), tokenNodes, clusterRanges, maxServingExpiration, signerRelease, true);
    }

    private InventoryApprovalContext(LinkedHashMap<String, Object> nodes, Map<String, String> tokenNodes,
                                     Map<String, String> clusterRanges, Duration maxServingExpiration,
                                     KubeVersion signerRelease, boolean ignored) {
        this.tokenNodes = Map.copyOf(tokenNodes);
        this.maxServingExpirationSeconds = maxServingExpiration.toSeconds();
        this.signerRelease = Objects.requireNonNull(signerRelease, "signerRelease");
        // a scan of every node's address for each requested IP made approving a fleet's serving CSRs quadratic
        Map<String, Object> hosts = new HashMap<>();
        List<Reserved> networks = new ArrayList<>();
        int[] order = {0};
        nodes.forEach((name, v) -> {
            if (v instanceof Node n) {
                reserveHost(hosts, n.address(), name, order[0]++);
                for (String a : n.extraAddresses()) reserveHost(hosts, a, name, order[0]++);
            } else {
                for (InetAddress ip : ((StatedNames) v).addresses()) reserveHost(hosts, ip.getHostAddress(), name, order[0]++);
            }
        });
        clusterRanges.forEach((cidr, owner) -> {
            IpLiterals.Network net = IpLiterals.parseCidr(cidr)
                    .or(() -> IpLiterals.parse(cidr).map(ip -> new IpLiterals.Network(cidr, ip.getAddress(),
                            ip.getAddress().length * 8)))
                    .orElseThrow(() -> new IllegalArgumentException("not an IP or CIDR: " + cidr));
            if (net.prefix() == net.base().length * 8) {
                addHost(hosts, hostKey(net.base()), new Reserved(null, owner, null, order[0]++));
            } else {
                networks.add(new Reserved(net, owner, null, order[0]++));
            }
        });
        this.nodes = Map.copyOf(nodes);
        this.reservedHosts = hosts;
        this.reservedNetworks = List.copyOf(networks);
    }

    /** A node's address (or extra address) text; one that is not an IP literal reserves nothing, as before. */
    private static void reserveHost(Map<String, Object> hosts, String address, String node, int order) {
        String key = hostKey(address);
        if (key != null) addHost(hosts, key, new Reserved(null, null, node, order));
    }

    /** The lookup key of an address: its {@link InetAddress#getHostAddress} text (the same String when it is that). */
    private static String hostKey(String text) {
        return IpLiterals.parse(text).map(ip -> {
            String canonical = ip.getHostAddress();
            return canonical.equals(text) ? text : canonical;
        }).orElse(null);
    }

    private static String hostKey(byte[] address) {
        try {
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + address.length + " bytes", e);
        }
    }

    @SuppressWarnings("unchecked")
    private static void addHost(Map<String, Object> hosts, String key, Reserved r) {
        hosts.merge(key, r, (old, add) -> {
            List<Reserved> list = old instanceof List<?> l ? (List<Reserved>) l : new ArrayList<>(List.of((Reserved) old));
            list.add((Reserved) add);
            return list;
        });
    }

    /** The reservations of one address, in list order (tests look at how they are held). */
    @SuppressWarnings("unchecked")
    List<Reserved> reservationsOf(InetAddress ip) {
        Object v = reservedHosts.get(ip.getHostAddress());
        if (v == null) return List.of();
        return v instanceof Reserved r ? List.of(r) : (List<Reserved>) v;
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
        LinkedHashMap<String, Object> nodes = new LinkedHashMap<>();
        for (Node n : inventory.nodes()) nodes.put(n.name(), n);
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
                signerRelease != null ? signerRelease : inventory.kubernetesVersion(), true);
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
        Object v = nodes.get(node);
        return Optional.ofNullable(v instanceof Node n ? stated(n) : (StatedNames) v);
    }

    @Override
    public Optional<String> tokenNode(String tokenId) {
        return Optional.ofNullable(tokenNodes.get(tokenId));
    }

    @Override
    public Optional<String> reservedBy(InetAddress ip, String requestingNode) {
        Reserved first = null;
        for (Reserved r : reservationsOf(ip)) {
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
        return Optional.ofNullable(first).map(Reserved::ownerText);
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
