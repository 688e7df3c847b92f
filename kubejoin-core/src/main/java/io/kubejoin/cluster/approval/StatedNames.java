package io.kubejoin.cluster.approval;

import java.net.InetAddress;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the administrator stated a node's serving certificate may carry: its inventory {@code address} and
 * {@code extraAddresses}, its name and {@code extraNames}, and the {@code approval.servingCIDRs} it falls under.
 * Nothing here comes from the cluster: a kubelet writes its own Node status (NodeRestriction lets it), so an
 * address it merely reports proves nothing.
 *
 * @param addresses the inventory address first, then extraAddresses
 * @param dnsNames  the node name first, then extraNames; lower case without a trailing dot, compared exactly
 */
public record StatedNames(Set<InetAddress> addresses, Set<String> dnsNames, List<IpLiterals.Network> servingCidrs) {
    public StatedNames {
        addresses = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(addresses));
        dnsNames = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(dnsNames));
        servingCidrs = List.copyOf(servingCidrs);
    }

    /** Just a name and an address (the common case: no extra addresses, names or networks). */
    public static StatedNames of(String node, Set<InetAddress> addresses) {
        return new StatedNames(addresses, Set.of(node), List.of());
    }

    boolean allowsIp(InetAddress ip) {
        return addresses.contains(ip) || servingCidrs.stream().anyMatch(n -> n.contains(ip));
    }

    /** For messages: "address and extraAddresses: 10.0.0.11; approval.servingCIDRs: none". */
    String describeAddresses() {
        return "address and extraAddresses: " + (addresses.isEmpty() ? "none"
                : addresses.stream().map(IpLiterals::format).collect(Collectors.joining(", ")))
                + "; approval.servingCIDRs: " + (servingCidrs.isEmpty() ? "none"
                : servingCidrs.stream().map(IpLiterals.Network::text).collect(Collectors.joining(", ")));
    }

    String describeNames() {
        return String.join(", ", dnsNames);
    }
}
