package io.kubejoin.cli;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.util.Suggestions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** The NODE arguments of join, plan, status, doctor and reset: inventory nodes by name, as kubectl takes names. */
final class NodeSelection {
    private NodeSelection() {
    }

    /**
     * The named nodes in the order given (each once), or every node when none is named. A name the inventory does not
     * list is a usage error (exit 2) naming the file and the closest name.
     */
    static List<Node> select(CommandLine cli, Inventory inv, List<String> names, Path inventoryFile) {
        if (names == null || names.isEmpty()) return inv.nodes();
        List<String> known = inv.nodes().stream().map(Node::name).toList();
        List<Node> nodes = new ArrayList<>();
        for (String name : new LinkedHashSet<>(names)) {
            nodes.add(inv.node(name).orElseThrow(() -> new ParameterException(cli, "'" + name + "' is not a node of "
                    + inventoryFile + ": " + Suggestions.didYouMean(name, known, "its nodes are " + abbreviated(known)))));
        }
        return nodes;
    }

    /** The inventory restricted to the named nodes (itself when none is named). */
    static Inventory restrict(CommandLine cli, Inventory inv, List<String> names, Path inventoryFile) {
        return names == null || names.isEmpty() ? inv : inv.withNodes(select(cli, inv, names, inventoryFile));
    }

    private static String abbreviated(List<String> names) {
        return names.size() <= 5 ? String.join(", ", names) : String.join(", ", names.subList(0, 5)) + ", … (" + names.size() + ")";
    }
}
