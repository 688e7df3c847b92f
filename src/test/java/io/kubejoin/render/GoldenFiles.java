package io.kubejoin.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Byte-for-byte comparison with files under src/test/resources/golden/versions/.
 * {@code mvn test -Dkubejoin.updateGolden=true} rewrites them instead; read every rewritten file before committing.
 */
final class GoldenFiles {
    static final Path ROOT = Path.of("src/test/resources/golden/versions");

    private GoldenFiles() {
    }

    static boolean updating() {
        return Boolean.getBoolean("kubejoin.updateGolden");
    }

    static void assertMatches(String relativePath, String actual) {
        Path file = ROOT.resolve(relativePath);
        try {
            if (updating()) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, actual, StandardCharsets.UTF_8);
                return;
            }
            assertThat(file).as("golden file %s (regenerate with -Dkubejoin.updateGolden=true)", file).exists();
            assertThat(actual).as("rendered %s", relativePath)
                    .isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(String relativePath) {
        try {
            return Files.readString(ROOT.resolve(relativePath), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
