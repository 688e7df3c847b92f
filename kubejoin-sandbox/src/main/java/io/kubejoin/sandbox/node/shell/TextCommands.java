package io.kubejoin.sandbox.node.shell;

import io.kubejoin.sandbox.node.NodeRoot;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;

import static io.kubejoin.sandbox.node.shell.ShellError.unsupportedOption;

/**
 * {@link NodeShell}'s commands that read the node's files or text and print: {@code echo}, {@code test}/{@code [},
 * {@code sha256sum}, {@code stat}, {@code cat}, {@code sed}, {@code tail}, {@code date}, {@code grep}.
 */
final class TextCommands extends CommandSupport {
    private final Clock clock;
    private final Predicate<String> isSocket;

    TextCommands(NodeRoot root, Clock clock, Predicate<String> isSocket) {
        super(root);
        this.clock = clock;
        this.isSocket = isSocket;
    }

    static int echo(List<String> args, Io io) {
        boolean newline = args.isEmpty() || !args.get(0).equals("-n");
        List<String> words = newline ? args : args.subList(1, args.size());
        io.out().add(String.join(" ", words) + (newline ? "\n" : ""));
        return 0;
    }

    int test(List<String> args) throws IOException {
        switch (args.size()) {
            case 0:
                return 1;
            case 1:
                return args.get(0).isEmpty() ? 1 : 0;
            case 2: {
                String op = args.get(0);
                String a = args.get(1);
                switch (op) {
                    case "-n":
                        return a.isEmpty() ? 1 : 0;
                    case "-z":
                        return a.isEmpty() ? 0 : 1;
                    case "-e", "-f", "-d", "-x", "-S", "-h", "-L": {
                        Path p = local("test", a);
                        // java.io.File's stat answers a missing file with false, where Files.exists and friends
                        // (JDK 17) build two exceptions: a script tests many paths that are not there yet
                        java.io.File f = p.toFile();
                        boolean r = switch (op) {
                            case "-e" -> f.exists();
                            // a link itself, dangling or not (-e follows it)
                            case "-h", "-L" -> Files.isSymbolicLink(p);
                            case "-f" -> f.isFile();
                            case "-d" -> f.isDirectory();
                            case "-x" -> f.isDirectory() || (f.exists() && (mode(p) & 0111) != 0);
                            default -> isSocket.test(a);
                        };
                        return r ? 0 : 1;
                    }
                    default:
                        break;
                }
                break;
            }
            case 3:
                if (args.get(1).equals("=")) return args.get(0).equals(args.get(2)) ? 0 : 1;
                if (args.get(1).equals("!=")) return args.get(0).equals(args.get(2)) ? 1 : 0;
                break;
            default:
                break;
        }
        throw new ShellError(2, "sandbox node: unsupported test expression: " + String.join(" ", args));
    }

    int sha256sum(List<String> args, Io io) throws IOException {
        if (args.contains("-c") || args.contains("--check")) return sha256check(args, io);
        Opts o = opts("sha256sum", args, "", "");
        int st = 0;
        for (String path : o.operands()) {
            String hex = hashOrTell(path, io);
            if (hex == null) {
                st = 1;
                continue;
            }
            if (path.contains("\\") || path.contains("\n")) {
                io.out().add("\\" + hex + "  " + path.replace("\\", "\\\\").replace("\n", "\\n") + "\n");
            } else {
                io.out().add(hex + "  " + path + "\n");
            }
        }
        return st;
    }

    /** A file's SHA-256 as sha256sum prints it, or null with sha256sum's message on stderr (a folder, unreadable). */
    private String hashOrTell(String path, Io io) throws IOException {
        Path p = local("sha256sum", path);
        if (Files.isDirectory(p)) {
            io.err().add("sha256sum: " + path + ": Is a directory\n");
            return null;
        }
        try {
            return sha256Hex(p);
        } catch (FileSystemException e) {
            io.err().add("sha256sum: " + path + ": " + reason(e) + "\n");
            return null;
        }
    }

    private static final java.util.regex.Pattern CHECK_LINE = java.util.regex.Pattern.compile("([0-9a-fA-F]{64}) [ *](.+)");

