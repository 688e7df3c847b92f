package io.kubejoin.inventory;

import java.nio.file.Path;

/** How kubejoin reaches a node; cluster-wide, each field overridable per node. */
public record Ssh(String user, int port, Path identityFile, Path knownHosts) {
}
