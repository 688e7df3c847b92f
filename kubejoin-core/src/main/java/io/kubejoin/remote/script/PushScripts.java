package io.kubejoin.remote.script;

import static io.kubejoin.remote.script.Sh.quote;
import static io.kubejoin.remote.script.Sh.quoteAll;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The push: the survey of what the node has, the one-command push of small files, the command that finishes a push
 * (backups and renames), the read of one file and the sha256 of many. Shared by the SSH transport's paths.
 */
public final class PushScripts {
    public static final String TMP_SUFFIX = ".kubejoin-tmp";
    public static final String BAK_SUFFIX = ".kubejoin-bak";

    private PushScripts() {
    }

    /** What a script needs to know of one file to push: destination, mode, sha256 of its bytes and their count. */
    public record File(String path, int mode, String sha256, int length) {
    }

    public static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i == 0 ? "/" : path.substring(0, i);
    }

    public static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** The temp name beside the destination: same folder, so the final rename is atomic. */
    public static String tmp(String path) {
        String dir = parent(path);
        return (dir.equals("/") ? "" : dir) + "/." + name(path) + TMP_SUFFIX;
    }

    public static String bak(String path) {
        return path + BAK_SUFFIX;
    }

    /** Folders holding {@code files}, without duplicates. */
    public static List<String> parents(Collection<File> files) {
        Set<String> dirs = new LinkedHashSet<>();
        for (File f : files) dirs.add(parent(f.path()));
        return new ArrayList<>(dirs);
    }

    /** sha256sum of each path; an absent or unreadable one prints nothing. */
    public static String sha256(Collection<String> paths) {
        return "sha256sum -- " + quoteAll(paths) + " 2>/dev/null; exit 0";
    }

    /** The line {@link #sha256SizeFirst} prints for a file whose size is not the expected one: "S size path". */
    public static final String SIZE_PREFIX = "S ";

    /**
     * {@link #sha256} of {@code paths}, and for each of {@code sizeFirst} (path to the size its source has): its
     * sha256 only when its size is that one, else the line "S size path" — a binary of another size differs, and
     * hashing tens of MB to learn it again is what plan must not do on every node. An absent file prints nothing.
     */
    public static String sha256SizeFirst(Collection<String> paths, Map<String, Long> sizeFirst) {
        StringBuilder sb = new StringBuilder();
        if (!paths.isEmpty()) sb.append("sha256sum -- ").append(quoteAll(paths)).append(" 2>/dev/null; ");
        appendSizeFirst(sb, sizeFirst);
        return sb.append("exit 0").toString();
    }

    /**
     * Shell function: the sha256 of a release binary, "hash *path", by {@code openssl dgst -sha256} where the node
     * has openssl (the CPU's SHA instructions: 90 MB 0.12 s CPU against sha256sum's 0.33 s), else sha256sum's line.
     */
    static final String HASH_BINARY_FUNCTION = "hb() { if command -v openssl >/dev/null 2>&1 && openssl dgst -sha256 -r \"$1\" "
            + "2>/dev/null; then :; else sha256sum -- \"$1\" 2>/dev/null; fi; }; ";

    /**
     * For each of {@code sizeFirst} (path to its source's size) that is a file: its hash ({@link #HASH_BINARY_FUNCTION})
     * when its size is that one, else "S size path". Nothing, not even a process, for one that is not there.
     */
    private static void appendSizeFirst(StringBuilder sb, Map<String, Long> sizeFirst) {
        if (sizeFirst.isEmpty()) return;
        sb.append(HASH_BINARY_FUNCTION);
        sizeFirst.forEach((path, size) -> {
            String q = quote(path);
            // "S n ." can only match at the start of stat's one line: a size is digits up to the space
            sb.append("if [ -f ").append(q).append(" ]; then if stat -L -c 'S %s .' -- ").append(q)
                    .append(" 2>/dev/null | grep -qF ").append(quote(SIZE_PREFIX + size + " ."))
                    .append("; then hb ").append(q).append("; else stat -L -c 'S %s %n' -- ").append(q)
                    .append(" 2>/dev/null; fi; fi; ");
        });
    }

    /** Exit 3 = no such regular file; anything else non-zero is a failure to report. */
    public static String read(String path) {
        String q = quote(path);
        return "if [ -f " + q + " ]; then exec cat -- " + q + "; else exit 3; fi";
    }

    /**
     * One read-only command (unless {@code createMissing}): content hashes, mode and owner of every destination, and
     * which of the given folders are missing. GNU coreutils (sha256sum, stat -c) as on every systemd distribution
     * kubelet runs on.
     *
     * @param createMissing also create the missing folders (0755; a line "F dir" for one that could not be), which a
     *                      push would do next anyway: one command fewer per push
     */
    public static String survey(Collection<String> paths, Collection<String> dirs, boolean createMissing) {
        return survey(paths, dirs, createMissing, Map.of());
    }

    /**
     * {@link #survey}, the paths of {@code sizeFirst} (release binaries, to the size of their source) hashed only at
     * that size ({@link #sha256SizeFirst}'s lines): an upgrade's old binary is not hashed to learn it differs, and an
     * unchanged one is hashed with openssl where the node has it.
     */
    public static String survey(Collection<String> paths, Collection<String> dirs, boolean createMissing,
                                Map<String, Long> sizeFirst) {
        String p = quoteAll(paths);
        List<String> hashed = paths.stream().filter(x -> !sizeFirst.containsKey(x)).toList();
        StringBuilder sb = new StringBuilder();
        if (!hashed.isEmpty()) sb.append("sha256sum -- ").append(quoteAll(hashed)).append(" 2>/dev/null; ");
        appendSizeFirst(sb, sizeFirst);
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

    /**
     * Shell function: keep one backup of the current file, then rename the temp file over it (same folder, so
     * rename(2) is atomic). {@code ln -f} keeps the old inode as the backup (mode and owner with it) without a copy;
     * {@code cp -p} covers file systems without hard links. A destination that is a folder is refused: {@code mv}
     * would move the temp file into it. Prints "B dest" for a backup.
     */
    public static final String PLACE_FUNCTION = """
            place() {
              if [ -d "$2" ]; then echo "$2 is a folder" >&2; return 1; fi
              if [ -e "$2" ]; then ln -f -- "$2" "$3" 2>/dev/null || cp -p -- "$2" "$3" || return 1; echo "B $2"; fi
              mv -f -- "$1" "$2"
            }
            """;

    /**
     * dd's block for a file larger than this (a release binary): {@code count_bytes} makes the count a byte count, so
     * dd copies exactly the file's bytes in blocks of this size instead of holding the whole file in one buffer (a
     * 100 MiB kubelet would be a 100 MiB allocation on the node). GNU coreutils 8.16+ (2012).
     */
    public static final int DD_BLOCK = 1 << 20;

    /**
     * Writes each of {@code inline}'s bytes, one after the other from the command's stdin, into its temp file,
     * created anew (a stale one from a dropped push, or a link, is removed first: dd would keep its old mode through
     * the truncation, or follow the link; the {@code rm} runs only when there is one), then checks the sha256 of all
     * of them in one {@code sha256sum -c}: input cut short (a dropped connection) stops the command before anything
     * is renamed, and only then is each checked alone to name the files cut short. A file whose mode dd can create
     * ({@link #createdWithMode}) is created with it under the matching umask, so it needs no chmod; any other under
     * umask 077 (a temp file of a secret is never readable by others, not even for a moment) and chmod-ed later.
     * One hashing process per push, not two per file: a push's processes are most of what it costs the node. With a
     * release binary among them the node hashes with {@code openssl dgst -sha256} when it has openssl: coreutils'
     * sha256sum has no use of the CPU's SHA instructions (90 MB: 0.33 s CPU against openssl's 0.12 s, this machine),
     * and the check was a fifth of a push's node CPU. Its output is compared whole, and any difference (no openssl,
     * another format, a file cut short) goes on to sha256sum, so openssl only ever shortens a check that passes.
     */
    private static void appendInlineWrites(StringBuilder sb, List<File> inline) {
        if (inline.isEmpty()) return;
        List<String> tmps = inline.stream().map(f -> tmp(f.path())).toList();
        sb.append("umask 077\nif ");
        for (int i = 0; i < tmps.size(); i++) {
            String q = quote(tmps.get(i));
            sb.append(i == 0 ? "" : " || ").append("[ -e ").append(q).append(" ] || [ -h ").append(q).append(" ]");
        }
        sb.append("; then rm -f -- ").append(quoteAll(tmps)).append(" || exit 1; fi\n");
        sb.append("short() { echo \"$1: not written in full (input cut short, or the write failed)\" >&2; }\n");
        List<File> checkAlone = new ArrayList<>();
        List<File> checkTogether = new ArrayList<>();
        int umask = 077;
        for (File f : inline) {
            String tmp = quote(tmp(f.path()));
            int n = f.length();
            int wanted = createdWithMode(f.mode()) ? 0777 & ~f.mode() : 077;
            if ((0666 & ~wanted) != (0666 & ~umask)) {
                sb.append("umask ").append(String.format("%03o", wanted)).append('\n');
                umask = wanted;
            }
            sb.append("dd of=").append(tmp)
                    .append(n == 0 ? " bs=1 count=0" : n <= DD_BLOCK ? " bs=" + n + " count=1"
                            : " bs=" + DD_BLOCK + " count=" + n)
                    .append(n > DD_BLOCK ? " iflag=fullblock,count_bytes" : " iflag=fullblock")
                    .append(" status=none || { short ").append(quote(f.path())).append("; exit 1; }\n");
            // sha256sum -c escapes a name with a backslash, and dash's echo would eat it: such a file is checked alone
            (tmp(f.path()).contains("\\") ? checkAlone : checkTogether).add(f);
        }
        for (File f : checkAlone) {
            sb.append("sha256sum -- ").append(quote(tmp(f.path()))).append(" | grep -qF ").append(f.sha256())
                    .append(" || { short ").append(quote(f.path())).append("; exit 1; }\n");
        }
        if (!checkTogether.isEmpty()) {
            boolean fast = checkTogether.stream().anyMatch(f -> f.length() > DD_BLOCK);
            if (fast) {
                // a release binary: openssl's SHA-256 (the CPU's SHA instructions) where the node has openssl, its
                // output compared whole; anything else (no openssl, another output, a file cut short) goes on to
                // sha256sum -c, which decides and names the files
                sb.append("if command -v openssl >/dev/null 2>&1 && [ \"$(openssl dgst -sha256 -r");
                for (File f : checkTogether) sb.append(' ').append(quote(tmp(f.path())));
                sb.append(" 2>/dev/null)\" = ").append(quote(String.join("\n", checkTogether.stream()
                        .map(f -> f.sha256() + " *" + tmp(f.path())).toList()))).append(" ]; then :; else\n");
            }
            sb.append("{ ");
            for (File f : checkTogether) sb.append(checkLine(f)).append("; ");
            sb.append("} | sha256sum -c --status || {\n");
            for (File f : checkTogether) {
                sb.append("  ").append(checkLine(f)).append(" | sha256sum -c --status 2>/dev/null || short ")
                        .append(quote(f.path())).append('\n');
            }
            sb.append("  exit 1\n}\n");
            if (fast) sb.append("fi\n");
        }
        sb.append("umask 022\n");
    }

    /**
     * Whether dd, which creates its output with 0666 minus the umask, can create a file with {@code mode} itself: no
     * execute, setuid, setgid or sticky bit (0644, 0600, 0640 can; a 0755 binary cannot and is chmod-ed).
     */
    static boolean createdWithMode(int mode) {
        return (mode & ~0666) == 0;
    }

    /**
     * The line {@code sha256sum -c} reads for {@code f}'s temp file: its sha256, two spaces (echo's and the first
     * word's), the name — a word of its own, as every node path kubejoin quotes.
     */
    private static String checkLine(File f) {
        return "echo " + quote(f.sha256() + " ") + " " + quote(tmp(f.path()));
    }

    /**
     * One chmod per distinct mode of {@code files}' temp files, but none for those {@code inline} wrote with their
     * mode already ({@link #createdWithMode}).
     */
    private static void appendTempModes(StringBuilder sb, List<File> files, Set<File> inline) {
        Map<Integer, List<String>> byMode = new TreeMap<>();
        for (File f : files) {
            if (inline.contains(f) && createdWithMode(f.mode())) continue;
            byMode.computeIfAbsent(f.mode(), m -> new ArrayList<>()).add(tmp(f.path()));
        }
        byMode.forEach((mode, tmps) -> sb.append("chmod ").append(String.format("%04o", mode)).append(" -- ")
                .append(quoteAll(tmps)).append(" || exit 1\n"));
    }

    /**
     * A whole push of small files in one command, their bytes on its stdin (no survey first): missing folders
     * (0755), every file written to its temp file and checked, then per file: the same bytes, mode and root owner
     * already there ("U path", temp removed), the same bytes with another mode or owner (fixed, "C path"), or
     * different bytes (chmod, backup, rename: "C path", and "B path" when a backup was kept).
     */
    public static String inlinePush(List<File> files) {
        StringBuilder sb = new StringBuilder("umask 022\n").append(PLACE_FUNCTION);
        List<String> dirs = parents(files);
        if (!dirs.isEmpty()) {
            // one mkdir for all the missing folders, none when they are there (mkdir -p leaves the others as they are)
            sb.append(String.join(" && ", dirs.stream().map(d -> "[ -d " + quote(d) + " ]").toList()))
                    .append(" || mkdir -p -- ").append(quoteAll(dirs)).append(" || exit 1\n");
        }
        appendInlineWrites(sb, files);
        // every temp file its final mode before any rename; those found unchanged are removed anyway
        Set<File> all = Collections.newSetFromMap(new IdentityHashMap<>());
        all.addAll(files);
        appendTempModes(sb, files, all);
        for (File f : files) {
            String dest = quote(f.path());
            String tmp = quote(tmp(f.path()));
            // a destination that is not there (a fresh node) needs no hashing to know it changes
            sb.append("if [ -f ").append(dest).append(" ] && sha256sum -- ").append(dest).append(" 2>/dev/null | grep -qF ")
                    .append(f.sha256()).append("; then rm -f -- ").append(tmp).append(" || exit 1; if stat -L -c 'M %a %u .' -- ")
                    .append(dest).append(" | grep -qF ").append(quote("M " + Integer.toOctalString(f.mode()) + " 0 ."))
                    .append("; then echo ").append(quote("U " + f.path())).append("; else chown 0:0 -- ").append(dest)
                    .append(" && chmod ").append(String.format("%04o", f.mode())).append(" -- ").append(dest)
                    .append(" || exit 1; echo ").append(quote("C " + f.path())).append("; fi; else place ").append(tmp)
                    .append(' ').append(dest).append(' ').append(quote(bak(f.path())))
                    .append(" || exit 1; echo ").append(quote("C " + f.path())).append("; fi\n");
        }
        sb.append("exit 0\n");
        return sb.toString();
    }

    /**
     * The command that finishes a push on the node: the {@code inline} files (a subset of {@code changed}, by
     * identity) written from the command's stdin, their bytes one after the other in that order, then backups and
     * renames, then mode/owner fixes of files whose bytes were already right.
     *
     * <p>The SSH transport sends every changed file inline, release binaries too (no SFTP). A changed file not inline
     * is a temp file already written in place as root (tests write them so); it gets its mode here, before the renames.
     */
    public static String finish(List<File> changed, List<File> inline, List<File> modeOnly) {
        Set<File> inlined = Collections.newSetFromMap(new IdentityHashMap<>());
        inlined.addAll(inline);
        StringBuilder sb = new StringBuilder("umask 022\n").append(PLACE_FUNCTION);
        appendInlineWrites(sb, inline);
        // the temp files: their final modes, one chmod per distinct mode, before any rename
        appendTempModes(sb, changed, inlined);
        for (File f : changed) {
            sb.append("place ").append(quote(tmp(f.path()))).append(' ').append(quote(f.path())).append(' ')
                    .append(quote(bak(f.path()))).append(" || exit 1\n");
        }
        for (File f : modeOnly) {
            sb.append("chown 0:0 -- ").append(quote(f.path())).append(" && chmod ")
                    .append(String.format("%04o", f.mode())).append(" -- ").append(quote(f.path()))
                    .append(" || exit 1\n");
        }
        sb.append("exit 0\n");
        return sb.toString();
    }
}
