package io.kubejoin.inventory;

import java.time.Duration;
import java.util.List;

/** Inventory defaults: the article's values wherever the article gives one. */
public final class Defaults {
    private Defaults() {
    }

    public static final String CLUSTER_CIDR = "172.30.0.0/16";
    public static final String SERVICE_CIDR = "10.254.0.0/16";
    public static final List<String> CLUSTER_DNS = List.of("10.254.0.2");
    public static final String CLUSTER_DOMAIN = "cluster.local";

    public static final String BIN_DIR = "/opt/k8s/bin";
    public static final String DATA_DIR = "/data/k8s/k8s";
    public static final String CONFIG_DIR = "/etc/kubernetes";
    public static final String CERT_DIR = "/etc/kubernetes/cert";

    public static final String PKI_PROFILE = "kubernetes";
    public static final String API_SERVER_KUBELET_USER = "kubernetes-api";

    public static final ProxyMode PROXY_MODE = ProxyMode.IPVS;
    public static final String IPVS_SCHEDULER = "rr";
    public static final int VERBOSITY = 2;

    public static final Duration TOKEN_TTL = Duration.ofHours(1);
    public static final String BOOTSTRAP_GROUP = "kubejoin";

    public static final String SSH_USER = "root";
    public static final int SSH_PORT = 22;
    public static final String SSH_IDENTITY_FILE = "~/.ssh/id_ed25519";
    public static final String SSH_KNOWN_HOSTS = "~/.ssh/known_hosts";
    public static final String SSH_CONFIG_FILE = "~/.ssh/config";
    public static final String KUBECONFIG = "~/.kube/config";
}
