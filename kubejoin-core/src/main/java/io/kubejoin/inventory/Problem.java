package io.kubejoin.inventory;

import java.nio.file.Path;

/**
 * One thing wrong with the user's input, printed as
 * {@code inventory.yaml:12: nodes[1].address: 127.0.0.1 is a loopback address — use the node's LAN address}.
 *
 * @param file      the file at fault (the inventory, or a file it names)
 * @param line      1-based line, 0 when unknown
 * @param fieldPath the YAML field path, e.g. nodes[1].address
 * @param message   what is wrong
 * @param fix       what to do about it
 */
public record Problem(Path file, int line, String fieldPath, String message, String fix) {
    public String format() {
        StringBuilder sb = new StringBuilder();
        sb.append(file == null ? "<input>" : file.toString());
        if (line > 0) sb.append(':').append(line);
        sb.append(": ");
        if (fieldPath != null && !fieldPath.isEmpty()) sb.append(fieldPath).append(": ");
        sb.append(message);
        if (fix != null && !fix.isEmpty()) sb.append(" — ").append(fix);
        return sb.toString();
    }

    @Override
    public String toString() {
        return format();
    }
}
