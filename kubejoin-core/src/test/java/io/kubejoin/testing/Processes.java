package io.kubejoin.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs real tools (openssl, kubectl) from tests. */
public final class Processes {
    private Processes() {
    }

    public record Result(int exitCode, String stdout, String stderr) {
    }

    public static Result run(List<String> command) {
        return run(command, java.time.Duration.ofSeconds(60));
    }

    public static Result run(List<String> command, java.time.Duration timeout) {
        try {
            Path out = Files.createTempFile("kubejoin-proc", ".out");
            Path err = Files.createTempFile("kubejoin-proc", ".err");
            try {
                Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("timed out: " + command);
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Checks a tool is on PATH; in CI (CI=true) its absence is a failure, elsewhere the test is skipped. */
    public static void requireTool(String tool) {
        boolean present = run(List.of("sh", "-c", "command -v " + tool)).exitCode() == 0;
        if ("true".equals(System.getenv("CI"))) {
            if (!present) throw new AssertionError(tool + " is not installed; .ci/run must install it");
        } else {
            Assumptions.assumeTrue(present, tool + " not installed");
        }
    }
}
