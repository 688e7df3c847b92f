package io.kubejoin.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes an inventory (with placeholder CA files beside it) into a folder and loads it. */
final class InventoryFiles {
    /** Lines 1-6 of a valid inventory; tests append to it or write their own. */
    static final String VALID = """
            kubernetesVersion: "1.32.4"
            apiServer: https://192.168.0.107:6443
            pki: { caCert: ca.pem, caKey: ca-key.pem }
            nodes:
              - name: slave
                address: 192.168.0.114
            """;

    private InventoryFiles() {
    }

    static Path write(Path dir, String yaml) {
        try {
            Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\nplaceholder\n");
            Files.writeString(dir.resolve("ca-key.pem"), "-----BEGIN RSA PRIVATE KEY-----\nplaceholder\n");
            Path file = dir.resolve("inventory.yaml");
            Files.writeString(file, yaml);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The problems loading yaml reports; fails the test when it loads cleanly. */
    static List<Problem> problems(Path dir, String yaml) {
        Path file = write(dir, yaml);
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> InventoryLoader.load(file));
        assertThat(e).as("expected the inventory to be refused").isNotNull();
        assertThat(e.problems()).allSatisfy(p -> assertThat(p.file()).isEqualTo(file));
        return e.problems();
    }

    /** The single problem at fieldPath; asserts its line and that message and fix mention the given gists. */
    static Problem problemAt(List<Problem> problems, String fieldPath, int line, String messageGist, String fixGist) {
        List<Problem> at = problems.stream().filter(p -> fieldPath.equals(p.fieldPath())).toList();
        assertThat(at).as("problems at %s among %s", fieldPath, problems).hasSize(1);
        Problem p = at.get(0);
        assertThat(p.line()).as("line of %s", p).isEqualTo(line);
        assertThat(p.message()).contains(messageGist);
        assertThat(p.fix()).contains(fixGist);
        return p;
    }
}
