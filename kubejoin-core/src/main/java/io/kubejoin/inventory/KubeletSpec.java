package io.kubejoin.inventory;

import java.util.Map;

/**
 * What the user asks of kubelet beyond kubejoin's defaults.
 *
 * @param config    KubeletConfiguration fields (JSON names) merged over what kubejoin renders; nested maps merge
 * @param flags     command-line flags without the leading dashes ("node-ip" -> "10.0.0.5"), added to the unit
 * @param verbosity --v
 */
public record KubeletSpec(Map<String, Object> config, Map<String, String> flags, int verbosity) {
}
