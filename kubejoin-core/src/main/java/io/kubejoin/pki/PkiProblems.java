package io.kubejoin.pki;

import io.kubejoin.inventory.InvalidInputException;
import io.kubejoin.inventory.Problem;
import java.nio.file.Path;

/** Builds the {@link InvalidInputException}s this package throws: one file, line unknown, the caller's field. */
final class PkiProblems {
    private PkiProblems() {
    }

    static InvalidInputException invalid(Path file, String field, String message, String fix) {
        return new InvalidInputException(new Problem(file, 0, field, message, fix));
    }
}
