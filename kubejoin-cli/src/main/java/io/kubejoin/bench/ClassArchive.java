package io.kubejoin.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The class-data-sharing archive the {@code ./kubejoin} launcher keeps for a command, so a benchmark's kubejoin process
 * starts as a user's does: same folder ({@code cds} beside the jar), same name ({@code <command>.<jar size>.<jar
 * mtime>.<libjvm size>.<libjvm mtime>.jsa}), same flags; made the launcher's way (dumped at the exit of a run of that
 * command, under a temp name, kept only after exit 0).
 *
 * @param file the archive for this jar and JVM (it may not exist yet)
 */
record ClassArchive(Path file) {
    /** The launcher's flags that silence the JVM's CDS notes (they would reach stdout). */
    static final String QUIET = "-Xlog:cds=off,cds+dynamic=off";
    /** What a benchmark reports when {@link #of} finds no archive to use: the classes come from the jar. */
    static final String NONE = "none (classes from the jar: the classpath is not one jar, or KUBEJOIN_CDS=off)";

    /**
     * The archive of {@code command} for {@code classpath} run by {@code java}; empty when the classpath is not one jar
     * (a test run from classes folders), with {@code KUBEJOIN_CDS=off}, or when the folder cannot be made or written.
     */
    static Optional<ClassArchive> of(String command, String classpath, Path java) {
        if ("off".equals(System.getenv("KUBEJOIN_CDS")) || !command.matches("[a-z0-9-]+")) return Optional.empty();
        if (classpath.contains(File.pathSeparator) || !classpath.endsWith(".jar")) return Optional.empty();
        Path jar = Path.of(classpath).toAbsolutePath();
        try {
            if (!Files.isRegularFile(jar)) return Optional.empty();
            Path dir = Files.createDirectories(jar.getParent().resolve("cds"));
            if (!Files.isWritable(dir)) return Optional.empty();
            // as the launcher: libjvm.so of the JVM whose java this is, or the java itself when there is none
            Path bin = java.toRealPath();
            Path lib = bin.getParent().getParent().resolve("lib/server/libjvm.so");
            if (!Files.isRegularFile(lib)) lib = bin;
            return Optional.of(new ClassArchive(dir.resolve(command + "." + key(jar) + key(lib) + "jsa")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** stat -L -c '%s.%Y' and the launcher's separator: "size.mtime.". */
    private static String key(Path f) throws IOException {
        return Files.size(f) + "." + Files.getLastModifiedTime(f).to(TimeUnit.SECONDS) + ".";
    }

    boolean exists() {
        return Files.isRegularFile(file);
    }

    /** The flags that map this archive. */
    List<String> useFlags() {
        return List.of(QUIET, "-XX:SharedArchiveFile=" + file);
    }

    /** A temp name for the dump of a run (per process, as the launcher's {@code .<command>.<pid>.tmp}). */
    Path dumpTarget() {
        return file.resolveSibling("." + command() + "." + ProcessHandle.current().pid() + ".tmp");
    }

    /** The flags that dump the run's classes into {@code tmp} at its exit. */
    static List<String> dumpFlags(Path tmp) {
        return List.of(QUIET, "-XX:ArchiveClassesAtExit=" + tmp);
    }

    /** After a run that exited 0: this command's archives of older jars on this JVM go, {@code tmp} becomes the archive. */
    void keep(Path tmp) throws IOException {
        if (!Files.isRegularFile(tmp) || Files.size(tmp) == 0) {
            Files.deleteIfExists(tmp);
            return;
        }
        try (Stream<Path> s = Files.list(file.getParent())) {
            for (Path old : s.filter(p -> p.getFileName().toString().startsWith(command() + ".")
                    && p.getFileName().toString().endsWith(jvmSuffix()) && !p.equals(file)).toList()) {
                Files.deleteIfExists(old);
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** ".<libjvm size>.<libjvm mtime>.jsa": another JVM's archives (the launcher honours JAVA_HOME) stay. */
    private String jvmSuffix() {
        String[] parts = file.getFileName().toString().split("\\.");
        int n = parts.length;
        return n < 3 ? ".jsa" : "." + parts[n - 3] + "." + parts[n - 2] + ".jsa";
    }

    private String command() {
        String name = file.getFileName().toString();
        return name.substring(0, name.indexOf('.'));
    }
}
