package io.kubejoin.inventory;

import java.util.List;

/** Cluster networking, with the article's defaults (172.30.0.0/16, 10.254.0.0/16, 10.254.0.2, cluster.local). */
public record Network(String clusterCIDR, String serviceCIDR, List<String> clusterDNS, String clusterDomain) {
}
