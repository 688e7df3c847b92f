package io.kubejoin.join;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.remote.Transport;
import io.kubejoin.render.NodeFiles;
import io.kubejoin.render.RenderedFile;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything the phases of one node share: the inventory and node, the node's rendered files, its transport (one
 * connection reused by all phases), and what earlier phases changed (so services restart only when needed).
 */
public final class NodeContext {
    private final Inventory inventory;
    private final Node node;
    private final List<RenderedFile> files;
    private final Transport transport;
    private final Set<String> changedFiles = new LinkedHashSet<>();

    public NodeContext(Inventory inventory, Node node, List<RenderedFile> files, Transport transport) {
        this.inventory = inventory;
        this.node = node;
        this.files = List.copyOf(files);
        this.transport = transport;
    }

    public Inventory inventory() { return inventory; }
    public Node node() { return node; }
    public Transport transport() { return transport; }
    public NodeFiles paths() { return new NodeFiles(inventory.paths()); }

    /** The node's rendered files whose destinations are among {@code paths}, in the given order. */
    public List<RenderedFile> files(List<String> paths) {
        return paths.stream().map(p -> files.stream().filter(f -> f.path().equals(p)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no rendered file " + p + " for " + node.name()))).toList();
    }

    public void recordChanged(List<String> paths) {
        changedFiles.addAll(paths);
    }

    public boolean anyChanged(List<String> paths) {
        return paths.stream().anyMatch(changedFiles::contains);
    }

    public Set<String> changedFiles() {
        return Set.copyOf(changedFiles);
    }
}
