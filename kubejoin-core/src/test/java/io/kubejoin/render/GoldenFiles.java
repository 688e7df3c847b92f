package io.kubejoin.render;

import io.kubejoin.testing.Golden;
import java.nio.file.Path;

/** Golden files of the version-boundary tests, under kubejoin-core/src/test/resources/golden/versions/. */
final class GoldenFiles {
    static final Path ROOT = Path.of("kubejoin-core/src/test/resources/golden/versions");
    private static final Golden GOLDEN = new Golden(ROOT);

    private GoldenFiles() {
    }

    static boolean updating() {
        return Golden.updating();
    }

    static void assertMatches(String relativePath, String actual) {
        GOLDEN.assertMatches(relativePath, actual);
    }

    static String read(String relativePath) {
        return GOLDEN.read(relativePath);
    }
}
