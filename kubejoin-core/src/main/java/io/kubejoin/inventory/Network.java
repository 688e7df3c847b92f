package io.kubejoin.inventory;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Cluster networking, with the article's defaults (172.30.0.0/16, 10.254.0.0/16, 10.254.0.2, cluster.local). */
public record Network(String clusterCIDR, String serviceCIDR, List<String> clusterDNS, String clusterDomain) {

    /** The ClusterIP kube-apiserver gives the {@code kubernetes} Service: what a synced kube-proxy has rules for. */
    public String kubernetesServiceIp() {
        return kubernetesServiceIp(serviceCIDR);
    }

    /** The first address of the (first) service range: the ClusterIP of the {@code kubernetes} service. */
    public static String kubernetesServiceIp(String serviceCidr) {
        String cidr = serviceCidr.split(",")[0].trim();
        String[] parts = cidr.split("/");
        try {
            byte[] base = InetAddress.getByName(parts[0]).getAddress();
            byte[] vip = new BigInteger(1, base).add(BigInteger.ONE).toByteArray();
            byte[] out = new byte[base.length];
            int copy = Math.min(vip.length, out.length);
            System.arraycopy(vip, vip.length - copy, out, out.length - copy, copy);
            return InetAddress.getByAddress(out).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not a CIDR: " + serviceCidr, e);
        }
    }
}