    /**
     * {@code sha256sum -c --status}, the check lines ("HEX  NAME") read from a pipe, as GNU coreutils: exit 1 when a
     * file differs or cannot be read (that one's reason on stderr even with --status), lines of another form skipped,
     * and none of the right form at all an error. Without --status, with a FILE operand, an escaped name (a line
     * starting with a backslash) or the command's own stdin: refused, kubejoin sends none of them.
     */
    private int sha256check(List<String> args, Io io) throws IOException {
        boolean status = false;
        for (String a : args) {
            switch (a) {
                case "-c", "--check" -> { }
                case "--status" -> status = true;
                default -> throw unsupportedOption("sha256sum", "-c with " + a);
            }
        }
        if (!status) throw unsupportedOption("sha256sum", "-c without --status");
        if (io.raw() != null) throw unsupportedOption("sha256sum", "-c reading the command's own stdin (not a pipe)");
        String input = io.in() == null ? "" : io.in();
        int formatted = 0;
        boolean failed = false;
        for (String line : input.split("\n", -1)) {
            if (line.startsWith("\\")) throw unsupportedOption("sha256sum", "-c of an escaped name: " + line);
            java.util.regex.Matcher m = CHECK_LINE.matcher(line);
            if (!m.matches()) continue;
            formatted++;
            String path = m.group(2);
            String hex = hashOrTell(path, io);
            if (hex == null || !hex.equalsIgnoreCase(m.group(1))) failed = true;
        }
        if (formatted == 0) {
            io.err().add("sha256sum: standard input: no properly formatted checksum lines found\n");
            return 1;
        }
        return failed ? 1 : 0;
    }

    /**
     * A digest and read buffer per thread (the node shells run on a small fixed pool): a fresh 64 KiB array per file
     * hashed, zeroed by the JVM, was a third of sha256sum's CPU in a 1,000-node join; every byte is still read and hashed.
     */
    private static final ThreadLocal<Hasher> HASHER = ThreadLocal.withInitial(Hasher::new);

    private static final class Hasher {
        final byte[] buf = new byte[64 * 1024];
        final MessageDigest md;

