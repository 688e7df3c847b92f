package io.kubejoin.inventory;

import java.nio.file.Path;

/**
 * Where kubelet and kube-proxy come from (B3), on the operator's machine: a folder holding both, or the official
 * node tarball (kubernetes-node-linux-&lt;arch&gt;.tar.gz, with kubernetes/node/bin/{kubelet,kube-proxy}). Neither
 * means the binaries are installed by other means; kubejoin then only checks they are there.
 */
public record Binaries(Path dir, Path tarball) {
    public static Binaries none() {
        return new Binaries(null, null);
    }

    public boolean managed() {
        return dir != null || tarball != null;
    }
}
