package io.kubejoin.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The JVM flags a kubejoin command runs with, from {@code io/kubejoin/cli/jvm/flags}: the file the {@code ./kubejoin}
 * launcher reads too, so the benchmarks start their kubejoin processes exactly as a user's launcher would.
 */
public final class JvmFlags {
    static final String FOLDER = "/io/kubejoin/cli/jvm/";
    /** The files the flags may name by {@code {dir}/NAME}. */
    static final List<String> FILES = List.of("c2-crypto.json");

    private JvmFlags() {
    }

    /**
     * The flags for {@code command} (its first word: "join", "render"), the files they name written into
     * {@code scratch} (created) and named there.
     */
    public static List<String> forCommand(String command, Path scratch) {
        try {
            String table = resource("flags");
            List<String> flags = select(table, command);
            if (flags.stream().anyMatch(f -> f.contains("{dir}"))) {
                Path dir = Files.createDirectories(scratch.toAbsolutePath());
                for (String name : FILES) Files.writeString(dir.resolve(name), resource(name));
                flags = flags.stream().map(f -> f.replace("{dir}", dir.toString())).toList();
            }
            return flags;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The flags of the first line of {@code table} that names {@code command} (or is {@code *}). */
    static List<String> select(String table, String command) {
        for (String line : table.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            String[] words = l.split("\\s+");
            if (words[0].equals("*") || Arrays.asList(words[0].split(",")).contains(command)) {
                return new ArrayList<>(Arrays.asList(words).subList(1, words.length));
            }
        }
        return List.of();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = JvmFlags.class.getResourceAsStream(FOLDER + name)) {
            if (in == null) throw new IOException("missing resource " + FOLDER + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