        Hasher() {
            try {
                md = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static String sha256Hex(Path p) throws IOException {
        Hasher h = HASHER.get();
        MessageDigest md = h.md;
        md.reset(); // a read that failed half-way left its bytes in it
        try (InputStream in = Files.newInputStream(p)) {
            for (int n; (n = in.read(h.buf)) > 0; ) md.update(h.buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    int stat(List<String> args, Io io) throws IOException {
        Opts o = opts("stat", args, "Lf", "c");
        String format = o.values().get('c');
        if (format == null) throw unsupportedOption("stat", "(no -c FORMAT)");
        if (o.operands().isEmpty()) throw new ShellError(1, "stat: missing operand");
        if (o.flags().contains('f')) {
            if (!format.equals("%T") || o.flags().contains('L')) throw unsupportedOption("stat", "-f with " + format);
            for (String path : o.operands()) {
                Path p = local("stat", path);
                String type = Files.exists(p.resolve("cgroup.controllers")) ? "cgroup2fs"
                        : path.equals("/sys/fs/cgroup") ? "tmpfs" : null;
                if (type == null && !Files.exists(p)) {
                    io.err().add("stat: cannot read file system information for '" + path + "': No such file or directory\n");
                    return 1;
                }
                io.out().add((type == null ? "ext2/ext3" : type) + "\n");
            }
            return 0;
        }
        checkStatFormat(format);
        LinkOption[] link = o.flags().contains('L') ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
        int st = 0;
        for (String path : o.operands()) {
            Path p = local("stat", path);
            if (!Files.exists(p, link)) {
                io.err().add("stat: cannot stat '" + path + "': No such file or directory\n");
                st = 1;
                continue;
            }
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < format.length(); i++) {
                char c = format.charAt(i);
                if (c != '%') {
                    line.append(c);
                    continue;
                }
                char d = format.charAt(++i);
                switch (d) {
                    case 'a' -> line.append(Integer.toOctalString(mode(p, link)));
                    case 'u', 'g' -> line.append('0'); // every file on a sandbox node belongs to root
                    case 'U', 'G' -> line.append("root");
                    case 'n' -> line.append(path);
                    case 's' -> line.append(Files.size(p));
                    default -> line.append('%');
                }
            }
            io.out().add(line + "\n");
        }
        return st;
    }

    private static void checkStatFormat(String format) {
        for (int i = 0; i < format.length(); i++) {
            if (format.charAt(i) != '%') continue;
            if (i + 1 >= format.length() || "augUGns%".indexOf(format.charAt(i + 1)) < 0) {
                throw unsupportedOption("stat", "-c " + format);
            }
            i++;
        }
    }

    int cat(List<String> args, Io io) throws IOException {
        Opts o = opts("cat", args, "", "");
        List<String> files = o.operands().isEmpty() ? List.of("-") : o.operands();
        int st = 0;
        for (String path : files) {
            if (path.equals("-")) {
                io.out().add(io.in());
                continue;
            }
            Path p = local("cat", path);
            if (Files.isDirectory(p)) {
                io.err().add("cat: " + path + ": Is a directory\n");
                st = 1;
                continue;
            }
            try {
                io.out().add(new String(Files.readAllBytes(p), StandardCharsets.UTF_8));
            } catch (NoSuchFileException e) {
                io.err().add("cat: " + path + ": No such file or directory\n");
                st = 1;
            }
        }
        return st;
    }

    private static final java.util.regex.Pattern SED_RANGE =
            java.util.regex.Pattern.compile("/([A-Za-z0-9 -]+)/,/([A-Za-z0-9 -]+)/p");

    /**
     * Only {@code sed -n '/START/,/END/p' [--] FILE…} with literal START/END (letters, digits, blanks, dashes: the
     * PEM markers kubejoin cuts a certificate out of a cert+key file with): prints each range, START and END lines
     * included, as sed does; an unfinished range runs to the end of the file; a last line without a newline is printed
     * without one, as GNU sed does.
     */
    int sed(List<String> args, Io io) throws IOException {
        Opts o = opts("sed", args, "n", "");
        if (!o.flags().contains('n') || o.operands().size() < 2) throw unsupportedOption("sed", String.join(" ", args));
        java.util.regex.Matcher m = SED_RANGE.matcher(o.operands().get(0));
        if (!m.matches()) throw unsupportedOption("sed", "(script: only '/START/,/END/p') " + o.operands().get(0));
        int st = 0;
        List<String> paths = o.operands().subList(1, o.operands().size());
        for (int f = 0; f < paths.size(); f++) {
            String path = paths.get(f);
            Path p = local("sed", path);
            String text;
            try {
                text = new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                io.err().add("sed: can't read " + path + ": No such file or directory\n");
                st = 2;
                continue;
            }
            boolean in = false;
            for (int i = 0; i < text.length(); ) {
                int nl = text.indexOf('\n', i);
                String line = text.substring(i, nl < 0 ? text.length() : nl);
                i = nl < 0 ? text.length() : nl + 1;
                // as GNU sed: the last line of the input keeps its missing newline (the next output joins it)
                String end = nl >= 0 || f < paths.size() - 1 ? "\n" : "";
                if (!in && line.contains(m.group(1))) {
                    in = true;
                    io.out().add(line + end);
                } else if (in) {
                    io.out().add(line + end);
                    if (line.contains(m.group(2))) in = false;
                }
            }
        }
        return st;
    }

    int tail(List<String> args, Io io) throws IOException {
        Opts o = opts("tail", args, "", "n");
        String n = o.values().getOrDefault('n', "10");
        if (!n.matches("\\+?[0-9]{1,9}")) throw unsupportedOption("tail", "-n " + n);
        if (o.operands().size() > 1) throw new ShellError(2, "sandbox node: tail: only one file is supported");
        String text;
        if (o.operands().isEmpty() || o.operands().get(0).equals("-")) {
            text = io.in();
        } else {
            String path = o.operands().get(0);
            Path p = local("tail", path);
            try {
                if (Files.isDirectory(p)) {
                    io.err().add("tail: error reading '" + path + "': Is a directory\n");
                    return 1;
                }
                text = new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                io.err().add("tail: cannot open '" + path + "' for reading: No such file or directory\n");
                return 1;
            }
        }
        List<String> lines = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int nl = text.indexOf('\n', i);
            int end = nl < 0 ? text.length() : nl + 1;
            lines.add(text.substring(i, end));
            i = end;
        }
        int from;
        if (n.startsWith("+")) {
            from = Math.max(0, Integer.parseInt(n.substring(1)) - 1);
        } else {
            from = Math.max(0, lines.size() - Integer.parseInt(n));
        }
        for (int k = from; k < lines.size(); k++) io.out().add(lines.get(k));
        return 0;
    }

    int date(List<String> args, Io io) {
        Opts o = opts("date", args, "", "");
        if (!o.operands().equals(List.of("+%s"))) throw unsupportedOption("date", String.join(" ", args));
        io.out().add(clock.instant().getEpochSecond() + "\n");
        return 0;
    }

    /** grep -F [-q] PATTERN, or grep -F [-q] -e PATTERN [-e PATTERN]…: a line matches when it holds any pattern. */
    static int grep(List<String> args, Io io) {
        Opts o = opts("grep", args, "qF", "e");
        List<String> patterns = new java.util.ArrayList<>(o.all('e'));
        if (!o.flags().contains('F')) throw unsupportedOption("grep", "(regular expressions: only -F)");
        if (patterns.isEmpty() && o.operands().size() == 1) patterns.add(o.operands().get(0));
        else if (!o.operands().isEmpty() || patterns.isEmpty()) {
            throw new ShellError(2, "sandbox node: grep: only patterns on stdin are supported: one, or each with -e");
        }
        boolean quiet = o.flags().contains('q');
        String in = io.in();
        boolean found = false;
        if (!in.isEmpty()) {
            for (String line : (in.endsWith("\n") ? in.substring(0, in.length() - 1) : in).split("\n", -1)) {
                if (holdsAny(line, patterns)) {
                    found = true;
                    if (quiet) break;
                    io.out().add(line + "\n");
                }
            }
        }
        return found ? 0 : 1;
    }

    private static boolean holdsAny(String line, List<String> patterns) {
        for (String p : patterns) if (line.contains(p)) return true;
        return false;
    }
}
