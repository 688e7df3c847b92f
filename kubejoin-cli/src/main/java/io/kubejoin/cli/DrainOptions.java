package io.kubejoin.cli;

import io.kubejoin.cluster.NodeDrainer;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The drain options remove and upgrade share. --drain-timeout and --force stay on each command: their help says what
 * each means there (upgrade's timeout also covers the replacements; remove's --force also covers an unreachable node).
 */
public class DrainOptions {
    @Option(names = "--delete-emptydir-data", description = "Evict pods with emptyDir volumes too (their data is lost).")
    boolean deleteEmptyDirData;

    /** NodeDrainer's options for this command line, with the command's own timeout and force. */
    NodeDrainer.Options drainer(Duration timeout, boolean force) {
        return NodeDrainer.Options.defaults().withDeleteEmptyDirData(deleteEmptyDirData).withForce(force).withTimeout(timeout);
    }
}
