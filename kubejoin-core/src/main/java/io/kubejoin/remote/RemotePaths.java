package io.kubejoin.remote;

import java.util.ArrayList;
import java.util.Collection;
import io.kubejoin.remote.script.PushScripts;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Destination path rules and the parsing of what the push scripts ({@link PushScripts}) print; shared by the SSH and local transports. */
final class RemotePaths {
    static final String TMP_SUFFIX = PushScripts.TMP_SUFFIX;
    static final String BAK_SUFFIX = PushScripts.BAK_SUFFIX;

    private RemotePaths() {
    }

    static void requireAbsolute(String path) {
        if (path == null || !path.startsWith("/") || path.endsWith("/") || path.contains("\n") || path.contains("\0")
                || path.contains("/../") || path.endsWith("/..") || path.contains("/./") || path.contains("//")) {
            throw new IllegalArgumentException("not an absolute, normalized file path: " + path);
        }
    }

    static String parent(String path) {
        return PushScripts.parent(path);
    }

    static String name(String path) {
        return PushScripts.name(path);
    }

    /** The temp name beside the destination: same folder, so the final rename is atomic. */
    static String tmp(String path) {
        return PushScripts.tmp(path);
    }

    static String bak(String path) {
        return PushScripts.bak(path);
    }

    static void requireDistinct(List<RemoteFile> files) throws TransportException {
        Set<String> seen = new LinkedHashSet<>();
        for (RemoteFile f : files) {
            if (!seen.add(f.path())) {
                throw new TransportException(TransportException.Kind.INVALID_REQUEST, "push",
                        "the same destination appears twice: " + f.path());
            }
        }
    }

    /** What the node has at a destination path, as the survey command reports it. */
    record RemoteState(String sha256, int mode, int uid) {
    }

    /** The survey ({@link PushScripts#survey}), read-only. */
    static String surveyCommand(Collection<String> paths, Collection<String> dirs) {
        return PushScripts.survey(paths, dirs, false);
    }

    static String surveyCommand(Collection<String> paths, Collection<String> dirs, boolean createMissing) {
        return PushScripts.survey(paths, dirs, createMissing);
    }

    /** @param sizeFirst paths hashed only at this size (release binaries): "S size path" otherwise */
    static String surveyCommand(Collection<String> paths, Collection<String> dirs, boolean createMissing,
                                Map<String, Long> sizeFirst) {
        return PushScripts.survey(paths, dirs, createMissing, sizeFirst);
    }

    /** @param failedDirs folders the survey was to create and could not */
    record Survey(Map<String, RemoteState> files, Set<String> missingDirs, Set<String> failedDirs) {
    }

    static Survey parseSurvey(String stdout, Collection<String> paths) {
        Set<String> wanted = Set.copyOf(paths);
        Map<String, String> hashes = parseSha256SizeFirst(stdout, wanted);
        Map<String, int[]> stats = new HashMap<>();
        Set<String> missing = new LinkedHashSet<>();
        Set<String> failed = new LinkedHashSet<>();
        for (String line : stdout.split("\n")) {
            if (line.startsWith("M ")) {
                String[] parts = line.split(" ", 4);
                if (parts.length == 4 && wanted.contains(parts[3])) {
                    try {
                        stats.put(parts[3], new int[] {Integer.parseInt(parts[1], 8), Integer.parseInt(parts[2])});
                    } catch (NumberFormatException ignored) {
                        // not a line of ours: a path is matched exactly, so this cannot hide a real file
                    }
                }
            } else if (line.startsWith("D /")) {
                missing.add(line.substring(2));
            } else if (line.startsWith("F /")) {
                failed.add(line.substring(2));
            }
        }
        Map<String, RemoteState> files = new HashMap<>();
        hashes.forEach((path, hash) -> {
            int[] st = stats.get(path);
            files.put(path, new RemoteState(hash, st == null ? -1 : st[0], st == null ? -1 : st[1]));
        });
        return new Survey(files, missing, failed);
    }

    /** Lines "<64 hex>  <path>" of sha256sum; escaped names (leading backslash) cannot be ours and are skipped. */
    static Map<String, String> parseSha256(String stdout, Set<String> wanted) {
        Map<String, String> out = new HashMap<>();
        for (String line : stdout.split("\n")) {
            if (line.length() > 66 && line.charAt(64) == ' ' && (line.charAt(65) == ' ' || line.charAt(65) == '*')) {
                String hash = line.substring(0, 64);
                String path = line.substring(66);
                if (hash.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
                        && wanted.contains(path)) {
                    out.put(path, hash);
                }
            }
        }
        return out;
    }

    /**
     * {@link PushScripts#sha256SizeFirst}'s output: sha256sum's lines, and "S size path" for a file of another size,
     * given as "size N" (never a sha256, so never equal to one).
     */
    static Map<String, String> parseSha256SizeFirst(String stdout, Set<String> wanted) {
        Map<String, String> out = parseSha256(stdout, wanted);
        for (String line : stdout.split("\n")) {
            if (!line.startsWith(PushScripts.SIZE_PREFIX)) continue;
            int space = line.indexOf(' ', PushScripts.SIZE_PREFIX.length());
            if (space < 0) continue;
            String size = line.substring(PushScripts.SIZE_PREFIX.length(), space);
            String path = line.substring(space + 1);
            if (!size.isEmpty() && size.chars().allMatch(Character::isDigit) && wanted.contains(path)) {
                out.put(path, Transport.SIZE_DIFFERS + size);
            }
        }
        return out;
    }

    static String readCommand(String path) {
        return PushScripts.read(path);
    }

    static java.util.Optional<String> parseRead(ExecResult r, String path, String target) throws TransportException {
        if (r.exitCode() == 3) return java.util.Optional.empty();
        if (!r.ok()) {
            throw new TransportException(TransportException.Kind.REMOTE_FAILURE, target,
                    "cannot read " + path + ": " + r.summary());
        }
        return java.util.Optional.of(r.stdout());
    }

    /** Folders to create for {@code files}, without duplicates. */
    static List<String> parents(Collection<RemoteFile> files) {
        Set<String> dirs = new LinkedHashSet<>();
        for (RemoteFile f : files) dirs.add(parent(f.path()));
        return new ArrayList<>(dirs);
    }

    static String inlinePushCommand(List<RemoteFile> files) {
        return PushScripts.inlinePush(files.stream().map(RemotePaths::script).toList());
    }

    static String finishCommand(List<RemoteFile> changed, List<RemoteFile> modeOnly) {
        return finishCommand(changed, List.of(), modeOnly);
    }

    /** {@link PushScripts#finish}: {@code inline} a subset of {@code changed} by identity, kept so in the translation. */
    static String finishCommand(List<RemoteFile> changed, List<RemoteFile> inline, List<RemoteFile> modeOnly) {
        Map<RemoteFile, PushScripts.File> same = new IdentityHashMap<>();
        java.util.function.Function<RemoteFile, PushScripts.File> of = f -> same.computeIfAbsent(f, RemotePaths::script);
        return PushScripts.finish(changed.stream().map(of).toList(), inline.stream().map(of).toList(),
                modeOnly.stream().map(of).toList());
    }

    private static PushScripts.File script(RemoteFile f) {
        return new PushScripts.File(f.path(), f.mode(), f.sha256(), Math.toIntExact(f.size()));
    }
}
