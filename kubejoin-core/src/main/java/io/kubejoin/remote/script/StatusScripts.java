package io.kubejoin.remote.script;

import static io.kubejoin.remote.script.Sh.quote;

import io.kubejoin.render.NodeFiles;

/** kubejoin status's one command per node (also read by doctor), and the certificate part of a PEM file. */
public final class StatusScripts {
    private static final String PEM_CERT = "'/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p'";

    private StatusScripts() {
    }

    /**
     * Everything status reads on the node, sectioned: the certificate parts of kubelet's client PEM (which also holds
     * its key: the key never leaves the node) and of kube-proxy's, the two services' states, kube-proxy's healthz.
     */
    public static String probe(NodeFiles paths, String address) {
        String host = VerifyScripts.hostForUrl(address);
        return NodeScript.sectioned()
                .section("client", certificates(paths.kubeletClientCurrent()))
                .section("proxy", certificates(paths.kubeProxyCert()))
                .section("kubelet", "systemctl is-active kubelet")
                .section("kube-proxy", "systemctl is-active kube-proxy")
                .section("healthz", "curl -fsS --max-time 5 http://" + host + ":10256/healthz >/dev/null 2>&1 && echo ok || echo failed")
                .end();
    }

    /** The certificate blocks of a PEM file (not its key); nothing when it does not exist. */
    public static String certificates(String path) {
        return "sed -n " + PEM_CERT + " -- " + quote(path) + " 2>/dev/null";
    }
}
