package io.kubejoin.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JvmFlagsTest {
    @TempDir
    Path tmp;

    @Test
    void joinAndUpgradeGetC2ForTheCryptoOnlyEverythingElseC1Only() {
        for (String c : List.of("join", "upgrade")) {
            List<String> f = JvmFlags.forCommand(c, tmp);
            assertThat(f).contains("-XX:CompilerDirectivesFile=" + tmp.toAbsolutePath() + "/c2-crypto.json",
                    "-XX:-DisplayVMOutput").noneMatch(x -> x.startsWith("-XX:TieredStopAtLevel"));
        }
        for (String c : List.of("render", "demo", "sandbox", "status", "plan", "")) {
            assertThat(JvmFlags.forCommand(c, tmp)).containsExactly("-XX:TieredStopAtLevel=1");
        }
    }

    @Test
    void theDirectivesFileIsWrittenWhereTheFlagsNameIt() throws Exception {
        JvmFlags.forCommand("join", tmp.resolve("jvm"));
        try (InputStream in = JvmFlags.class.getResourceAsStream(JvmFlags.FOLDER + "c2-crypto.json")) {
            assertThat(Files.readString(tmp.resolve("jvm/c2-crypto.json"))).isEqualTo(new String(in.readAllBytes(),
                    StandardCharsets.UTF_8)).contains("com/sun/crypto/provider/*.*");
        }
    }

    @Test
    void theFirstLineNamingTheCommandWins() {
        String table = "# comment\n\njoin,upgrade -A -B\n* -C\nrender -D\n";
        assertThat(JvmFlags.select(table, "upgrade")).containsExactly("-A", "-B");
        assertThat(JvmFlags.select(table, "render")).containsExactly("-C");
        assertThat(JvmFlags.select("render -D\n", "join")).isEmpty();
    }

    /** The launcher reads the same table: run it with a java that prints its arguments. */
    @Test
    void theLauncherPassesTheSameFlags() throws Exception {
        Path root = tmp.resolve("checkout");
        Path jvmDir = Files.createDirectories(root.resolve("kubejoin-cli/src/main/resources/io/kubejoin/cli/jvm"));
        for (String name : List.of("flags", "c2-crypto.json")) {
            try (InputStream in = JvmFlags.class.getResourceAsStream(JvmFlags.FOLDER + name)) {
                Files.write(jvmDir.resolve(name), in.readAllBytes());
            }
        }
        Files.copy(Path.of("kubejoin"), root.resolve("kubejoin"));
        Files.writeString(root.resolve("pom.xml"), "");
        Path jar = Files.createDirectories(root.resolve("kubejoin-cli/target")).resolve("kubejoin.jar");
        Files.writeString(jar, "");
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(3600))); // newer: no build
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path fakeJava = bin.resolve("java");
        Files.writeString(fakeJava, "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n");
        Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String command : List.of("join", "upgrade", "render", "demo")) {
            List<String> expected = new ArrayList<>(JvmFlags.forCommand(command, jvmDir));
            expected.addAll(List.of("-jar", jar.toString(), "--plain", command, "-f", "x.yaml"));
            assertThat(run(root, bin, "--plain", command, "-f", "x.yaml")).as(command).isEqualTo(expected);
        }
    }

    private static List<String> run(Path root, Path bin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("kubejoin").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().remove("KUBEJOIN_JAVA_OPTS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().toList();
    }

    /** The directives' "N compiler directives added" must not reach stdout, where -o json output goes. */
    @Test
    void aJvmWithTheJoinFlagsPrintsOnlyKubejoinsOwnOutput() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(JvmFlags.forCommand("join", tmp));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.kubejoin.cli.Main", "--version"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(out).doesNotContain("directives").startsWith("kubejoin");
    }
}
