package io.kubejoin.remote.script;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The finishing push's check under a real /bin/sh with this machine's openssl and sha256sum, at real paths (the shim
 * node re-roots paths, so there openssl's output never matches and the check always goes on to sha256sum). A
 * sha256sum that always fails stands in for the real one: only openssl's check can then let the push through, so a
 * change in openssl's output format, or in the script's comparison, fails here instead of silently costing the node
 * sha256sum's slower hash. And with openssl off the PATH, sha256sum alone still decides.
 */
class FinishCheckUnderShTest {
    @TempDir
    Path dir;

    @Test
    void withABinaryTheNodesOpensslChecksAndSha256sumIsNotNeeded() throws Exception {
        assumeThat(onPath("openssl")).as("openssl on this machine").isTrue();
        Path failing = Files.createDirectories(dir.resolve("failing-bin"));
        shim(failing.resolve("sha256sum"), "echo 'sha256sum must not run' >&2; exit 1");
        Result r = finish(failing + ":" + System.getenv("PATH"));
        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.err).isEmpty();
        assertThat(Files.readAllBytes(dir.resolve("opt/bin/kubelet"))).isEqualTo(r.binary);
    }

    @Test
    void withoutOpensslSha256sumChecks() throws Exception {
        // a PATH of only the programs the script runs, openssl not among them
        Path bin = Files.createDirectories(dir.resolve("no-openssl-bin"));
        for (String p : List.of("sha256sum", "dd", "rm", "mv", "ln", "cp", "chmod", "mkdir", "stat", "grep")) {
            String real = which(p);
            assumeThat(real).as(p).isNotNull();
            Files.createSymbolicLink(bin.resolve(p), Path.of(real));
        }
        Result r = finish(bin.toString());
        assertThat(r.exit).as(r.err).isZero();
        assertThat(Files.readAllBytes(dir.resolve("opt/bin/kubelet"))).isEqualTo(r.binary);

        // and a file cut short is still named
        Result cut = finish(bin.toString(), 5000);
        assertThat(cut.exit).isEqualTo(1);
        assertThat(cut.err).contains(dir.resolve("opt/bin/kubelet") + ": not written in full");
    }

    record Result(int exit, String err, byte[] binary) {
    }

    private Result finish(String path) throws Exception {
        return finish(path, 0);
    }

    /** A config and a binary over dd's block through PushScripts.finish, {@code cut} bytes short on stdin. */
    private Result finish(String path, int cut) throws Exception {
        byte[] config = "a: 1\n".getBytes(StandardCharsets.UTF_8);
        byte[] binary = new byte[PushScripts.DD_BLOCK + 12_345];
        new Random(3).nextBytes(binary);
        Files.createDirectories(dir.resolve("etc"));
        Files.createDirectories(dir.resolve("opt/bin"));
        List<PushScripts.File> files = List.of(
                new PushScripts.File(dir.resolve("etc/config.yaml").toString(), 0644, sha256(config), config.length),
                new PushScripts.File(dir.resolve("opt/bin/kubelet").toString(), 0755, sha256(binary), binary.length));
        String script = PushScripts.finish(files, files, List.of());
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", script).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("PATH", path);
        Process p = pb.start();
        ByteArrayOutputStream stdin = new ByteArrayOutputStream();
        stdin.write(config);
        stdin.write(binary);
        byte[] in = stdin.toByteArray();
        try (OutputStream o = p.getOutputStream()) {
            o.write(in, 0, in.length - cut);
        } catch (IOException e) {
            // the script stopped reading: its exit status tells
        }
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), err, binary);
    }

    private static void shim(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        file.toFile().setExecutable(true);
    }

    private static boolean onPath(String program) {
        return which(program) != null;
    }

    private static String which(String program) {
        for (String d : System.getenv("PATH").split(":")) {
            Path p = Path.of(d, program);
            if (Files.isExecutable(p)) return p.toString();
        }
        return null;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
