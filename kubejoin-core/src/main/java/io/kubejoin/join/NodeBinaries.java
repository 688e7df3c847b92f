package io.kubejoin.join;

import io.kubejoin.inventory.Binaries;
import io.kubejoin.inventory.InvalidInputException;
import io.kubejoin.inventory.Problem;
import io.kubejoin.remote.FileBytes;
import io.kubejoin.remote.RemoteFile;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * kubelet and kube-proxy, mapped once per run from a folder (or from the official node tarball, through a temp file
 * deleted at once) and shared by every node's push: outside the Java heap ({@link FileBytes}), one copy in memory
 * however many nodes.
 */
public final class NodeBinaries {
    public static final String KUBELET = "kubelet";
    public static final String KUBE_PROXY = "kube-proxy";
    /** Where the official kubernetes-node-linux-*.tar.gz keeps them. */
    static final String TARBALL_DIR = "kubernetes/node/bin/";

    private final Map<String, FileBytes> binaries;
    /** sha256 per binary, computed on first use by whichever node's push needs it first, then shared. */
    private final Map<String, String> digests = new ConcurrentHashMap<>();

    private NodeBinaries(Map<String, FileBytes> binaries) {
        this.binaries = binaries;
    }

    public FileBytes get(String name) {
        return binaries.get(name);
    }

    /**
     * The binary as a file to push to {@code path}: its sha256 is computed once per run (the first node's push
     * hashes it, concurrent ones wait for that, later ones reuse it), not once per node — 12 % of a 50-node join's
     * CPU went on hashing the same 50 MiB binaries again for every node.
     */
    public RemoteFile file(String name, String path, int mode) {
        return new RemoteFile(path, mode, binaries.get(name), sha256(name));
    }

    /** The binary's lower-case hex sha256, computed once per run (see {@link #file}); plan and upgrade compare with it. */
    public String sha256(String name) {
        return digests.computeIfAbsent(name, n -> binaries.get(n).sha256());
    }

    public static NodeBinaries load(Binaries source) {
        try {
            if (source.dir() != null) {
                Map<String, FileBytes> m = new HashMap<>();
                for (String b : new String[] {KUBELET, KUBE_PROXY}) m.put(b, FileBytes.map(source.dir().resolve(b)));
                return new NodeBinaries(m);
            }
            return new NodeBinaries(fromTarball(source.tarball()));
        } catch (IOException e) {
            Path file = source.dir() != null ? source.dir() : source.tarball();
            throw new InvalidInputException(new Problem(file, 0, source.dir() != null ? "binaries.dir" : "binaries.tarball",
                    "cannot read the binaries: " + e.getMessage(), "check the file"));
        }
    }

    private static Map<String, FileBytes> fromTarball(Path tarball) throws IOException {
        Map<String, FileBytes> m = new HashMap<>();
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(tarball)));
             TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String name = e.getName().replaceFirst("^\\./", "");
                if (e.isFile() && name.startsWith(TARBALL_DIR)) {
                    String bin = name.substring(TARBALL_DIR.length());
                    if (bin.equals(KUBELET) || bin.equals(KUBE_PROXY)) m.put(bin, FileBytes.copyOf(tar, e.getSize(), name));
                }
            }
        }
        for (String b : new String[] {KUBELET, KUBE_PROXY}) {
            if (!m.containsKey(b)) {
                throw new InvalidInputException(new Problem(tarball, 0, "binaries.tarball",
                        "the tarball has no " + TARBALL_DIR + b,
                        "use the official kubernetes-node-linux-<arch>.tar.gz of the inventory's kubernetesVersion"));
            }
        }
        return m;
    }
}
