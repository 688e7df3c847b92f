package io.kubejoin.version;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Problem;
import java.util.List;

/**
 * Checks an inventory's kubelet/kube-proxy overrides against {@link VersionRules} for its target version:
 * unknown or not-yet-existing config fields, flags removed in that release, modes the release lacks.
 */
public final class VersionChecks {
    private VersionChecks() {
    }

    public static List<Problem> check(Inventory inventory) {
        return List.of(); // filled in with the version rules table
    }
}
