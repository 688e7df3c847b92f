package io.kubejoin.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.util.AesHardware;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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
        for (String c : List.of("demo", "sandbox", "status", "plan", "")) {
            assertThat(JvmFlags.forCommand(c, tmp)).containsExactly("-XX:TieredStopAtLevel=1");
        }
        assertThat(JvmFlags.forCommand("render", tmp)).startsWith("-XX:TieredStopAtLevel=1");
    }

    /**
     * Render, join and upgrade run in a fixed heap under the serial collector, so their memory does not follow the
     * machine's size or grow with the fleet; the sandbox (and the rest) keep the JVM's default heap, which the
     * benchmarks set themselves.
     */
    @Test
    void renderJoinAndUpgradeHaveAFixedHeapTheRestNone() {
        for (String c : List.of("render", "join", "upgrade")) {
            List<String> f = JvmFlags.forCommand(c, tmp);
            assertThat(f).as(c).contains("-XX:+UseSerialGC").filteredOn(x -> x.startsWith("-Xmx")).hasSize(1);
        }
        for (String c : List.of("demo", "sandbox", "status", "plan", "")) {
            assertThat(JvmFlags.forCommand(c, tmp)).as(c).noneMatch(x -> x.startsWith("-Xmx") || x.startsWith("-XX:+Use"));
        }
    }

    /**
     * The join's JIT policy in a real JVM (-Xbatch: each compile finishes before the code goes on, so the tiers seen do
     * not depend on timing): the small JDK methods that call the AES, counter-mode, GHASH and SHA-2 intrinsics reach C2
     * (tier 4), and C2 puts the intrinsics in them (-XX:+PrintIntrinsics); every other method, the JDK's GCM wrappers
     * included, is compiled once, by C1 without profiling (tier 1): no C1-with-full-profiling (tier 3) compile at all,
     * which, with C2 refused by the directives, would run slower code and then be compiled a second time.
     */
    @Test
    void underTheJoinFlagsCryptoReachesC2AndOrdinaryCodeGoesStraightToC1() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        JitRun run = jitRun(java);
        Map<String, List<Integer>> tiers = run.tiers();
        String out = run.out();
        assertThePolicy(tiers, java);
        // the callers of the intrinsics at tier 4: an intrinsic method as a compile's root gets its Java body
        for (String caller : List.of("com.sun.crypto.provider.CounterMode::crypt", "com.sun.crypto.provider.GHASH::update",
                "sun.security.provider.DigestBase::implCompressMultiBlock")) {
            assertThat(tiers.get(caller)).as(caller).contains(4);
        }
        // the GCM wrapper around them stays C1
        assertThat(tiers.get("com.sun.crypto.provider.GaloisCounterMode$GCMEncrypt::doFinal")).containsOnly(1);
        if (AesHardware.inThisJvm()) {
            // a line: @ 28   com.sun.crypto.provider.CounterMode::implCrypt (88 bytes)   (intrinsic)
            for (String intrinsic : List.of("CounterMode::implCrypt", "GHASH::processBlocks",
                    "DigestBase::implCompressMultiBlock0")) {
                assertThat(out).as(intrinsic).containsPattern(Pattern.quote(intrinsic) + " \\(\\d+ bytes\\)\\s+\\(intrinsic");
            }
        }
    }

    /**
     * The same flags on a newer JDK, where one exists beside the JDK 17 the tests run on (this machine kind's second
     * JDK, Temurin's): from JDK 18 AES-GCM goes through GaloisCounterMode.implGCMCrypt, which calls a combined
     * AES + GHASH intrinsic (AVX-512 VAES): the directives give that caller C2 too, and nothing else beyond their
     * list, with still no tier-3 compile. Without such a JDK there is nothing to check.
     */
    @Test
    void onANewerJdkTheCombinedAesGcmPathReachesC2Too() throws Exception {
        Path newer = newerJdk();
        org.junit.jupiter.api.Assumptions.assumeTrue(newer != null, "no JDK 18 or later under /usr/lib/jvm");
        JitRun run = jitRun(newer.toString());
        Map<String, List<Integer>> tiers = run.tiers();
        assertThePolicy(tiers, newer.toString());
        assertThat(tiers.get("com.sun.crypto.provider.GaloisCounterMode::implGCMCrypt")).as(newer.toString()).contains(4);
        if (cpuHas("vaes", "vpclmulqdq", "avx512vl", "avx512bw", "avx512dq")) {
            // a line: @ 134   com.sun.crypto.provider.GaloisCounterMode::implGCMCrypt0 (136 bytes)   inline (hot)
            //   (intrinsic, predicate)   (intrinsic): used for inputs long enough, the Java body for the rest
            assertThat(run.out()).containsPattern(Pattern.quote("GaloisCounterMode::implGCMCrypt0")
                    + " \\(\\d+ bytes\\)[^\\n]*\\(intrinsic\\)");
        }
    }

    /**
     * What the join's flags promise on any JDK: ordinary code compiled once, at tier 1; no tier-3 compile; tier 4 only
     * for the methods the directives name.
     */
    private static void assertThePolicy(Map<String, List<Integer>> tiers, String java) throws Exception {
        assertThat(tiers.get(JitProbe.class.getName() + "::ordinaryWork")).as(java).containsExactly(1);
        assertThat(tiers.values()).as("no tier-3 compile").noneMatch(t -> t.contains(3));
        Set<String> named = c2Set();
        assertThat(tiers).as("only the directives' methods at tier 4").allSatisfy((method, t) -> {
            if (t.contains(4)) assertThat(named).contains(method);
        });
    }

    /** The newest JDK of feature release 18 or later under /usr/lib/jvm (its bin/java), or null. */
    private static Path newerJdk() throws Exception {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) return null;
        Path best = null;
        int bestFeature = 17;
        try (Stream<Path> s = Files.list(jvms)) {
            for (Path home : s.sorted().toList()) {
                Path release = home.resolve("release");
                Path java = home.resolve("bin/java");
                if (!Files.isRegularFile(release) || !Files.isExecutable(java)) continue;
                Matcher m = Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)").matcher(Files.readString(release));
                if (m.find() && Integer.parseInt(m.group(1)) > bestFeature) {
                    bestFeature = Integer.parseInt(m.group(1));
                    best = java;
                }
            }
        }
        return best;
    }

    private static boolean cpuHas(String... flags) throws Exception {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) return false;
        String text = Files.readString(cpuinfo);
        Matcher m = Pattern.compile("(?m)^flags\\s*:(.*)$").matcher(text);
        if (!m.find()) return false;
        Set<String> have = Set.of(m.group(1).trim().split("\\s+"));
        return Stream.of(flags).allMatch(have::contains);
    }

    /** What a run of {@link JitProbe} under the join's flags compiled, at which tiers, and what it printed. */
    private record JitRun(Map<String, List<Integer>> tiers, String out) {
    }

    private JitRun jitRun(String java) throws Exception {
        Path log = Files.createTempFile(tmp, "jit", ".log");
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(JvmFlags.forCommand("join", tmp.resolve("jvm")));
        cmd.addAll(List.of("-Xbatch", "-Xlog:jit+compilation=debug:file=" + log, "-XX:+DisplayVMOutput",
                "-XX:+PrintIntrinsics", "-cp",
                System.getProperty("java.class.path"), JitProbe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        // a line: [uptime][debug][jit,compilation]   id  flags  tier  class::method (size)
        Map<String, List<Integer>> tiers = new HashMap<>();
        for (String line : Files.readAllLines(log)) {
            Matcher m = Pattern.compile("\\s([0-4])\\s+(\\S+::\\S+)").matcher(line);
            if (!m.find() || line.contains("made not entrant")) continue;
            tiers.computeIfAbsent(m.group(2), k -> new ArrayList<>()).add(Integer.parseInt(m.group(1)));
        }
        return new JitRun(tiers, out);
    }

    /** The methods c2-crypto.json leaves to C2, as the compile log names them (class::method). */
    private static Set<String> c2Set() throws Exception {
        try (InputStream in = JvmFlags.class.getResourceAsStream(JvmFlags.FOLDER + "c2-crypto.json")) {
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Set<String> names = new HashSet<>();
            Matcher m = Pattern.compile("\"([\\w/$]+)\\.(\\w+)\"").matcher(json.substring(0, json.indexOf("Exclude: false")));
            while (m.find()) names.add(m.group(1).replace('/', '.') + "::" + m.group(2));
            return names;
        }
    }

    @Test
    void theDirectivesFileIsWrittenWhereTheFlagsNameIt() throws Exception {
        JvmFlags.forCommand("join", tmp.resolve("jvm"));
        try (InputStream in = JvmFlags.class.getResourceAsStream(JvmFlags.FOLDER + "c2-crypto.json")) {
            assertThat(Files.readString(tmp.resolve("jvm/c2-crypto.json"))).isEqualTo(new String(in.readAllBytes(),
                    StandardCharsets.UTF_8)).contains("com/sun/crypto/provider/CounterMode.crypt");
        }
    }

    @Test
    void theFirstLineNamingTheCommandWins() {
        String table = "# comment\n\njoin,upgrade -A -B\n* -C\nrender -D\n";
        assertThat(JvmFlags.select(table, "upgrade")).containsExactly("-A", "-B");
        assertThat(JvmFlags.select(table, "render")).containsExactly("-C");
        assertThat(JvmFlags.select("render -D\n", "join")).isEmpty();
    }

    /** The launcher reads the same table: run it with a java that prints its arguments (class-data sharing off). */
    @Test
    void theLauncherPassesTheSameFlags() throws Exception {
        Path root = checkout();
        Path jvmDir = root.resolve("kubejoin-cli/src/main/resources/io/kubejoin/cli/jvm");
        Path jar = root.resolve("kubejoin-cli/target/kubejoin.jar");
        Path bin = fakeJava();
        for (String command : List.of("join", "upgrade", "render", "demo")) {
            List<String> expected = new ArrayList<>(JvmFlags.forCommand(command, jvmDir));
            expected.addAll(List.of("-jar", jar.toString(), "--plain", command, "-f", "x.yaml"));
            assertThat(run(root, bin, Map.of("KUBEJOIN_CDS", "off"), "--plain", command, "-f", "x.yaml").out())
                    .as(command).isEqualTo(expected);
        }
    }

    /** A checkout with the launcher, its flag table and an (empty, up-to-date) jar. */
    private Path checkout() throws Exception {
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
        return root;
    }

    /**
     * A java that prints its arguments, writes "archive PID" into the file -XX:ArchiveClassesAtExit names (as the JVM
     * does at its exit), sleeps $FAKE_SLEEP seconds and exits with $FAKE_RC.
     */
    private Path fakeJava() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path fakeJava = bin.resolve("java");
        Files.writeString(fakeJava, """
                #!/bin/sh
                for a in "$@"; do echo "$a"; done
                sleep "${FAKE_SLEEP:-0}"
                for a in "$@"; do case "$a" in -XX:ArchiveClassesAtExit=*) echo "archive $$" > "${a#*=}" ;; esac; done
                exit "${FAKE_RC:-0}"
                """);
        Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }

    private record Run(int exit, List<String> out) {
        String flag(String prefix) {
            return out.stream().filter(a -> a.startsWith(prefix)).map(a -> a.substring(prefix.length())).findFirst()
                    .orElse(null);
        }
    }

    private static Run run(Path root, Path bin, Map<String, String> env, String... args) throws Exception {
        Process p = start(root, bin, env, args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out.lines().toList());
    }

    private static Process start(Path root, Path bin, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("kubejoin").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().remove("KUBEJOIN_JAVA_OPTS");
        pb.environment().remove("KUBEJOIN_CDS");
        pb.environment().remove("JAVA_HOME");
        pb.environment().putAll(env);
        return pb.start();
    }

    private static List<String> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * JAVA_HOME's java when it has one (as mvn, which builds the jar, chooses), else the java on PATH; each JVM keeps
     * its own class archive of a command, so switching JAVA_HOME back and forth does not dump them again and again.
     */
    @Test
    void theLauncherRunsJavaHomesJavaWhenThereIsOne() throws Exception {
        Path root = checkout();
        Path bin = fakeJava();
        Path cds = root.resolve("kubejoin-cli/target/cds");
        Path home = tmp.resolve("jdk");
        Path homeJava = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(homeJava, "#!/bin/sh\necho from-java-home\n"
                + Files.readString(bin.resolve("java")).replaceFirst("^#!/bin/sh\n", ""));
        Files.setPosixFilePermissions(homeJava, PosixFilePermissions.fromString("rwxr-xr-x"));

        Run plain = run(root, bin, Map.of(), "--plain", "render", "-f", "x.yaml");
        assertThat(plain.out()).doesNotContain("from-java-home").contains("-jar", "render");
        Run withHome = run(root, bin, Map.of("JAVA_HOME", home.toString()), "--plain", "render", "-f", "x.yaml");
        assertThat(withHome.out()).first().isEqualTo("from-java-home");
        assertThat(withHome.flag("-XX:ArchiveClassesAtExit=")).as("its own archive, not PATH java's").isNotNull();
        assertThat(files(cds)).filteredOn(f -> f.startsWith("render.")).hasSize(2);
        // back to PATH's java: its archive is still there and mapped
        Run again = run(root, bin, Map.of(), "--plain", "render", "-f", "x.yaml");
        assertThat(again.flag("-XX:SharedArchiveFile=")).isNotNull();
        assertThat(ClassArchive.of("render", root.resolve("kubejoin-cli/target/kubejoin.jar").toString(),
                bin.resolve("java")).orElseThrow().file().toString()).isEqualTo(again.flag("-XX:SharedArchiveFile="));
        // a JAVA_HOME without a java: PATH's
        Run noJava = run(root, bin, Map.of("JAVA_HOME", tmp.resolve("no-jdk").toString()), "--plain", "render", "-f", "x.yaml");
        assertThat(noJava.out()).doesNotContain("from-java-home").contains("-jar", "render");
    }

    /**
     * Class-data sharing: the first run of a command that exits 0 leaves its archive (written under a temp name, then
     * renamed); later runs of that command map it; a failed run leaves none; each command has its own; a changed jar
     * gets a new one and the old one goes.
     */
    @Test
    void theLauncherKeepsAClassArchivePerCommandFromItsFirstGoodRun() throws Exception {
        Path root = checkout();
        Path bin = fakeJava();
        Path cds = root.resolve("kubejoin-cli/target/cds");
        Run first = run(root, bin, Map.of(), "render", "-f", "x.yaml");
        assertThat(first.exit()).isZero();
        String dumped = first.flag("-XX:ArchiveClassesAtExit=");
        assertThat(dumped).startsWith(cds + "/.render.").endsWith(".tmp");
        assertThat(first.flag("-XX:SharedArchiveFile=")).isNull();
        assertThat(first.out()).contains("-Xlog:cds=off,cds+dynamic=off"); // its notes would reach stdout
        assertThat(files(cds)).hasSize(1).allMatch(f -> f.startsWith("render.") && f.endsWith(".jsa"));
        Path archive = cds.resolve(files(cds).get(0));
        assertThat(Files.readString(archive)).startsWith("archive ");

        Run second = run(root, bin, Map.of(), "render", "-f", "x.yaml");
        assertThat(second.flag("-XX:SharedArchiveFile=")).isEqualTo(archive.toString());
        assertThat(second.flag("-XX:ArchiveClassesAtExit=")).isNull();

        // another command: its own archive; a failed run: its exit code, no archive, no temp file left
        Run failed = run(root, bin, Map.of("FAKE_RC", "2"), "join", "-f", "x.yaml");
        assertThat(failed.exit()).isEqualTo(2);
        assertThat(failed.flag("-XX:ArchiveClassesAtExit=")).isNotNull();
        assertThat(files(cds)).containsExactly(archive.getFileName().toString());
        assertThat(run(root, bin, Map.of(), "join", "-f", "x.yaml").flag("-XX:ArchiveClassesAtExit=")).isNotNull();
        assertThat(files(cds)).hasSize(2).anyMatch(f -> f.startsWith("join."));

        // a rebuilt jar: a new archive replaces the old one
        Path jar = root.resolve("kubejoin-cli/target/kubejoin.jar");
        Files.writeString(jar, "rebuilt");
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(7200)));
        Run rebuilt = run(root, bin, Map.of(), "render", "-f", "x.yaml");
        assertThat(rebuilt.flag("-XX:SharedArchiveFile=")).isNull();
        assertThat(rebuilt.flag("-XX:ArchiveClassesAtExit=")).isNotNull();
        assertThat(files(cds)).hasSize(2).doesNotContain(archive.getFileName().toString())
                .anyMatch(f -> f.startsWith("render.")).noneMatch(f -> f.endsWith(".tmp"));
    }

    /**
     * The benchmarks' join processes use the launcher's archive: the same file the launcher made for join (folder, name
     * from the jar's and the JVM's size and mtime), the same flags; and one kept the benchmark's way is found by the
     * launcher.
     */
    @Test
    void theBenchmarksFindTheLaunchersArchiveAndTheLauncherTheirs() throws Exception {
        Path root = checkout();
        Path bin = fakeJava();
        Path jar = root.resolve("kubejoin-cli/target/kubejoin.jar");
        Path cds = root.resolve("kubejoin-cli/target/cds");
        assertThat(run(root, bin, Map.of(), "join", "-f", "x.yaml").exit()).isZero();
        ClassArchive a = ClassArchive.of("join", jar.toString(), bin.resolve("java")).orElseThrow();
        assertThat(files(cds)).containsExactly(a.file().getFileName().toString());
        assertThat(a.exists()).isTrue();
        Run second = run(root, bin, Map.of(), "join", "-f", "x.yaml");
        assertThat(second.out()).containsSubsequence(a.useFlags());
        assertThat(ClassArchive.of("join", jar + ":" + root, bin.resolve("java"))).as("not one jar").isEmpty();

        // the benchmark's own dump (a rebuilt jar): kept under the launcher's name, the older archive gone
        Files.writeString(jar, "rebuilt");
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(7200)));
        ClassArchive rebuilt = ClassArchive.of("join", jar.toString(), bin.resolve("java")).orElseThrow();
        assertThat(rebuilt.exists()).isFalse();
        Path tmpDump = rebuilt.dumpTarget();
        Files.writeString(tmpDump, "archive");
        Path otherJvms = cds.resolve("join.1.2.3.4.jsa"); // another JVM's archive (JAVA_HOME), of some jar
        Files.writeString(otherJvms, "archive");
        rebuilt.keep(tmpDump);
        assertThat(files(cds)).containsExactlyInAnyOrder(rebuilt.file().getFileName().toString(), "join.1.2.3.4.jsa");
        Run third = run(root, bin, Map.of(), "join", "-f", "x.yaml");
        assertThat(third.flag("-XX:SharedArchiveFile=")).isEqualTo(rebuilt.file().toString());
    }

    /** Two first runs at once each write their own temp file and rename a whole one into place. */
    @Test
    void racingFirstRunsLeaveOneWholeArchive() throws Exception {
        Path root = checkout();
        Path bin = fakeJava();
        Path cds = root.resolve("kubejoin-cli/target/cds");
        Process a = start(root, bin, Map.of("FAKE_SLEEP", "1"), "render");
        Process b = start(root, bin, Map.of("FAKE_SLEEP", "1"), "render");
        String outA = new String(a.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String outB = new String(b.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(a.waitFor(60, TimeUnit.SECONDS) && b.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(List.of(a.exitValue(), b.exitValue())).containsOnly(0);
        String tmpA = new Run(0, outA.lines().toList()).flag("-XX:ArchiveClassesAtExit=");
        String tmpB = new Run(0, outB.lines().toList()).flag("-XX:ArchiveClassesAtExit=");
        assertThat(tmpA).isNotNull().isNotEqualTo(tmpB);
        assertThat(files(cds)).hasSize(1).allMatch(f -> f.startsWith("render.") && f.endsWith(".jsa"));
        assertThat(Files.readString(cds.resolve(files(cds).get(0)))).matches("archive \\d+\n");
    }

    /** No usable folder for archives (here: a file in its place), or KUBEJOIN_CDS=off: a plain run. */
    @Test
    void withoutAnArchiveFolderOrWithCdsOffTheLauncherRunsPlain() throws Exception {
        Path root = checkout();
        Path bin = fakeJava();
        for (Map<String, String> env : List.of(Map.of("KUBEJOIN_CDS", "off"), Map.<String, String>of())) {
            if (env.isEmpty()) Files.writeString(root.resolve("kubejoin-cli/target/cds"), "not a folder");
            Run r = run(root, bin, env, "render", "-f", "x.yaml");
            assertThat(r.exit()).isZero();
            assertThat(r.out()).noneMatch(a -> a.contains("Archive") || a.contains("-Xlog:cds"))
                    .endsWith("render", "-f", "x.yaml");
        }
        assertThat(Files.isRegularFile(root.resolve("kubejoin-cli/target/cds"))).isTrue();
    }

    /** A command's --help loads little more than the option parser: no archive from it, none used for it. */
    @Test
    void aCommandsHelpNeitherMakesNorUsesAnArchive() throws Exception {
        Path root = checkout();
        Path bin = fakeJava();
        for (String help : List.of("--help", "-h", "--version")) {
            Run r = run(root, bin, Map.of(), "join", help);
            assertThat(r.exit()).isZero();
            assertThat(r.out()).noneMatch(a -> a.contains("Archive") || a.contains("-Xlog:cds"));
        }
        assertThat(Files.exists(root.resolve("kubejoin-cli/target/cds"))
                && !files(root.resolve("kubejoin-cli/target/cds")).isEmpty()).isFalse();
        assertThat(run(root, bin, Map.of(), "--version").flag("-XX:ArchiveClassesAtExit=")).isNotNull(); // no command
    }

    /**
     * With the real JVM: the launcher's first run dumps an archive that the second run loads the jar's classes from
     * (the class-loading log names the archive, "shared objects file (top)", as their source). No timing.
     */
    @Test
    void aRealJvmLoadsTheJarsClassesFromTheArchiveOnTheSecondRun() throws Exception {
        Path root = checkout();
        Path jar = root.resolve("kubejoin-cli/target/kubejoin.jar");
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, CdsProbe.class.getName());
        String entry = CdsProbe.class.getName().replace('.', '/') + ".class";
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), m);
             InputStream in = CdsProbe.class.getResourceAsStream("/" + entry)) {
            out.putNextEntry(new JarEntry(entry));
            out.write(in.readAllBytes());
        }
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(3600)));
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        Path log = tmp.resolve("class-load.log");
        Run first = run(root, java.getParent(), Map.of(), "render");
        assertThat(first.exit()).as(String.join("\n", first.out())).isZero();
        assertThat(first.out()).containsExactly(CdsProbe.GREETING); // nothing else on stdout
        assertThat(files(root.resolve("kubejoin-cli/target/cds"))).hasSize(1);
        Run second = run(root, java.getParent(), Map.of("KUBEJOIN_JAVA_OPTS", "-Xlog:class+load=info:file=" + log),
                "render");
        assertThat(second.out()).containsExactly(CdsProbe.GREETING);
        assertThat(Files.readAllLines(log)).anyMatch(l -> l.contains(CdsProbe.class.getName() + " source: shared objects file (top)"));
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
