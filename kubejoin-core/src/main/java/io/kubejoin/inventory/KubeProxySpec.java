package io.kubejoin.inventory;

import java.util.Map;

/**
 * What the user asks of kube-proxy.
 *
 * @param mode          proxy mode (article: ipvs)
 * @param ipvsScheduler ipvs.scheduler (article: rr)
 * @param config        KubeProxyConfiguration fields (JSON names) merged over what kubejoin renders
 * @param verbosity     --v
 */
public record KubeProxySpec(ProxyMode mode, String ipvsScheduler, Map<String, Object> config, int verbosity) {
}
