package io.kubejoin.util;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A local path kubejoin refuses to write through: a symbolic link where kubejoin makes its own folders, or a folder
 * that holds secrets but belongs to another user. Bad input (exit 2): the message names the path and the fix.
 */
public final class UnsafePathException extends IOException {
    private final transient Path path;

    public UnsafePathException(Path path, String problem, String fix) {
        super(path + " " + problem + " — " + fix);
        this.path = path;
    }

    public Path path() {
        return path;
    }
}
