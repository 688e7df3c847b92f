package io.kubejoin.remote;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Destination path rules and the shell text kubejoin sends; shared by the SSH and local transports. */
final class RemotePaths {
    static final String TMP_SUFFIX = ".kubejoin-tmp";
    static final String BAK_SUFFIX = ".kubejoin-bak";

    private RemotePaths() {
    }

    static void requireAbsolute(String path) {
        if (path == null || !path.startsWith("/") || path.endsWith("/") || path.contains("\n") || path.contains("\0")
                || path.contains("/../") || path.endsWith("/..") || path.contains("/./") || path.contains("//")) {
            throw new IllegalArgumentException("not an absolute, normalized file path: " + path);
        }
    }

    static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i == 0 ? "/" : path.substring(0, i);
    }

    static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** The temp name beside the destination: same folder, so the final rename is atomic. */
    static String tmp(String path) {
        String dir = parent(path);
        return (dir.equals("/") ? "" : dir) + "/." + name(path) + TMP_SUFFIX;
    }

    static String bak(String path) {
        return path + BAK_SUFFIX;
    }

    /** POSIX sh single quoting: safe for any byte string without NUL. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    static String quoteAll(Collection<String> args) {
        StringBuilder sb = new StringBuilder();
        for (String a : args) {
            if (!sb.isEmpty()) sb.append(' ');
            sb.append(quote(a));
        }
        return sb.toString();
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

    /**
     * One read-only command: content hashes, mode and owner of every destination, and which of the given folders
     * are missing. GNU coreutils (sha256sum, stat -c) as on every systemd distribution kubelet runs on.
     */
    static String surveyCommand(Collection<String> paths, Collection<String> dirs) {
        return surveyCommand(paths, dirs, false);
    }

    /**
     * @param createMissing also create the missing folders (0755; a line "F dir" for one that could not be), which a
     *                      push would do next anyway: one command fewer per push
     */
    static String surveyCommand(Collection<String> paths, Collection<String> dirs, boolean createMissing) {
        String p = quoteAll(paths);
        StringBuilder sb = new StringBuilder();
        sb.append("sha256sum -- ").append(p).append(" 2>/dev/null; ");
        sb.append("stat -L -c 'M %a %u %n' -- ").append(p).append(" 2>/dev/null; ");
        if (!dirs.isEmpty() && createMissing) {
            sb.append("m() { echo \"D $1\"; umask 022; mkdir -p -- \"$1\" || echo \"F $1\"; }; ");
            sb.append("for d in ").append(quoteAll(dirs)).append("; do [ -d \"$d\" ] || m \"$d\"; done; ");
        } else if (!dirs.isEmpty()) {
            sb.append("for d in ").append(quoteAll(dirs)).append("; do [ -d \"$d\" ] || echo \"D $d\"; done; ");
        }
        sb.append("exit 0");
        return sb.toString();
    }

    /** @param failedDirs folders the survey was to create and could not */
    record Survey(Map<String, RemoteState> files, Set<String> missingDirs, Set<String> failedDirs) {
    }

    static Survey parseSurvey(String stdout, Collection<String> paths) {
        Set<String> wanted = Set.copyOf(paths);
        Map<String, String> hashes = parseSha256(stdout, wanted);
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

    /** Exit 3 = no such regular file; anything else non-zero is a failure to report. */
    static String readCommand(String path) {
        String q = quote(path);
        return "if [ -f " + q + " ]; then exec cat -- " + q + "; else exit 3; fi";
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

    /**
     * Shell function: keep one backup of the current file, then rename the temp file over it (same folder, so
     * rename(2) is atomic). {@code ln -f} keeps the old inode as the backup (mode and owner with it) without a copy;
     * {@code cp -p} covers file systems without hard links. A destination that is a folder is refused: {@code mv}
     * would move the temp file into it. Prints "B dest" for a backup.
     */
    static final String PLACE_FUNCTION = """
            place() {
              if [ -d "$2" ]; then echo "$2 is a folder" >&2; return 1; fi
              if [ -e "$2" ]; then ln -f -- "$2" "$3" 2>/dev/null || cp -p -- "$2" "$3" || return 1; echo "B $2"; fi
              mv -f -- "$1" "$2"
            }
            """;

    /**
     * Writes each of {@code inline}'s bytes, one after the other from the command's stdin, into its temp file,
     * created anew under umask 077 (a temp file of a secret is never readable by others, not even for a moment; a
     * stale one from a dropped push would keep its old mode through dd's truncation), then checks its sha256: input
     * cut short (a dropped connection) stops the command before anything is renamed.
     */
    private static void appendInlineWrites(StringBuilder sb, List<RemoteFile> inline) {
        if (inline.isEmpty()) return;
        sb.append("umask 077\nrm -f -- ").append(quoteAll(inline.stream().map(f -> tmp(f.path())).toList()))
                .append(" || exit 1\n");
        for (RemoteFile f : inline) {
            String tmp = quote(tmp(f.path()));
            int n = f.content().length;
            sb.append("dd of=").append(tmp)
                    .append(n == 0 ? " bs=1 count=0" : " bs=" + n + " count=1")
                    .append(" iflag=fullblock status=none && sha256sum -- ").append(tmp).append(" | grep -qF ")
                    .append(f.sha256()).append(" || { echo ")
                    .append(quote(f.path() + ": not written in full (input cut short, or the write failed)"))
                    .append(" >&2; exit 1; }\n");
        }
        sb.append("umask 022\n");
    }

    /**
     * A whole push of small files in one command, their bytes on its stdin (no survey first): missing folders
     * (0755), every file written to its temp file and checked, then per file: the same bytes, mode and root owner
     * already there ("U path", temp removed), the same bytes with another mode or owner (fixed, "C path"), or
     * different bytes (chmod, backup, rename: "C path", and "B path" when a backup was kept).
     */
    static String inlinePushCommand(List<RemoteFile> files) {
        StringBuilder sb = new StringBuilder("umask 022\n").append(PLACE_FUNCTION);
        List<String> dirs = parents(files);
        if (!dirs.isEmpty()) {
            sb.append("for d in ").append(quoteAll(dirs)).append("; do [ -d \"$d\" ] || mkdir -p -- \"$d\" || exit 1; done\n");
        }
        appendInlineWrites(sb, files);
        for (RemoteFile f : files) {
            String dest = quote(f.path());
            String tmp = quote(tmp(f.path()));
            String mode = String.format("%04o", f.mode());
            sb.append("if sha256sum -- ").append(dest).append(" 2>/dev/null | grep -qF ").append(f.sha256())
                    .append("; then rm -f -- ").append(tmp).append(" || exit 1; if stat -L -c 'M %a %u .' -- ")
                    .append(dest).append(" | grep -qF ").append(quote("M " + Integer.toOctalString(f.mode()) + " 0 ."))
                    .append("; then echo ").append(quote("U " + f.path())).append("; else chown 0:0 -- ").append(dest)
                    .append(" && chmod ").append(mode).append(" -- ").append(dest).append(" || exit 1; echo ")
                    .append(quote("C " + f.path())).append("; fi; else chmod ").append(mode).append(" -- ").append(tmp)
                    .append(" && place ").append(tmp).append(' ').append(dest).append(' ').append(quote(bak(f.path())))
                    .append(" || exit 1; echo ").append(quote("C " + f.path())).append("; fi\n");
        }
        sb.append("exit 0\n");
        return sb.toString();
    }

    /**
     * The command that finishes a push on the node: optionally folders and staged copies (sudo mode), then backups
     * and renames, then mode/owner fixes of files whose bytes were already right.
     *
     * @param staged   staged path per changed file (sudo mode: SFTP wrote there as the login user), or null when
     *                 SFTP wrote the temp files in place as root (they get their modes here, before the renames)
     */
    static String finishCommand(List<RemoteFile> changed, List<String> staged, List<RemoteFile> modeOnly) {
        return finishCommand(changed, List.of(), staged, modeOnly);
    }

    /**
     * As above, with {@code inline} (a subset of {@code changed}) written from the command's stdin, their bytes one
     * after the other in that order: each temp file is created 0600 by {@code dd} and must then hash to the
     * expected sha256, so input cut short (a dropped connection) places nothing. {@code staged} then holds a path
     * for each of the other changed files only; a non-null {@code staged} still means sudo mode.
     */
    static String finishCommand(List<RemoteFile> changed, List<RemoteFile> inline, List<String> staged,
                                List<RemoteFile> modeOnly) {
        Set<RemoteFile> inlined = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        inlined.addAll(inline);
        List<RemoteFile> viaSftp = changed.stream().filter(f -> !inlined.contains(f)).toList();
        StringBuilder sb = new StringBuilder("umask 022\n").append(PLACE_FUNCTION);
        if (staged != null) {
            // sudo mode: the survey (as the login user) created no folders
            List<String> dirs = parents(changed);
            if (!dirs.isEmpty()) sb.append("mkdir -p -- ").append(quoteAll(dirs)).append(" || exit 1\n");
        }
        appendInlineWrites(sb, inline);
        if (staged != null) {
            for (int i = 0; i < viaSftp.size(); i++) {
                RemoteFile f = viaSftp.get(i);
                // install: copy owned by root with the final mode before the rename
                sb.append("install -m ").append(String.format("%04o", f.mode())).append(" -o 0 -g 0 -- ")
                        .append(quote(staged.get(i))).append(' ').append(quote(tmp(f.path()))).append(" || exit 1\n");
            }
        }
        // temp files written here or by SFTP as root: their final modes, one chmod per distinct mode, before any rename
        java.util.Map<Integer, List<String>> byMode = new java.util.TreeMap<>();
        for (RemoteFile f : changed) {
            if (staged == null || inlined.contains(f)) byMode.computeIfAbsent(f.mode(), m -> new ArrayList<>()).add(tmp(f.path()));
        }
        byMode.forEach((mode, tmps) -> sb.append("chmod ").append(String.format("%04o", mode)).append(" -- ")
                .append(quoteAll(tmps)).append(" || exit 1\n"));
        for (RemoteFile f : changed) {
            sb.append("place ").append(quote(tmp(f.path()))).append(' ').append(quote(f.path())).append(' ')
                    .append(quote(bak(f.path()))).append(" || exit 1\n");
        }
        for (RemoteFile f : modeOnly) {
            sb.append("chown 0:0 -- ").append(quote(f.path())).append(" && chmod ")
                    .append(String.format("%04o", f.mode())).append(" -- ").append(quote(f.path()))
                    .append(" || exit 1\n");
        }
        if (staged != null && !staged.isEmpty()) sb.append("rm -f -- ").append(quoteAll(staged)).append('\n');
        sb.append("exit 0\n");
        return sb.toString();
    }
}
