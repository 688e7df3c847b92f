package io.kubejoin.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Byte-for-byte comparison with golden files under a folder of a module's src/test/resources/golden/ (paths from the repository root, the tests' working directory).
 * {@code mvn test -Dkubejoin.updateGolden=true} rewrites them instead; read every rewritten file before committing.
 */
public final class Golden {
    private final Path root;

    public Golden(Path root) {
        this.root = root;
    }

    public static boolean updating() {
        return Boolean.getBoolean("kubejoin.updateGolden");
    }

    public void assertMatches(String relativePath, String actual) {
        Path file = root.resolve(relativePath);
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

    public String read(String relativePath) {
        try {
            return Files.readString(root.resolve(relativePath), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
