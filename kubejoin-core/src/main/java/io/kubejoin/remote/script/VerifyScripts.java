package io.kubejoin.remote.script;

import static io.kubejoin.remote.script.Sh.quote;

import java.util.List;

/**
 * verify (P8): the node polls, in one command, until kubelet's and kube-proxy's healthz answer and the kubernetes
 * service VIP is in the proxy mode's rules, or the time is up; then each check runs once more in its section, the
 * word {@link #OK_WORD} marking a pass.
 */
public final class VerifyScripts {
    public static final String OK_WORD = "kubejoin-check-ok";
    static final String READY_FUNCTION = "kj_ready";
    static final String WAIT_FUNCTION = "kj_wait";

    private VerifyScripts() {
    }

    /**
     * @param host            the node's address as a URL host ({@link #hostForUrl})
     * @param mode            kube-proxy's mode (iptables, ipvs, nftables)
     * @param vip             the kubernetes Service's IP
     * @param sleeps          the pauses of the poll (sleep's arguments), adding up to the timeout
     * @param servingCert     kubelet's serving certificate to look for (section {@code serving}), or null
     */
    public static String verify(String host, String mode, String vip, List<String> sleeps, String servingCert) {
        String kubeletHealthz = "http://" + host + ":10248/healthz";
        String proxyHealthz = "http://" + host + ":10256/healthz";
        NodeScript s = NodeScript.sectioned()
                .line(READY_FUNCTION + "() { curl -fsS --max-time 2 " + kubeletHealthz + " >/dev/null 2>&1 && curl -fsS "
                        + "--max-time 2 " + proxyHealthz + " >/dev/null 2>&1 && " + quietRules(mode, vip) + "; }")
                .line(WAIT_FUNCTION + "() { for d in " + String.join(" ", sleeps) + "; do if " + READY_FUNCTION
                        + "; then return 0; fi; sleep $d; done; return 1; }")
                .line(WAIT_FUNCTION)
                .section("kubelet", "curl -fsS --max-time 5 " + kubeletHealthz + " 2>&1 && echo " + OK_WORD)
                .section("kube-proxy", "curl -fsS --max-time 5 " + proxyHealthz + " 2>&1 && echo " + OK_WORD)
                .section("rules", rules(mode, vip) + " && echo " + OK_WORD);
        if (servingCert != null) s.section("serving", servingCheck(servingCert) + " && echo " + OK_WORD);
        return s.end();
    }

    /** Whether kubelet has written its serving certificate. */
    public static String servingCheck(String path) {
        return "test -e " + quote(path);
    }

    /** {@link #rules} printing nothing: for the node's poll. */
    static String quietRules(String mode, String vip) {
        return switch (mode) {
            case "ipvs" -> rules(mode, vip) + " >/dev/null 2>&1";
            case "nftables" -> rules(mode, vip).replaceFirst(" kube-proxy \\| ", " kube-proxy 2>/dev/null | ");
            default -> rules(mode, vip).replaceFirst(" -t nat \\| ", " -t nat 2>/dev/null | ");
        };
    }

    /** Succeeds when the kubernetes Service's VIP:443 is in kube-proxy's rules of {@code mode}. */
    public static String rules(String mode, String vip) {
        return switch (mode) {
            case "ipvs" -> "ipvsadm -Ln -t " + hostForUrl(vip) + ":443";
            case "nftables" -> "nft list table " + (vip.contains(":") ? "ip6" : "ip") + " kube-proxy | grep -qF -- "
                    + quote(vip);
            default -> (vip.contains(":") ? "ip6tables-save" : "iptables-save") + " -t nat | grep -qF -- "
                    + quote("-d " + vip + "/" + (vip.contains(":") ? "128" : "32"));
        };
    }

    public static String hostForUrl(String address) {
        return address.contains(":") ? "[" + address + "]" : address;
    }
}
