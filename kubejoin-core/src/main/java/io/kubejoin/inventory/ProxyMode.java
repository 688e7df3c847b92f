package io.kubejoin.inventory;

/** kube-proxy's mode; the string is what KubeProxyConfiguration.mode takes. */
public enum ProxyMode {
    IPTABLES("iptables"), IPVS("ipvs"), NFTABLES("nftables");

    private final String value;

    ProxyMode(String value) {
        this.value = value;
    }

    public String value() {
        return value;
    }

    public static ProxyMode fromValue(String text) {
        for (ProxyMode m : values()) {
            if (m.value.equals(text)) return m;
        }
        throw new IllegalArgumentException(text);
    }
}
