package io.kubejoin.sandbox;

import io.kubejoin.remote.ExecResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A simulated node's {@code sh}: runs, in-process, exactly the command vocabulary kubejoin sends over SSH exec,
 * against the node's root folder ({@link NodeRoot}). A small POSIX-sh subset interpreter, not a shell; anything
 * outside the subset fails loudly, so a change in what the product sends shows up as a failure:
 * an unknown command exits 127 with {@code sandbox node: unsupported command: NAME}, unsupported syntax exits 2 with
 * {@code sandbox node: unsupported shell syntax: ...}, an unexpected option of a file command exits 2 with
 * {@code sandbox node: unsupported option OPT for CMD}. The whole command line is parsed before anything runs.
 *
 * <p>Grammar: words with single quotes, double quotes (with {@code $name}, {@code ${name}}, {@code $1..$9},
 * {@code $0}, {@code $#}, {@code $?} expanded inside), backslash escapes and line continuations, unquoted
 * {@code $name} (field-split on blanks); lists separated by {@code ;}, newlines, {@code &&}, {@code ||};
 * pipelines {@code a | b}; {@code if/then/elif/else/fi}; {@code for v in WORDS; do ...; done}; brace groups;
 * function definitions {@code name() { ... }} with positional arguments; comments; redirections
 * {@code [n]>/dev/null}, {@code [n]>>/dev/null}, {@code [n]>&m} for n, m in 1, 2 (any other target is
 * unsupported syntax). Pathname expansion ({@code *}, {@code ?}, {@code [...]}) on unquoted characters, sorted;
 * a pattern without a match stays as it is, as in sh; relative patterns are taken from the login folder
 * {@code /root}. Not supported (loud): command substitution, arithmetic, {@code ${x:-y}} forms, {@code $@},
 * {@code $*}, variable assignments, {@code while/until/case}, {@code !}, subshells, background jobs, input
 * redirection, redirection to files, tilde expansion.
 *
 * <p>Commands: shell builtins {@code exit}, {@code return}, {@code exec}, {@code umask}; {@code sh -c} (a nested
 * shell: own variables and functions, inherits the umask) and {@code sudo -n CMD} (the sandbox login is root, so it
 * just runs CMD); {@code true}, {@code false}, {@code :}, {@code echo} (printed literally, only {@code -n}),
 * {@code test}/{@code [} ({@code -e -f -d -x -S -n -z = !=}); file commands on the node folder:
 * {@code sha256sum}, {@code stat -L -c FORMAT} and {@code stat -f -c %T}, {@code mkdir [-p]}, {@code chmod OCTAL},
 * {@code chown 0:0}, {@code rm [-f]}, {@code mv [-f]}, {@code ln [-f]} (hard links), {@code cp [-p]},
 * {@code install -m -o -g}, {@code cat}, {@code tail -n [+]K}, {@code date +%s} (from the clock),
 * {@code grep [-q] -F}, {@code dd of=FILE bs=N count=1|0 iflag=fullblock status=none} (from the exec channel's
 * stdin, the only command that reads it). Every other name goes to {@link NodePrograms}; paths given to file commands must be
 * absolute node paths and never leave the node's root.
 *
 * <p>Simulation choices: every file on a sandbox node belongs to root (the SSH login is root), so {@code stat}
 * reports uid/gid 0 whoever owns the local file, and {@code chown} accepts only root ({@code 0:0},
 * {@code root:root}) and changes nothing. {@code stat -f -c %T /sys/fs/cgroup} answers {@code cgroup2fs} when the
 * node folder has {@code /sys/fs/cgroup/cgroup.controllers}, otherwise {@code tmpfs} (the cgroup v1 layout); for
 * other folders {@code cgroup2fs} under the same rule, else {@code ext2/ext3}. {@code test -S} asks the
 * {@code isSocket} predicate (the simulated runtime's socket is no real socket file).
 *
 * <p>State (variables, functions, umask starting at 022) lives in one call: distinct calls, also concurrent ones,
 * share nothing but the folder.
 */
public final class NodeShell {
    /** The login folder: where relative glob patterns are looked up. */
    static final String HOME = "/root";
    private static final int DEFAULT_UMASK = 022;
    private static final Set<String> RESERVED = Set.of("if", "then", "else", "elif", "fi", "for", "do", "done", "{",
            "}", "while", "until", "case", "esac", "select", "function", "!", "[[");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern OCTAL = Pattern.compile("[0-7]{1,4}");
    // compiled once: these run for every command of every script
    private static final Pattern ASSIGNMENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*=.*");
    private static final Pattern STATUS = Pattern.compile("[0-9]{1,9}");

    private final NodeRoot root;
    private final NodePrograms programs;
    private final Clock clock;
    private final Predicate<String> isSocket;

    /** @param isSocket which node paths are sockets (the simulated container runtime's socket) for {@code test -S} */
    public NodeShell(NodeRoot root, NodePrograms programs, Clock clock, Predicate<String> isSocket) {
        this.root = root;
        this.programs = programs;
        this.clock = clock;
        this.isSocket = isSocket;
    }

    /** A shell on the node whose {@code /} is the folder {@code root}. */
    public static NodeShell forFolder(Path root, NodePrograms programs, Clock clock, Predicate<String> isSocket) {
        return new NodeShell(new NodeRoot(root), programs, clock, isSocket);
    }

    /** Runs a command line as root on the node; never throws for a failing command (exit code + stderr instead). */
    public ExecResult run(String command) {
        return script(command, "", null, DEFAULT_UMASK, "sh", List.of());
    }

    /** As {@link #run(String)}, with the SSH channel's data as the command's standard input (read by {@code dd}). */
    public ExecResult run(String command, InputStream stdin) {
        return script(command, "", stdin == null ? null : new Stdin(stdin), DEFAULT_UMASK, "sh", List.of());
    }

    private ExecResult script(String text, String stdin, Stdin raw, int umask, String arg0, List<String> args) {
        Node tree;
        try {
            tree = new Parser(text).program();
        } catch (SyntaxError e) {
            return new ExecResult(2, "", e.getMessage() + "\n");
        }
        Sink out = new Sink(new StringBuilder());
        Sink err = new Sink(new StringBuilder());
        Session s = new Session(umask, arg0, args);
        int code;
        try {
            code = s.exec(tree, new Io(stdin, out, err, raw));
        } catch (ExitSignal e) {
            code = e.status;
        } catch (RuntimeException e) {
            err.add("sandbox node: internal error: " + e + "\n");
            code = 2;
        }
        return new ExecResult(code, out.text(), err.text());
    }

    // ---------------------------------------------------------------- syntax tree

    private sealed interface Part permits Lit, Var {
    }

    /** Literal text; quoted text is never split or globbed. */
    private record Lit(String text, boolean quoted) implements Part {
    }

    /** {@code $name}, {@code $1}, {@code $?}, {@code $#}. */
    private record Var(String name, boolean quoted) implements Part {
    }

    private record Word(List<Part> parts) {
        /** The text when there is nothing to expand, else null. */
        String literal() {
            StringBuilder sb = new StringBuilder();
            for (Part p : parts) {
                if (!(p instanceof Lit l)) return null;
                sb.append(l.text());
            }
            return sb.toString();
        }
    }

    /** Redirects {@code fd} (1 or 2) to {@code to}: 0 = /dev/null, 1 = stdout, 2 = stderr (as they are then). */
    private record Redir(int fd, int to) {
    }

    private sealed interface Node permits Simple, Pipeline, AndOr, Seq, If, For, FuncDef, Redirected {
    }

    private record Simple(List<Word> words, List<Redir> redirs) implements Node {
    }

    private record Pipeline(List<Node> parts) implements Node {
    }

    /** items[0] ops[0] items[1] ...; ops are "&&" or "||". */
    private record AndOr(List<Node> items, List<String> ops) implements Node {
    }

    private record Seq(List<Node> items) implements Node {
    }

    private record If(List<Node> conditions, List<Node> bodies, Node otherwise) implements Node {
    }

    private record For(String var, List<Word> words, Node body) implements Node {
    }

    private record FuncDef(String name, Node body) implements Node {
    }

    private record Redirected(Node inner, List<Redir> redirs) implements Node {
    }

    private static final class SyntaxError extends RuntimeException {
        SyntaxError(String message) {
            super(message, null, false, false);
        }
    }

    private static SyntaxError unsupportedSyntax(String what) {
        return new SyntaxError("sandbox node: unsupported shell syntax: " + what);
    }

    // ---------------------------------------------------------------- parser

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        Node program() {
            Seq list = list(Set.of());
            skipBlanksAndNewlines();
            if (pos < s.length()) throw syntax("unexpected '" + (peekWord() != null ? peekWord() : s.charAt(pos)) + "'");
            return list;
        }

        private SyntaxError syntax(String what) {
            return new SyntaxError("sandbox node: syntax error: " + what);
        }

        private boolean eof() {
            return pos >= s.length();
        }

        private char peek() {
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        private char peekAt(int i) {
            return pos + i < s.length() ? s.charAt(pos + i) : '\0';
        }

        private static boolean blank(char c) {
            return c == ' ' || c == '\t';
        }

        /** Ends an unquoted word. */
        private static boolean breaks(char c) {
            return blank(c) || c == '\n' || ";&|()<>".indexOf(c) >= 0;
        }

        private static boolean plain(char c) {
            return !breaks(c) && "'\"\\$`".indexOf(c) < 0;
        }

        private void skipBlanks() {
            while (!eof()) {
                char c = peek();
                if (blank(c)) {
                    pos++;
                } else if (c == '\\' && peekAt(1) == '\n') {
                    pos += 2;
                } else if (c == '#') {
                    while (!eof() && peek() != '\n') pos++;
                } else {
                    return;
                }
            }
        }

        private void skipBlanksAndNewlines() {
            while (true) {
                skipBlanks();
                if (peek() == '\n') pos++;
                else return;
            }
        }

        /** The plain word at pos when it stands alone (for reserved words), else null. */
        private String peekWord() {
            int j = pos;
            while (j < s.length() && plain(s.charAt(j))) j++;
            if (j == pos || (j < s.length() && !breaks(s.charAt(j)))) return null;
            return s.substring(pos, j);
        }

        private String peekReserved() {
            String w = peekWord();
            return w != null && RESERVED.contains(w) ? w : null;
        }

        private void expectReserved(String word) {
            skipBlanksAndNewlines();
            if (!word.equals(peekReserved())) {
                throw syntax("expected '" + word + "'" + (eof() ? " before the end" : " at '" + rest() + "'"));
            }
            pos += word.length();
        }

        private String rest() {
            String r = s.substring(pos);
            return r.length() > 30 ? r.substring(0, 30) + "…" : r;
        }

        private Seq list(Set<String> stops) {
            List<Node> items = new ArrayList<>();
            while (true) {
                skipBlanksAndNewlines();
                if (eof()) break;
                String rw = peekReserved();
                if (rw != null && stops.contains(rw)) break;
                items.add(andOr());
                skipBlanks();
                if (eof()) break;
                char c = peek();
                if (c == ';') {
                    if (peekAt(1) == ';') throw unsupportedSyntax(";; (case)");
                    pos++;
                } else if (c == '\n') {
                    pos++;
                } else if (c == '&') {
                    throw unsupportedSyntax("background job '&'");
                } else if (c == ')' || c == '(') {
                    throw unsupportedSyntax("subshell ( ... )");
                } else {
                    throw syntax("unexpected '" + c + "'");
                }
            }
            return new Seq(items);
        }

        private Node andOr() {
            List<Node> items = new ArrayList<>();
            List<String> ops = new ArrayList<>();
            items.add(pipeline());
            while (true) {
                skipBlanks();
                if (peek() == '&' && peekAt(1) == '&') {
                    ops.add("&&");
                } else if (peek() == '|' && peekAt(1) == '|') {
                    ops.add("||");
                } else {
                    break;
                }
                pos += 2;
                skipBlanksAndNewlines();
                items.add(pipeline());
            }
            return ops.isEmpty() ? items.get(0) : new AndOr(items, ops);
        }

        private Node pipeline() {
            List<Node> parts = new ArrayList<>();
            parts.add(command());
            while (true) {
                skipBlanks();
                if (peek() == '|' && peekAt(1) != '|') {
                    pos++;
                    skipBlanksAndNewlines();
                    parts.add(command());
                } else {
                    break;
                }
            }
            return parts.size() == 1 ? parts.get(0) : new Pipeline(parts);
        }

        private Node command() {
            skipBlanks();
            if (eof()) throw syntax("a command is missing at the end");
            char c = peek();
            if (c == '(') throw unsupportedSyntax("subshell ( ... )");
            if (c == ';' || c == '&' || c == '|' || c == ')' || c == '\n') throw syntax("unexpected '" + c + "'");
            String rw = peekReserved();
            if (rw != null) {
                Node compound = switch (rw) {
                    case "if" -> ifCommand();
                    case "for" -> forCommand();
                    case "{" -> {
                        pos++;
                        Seq body = list(Set.of("}"));
                        expectReserved("}");
                        yield body;
                    }
                    case "while", "until", "case", "select", "function", "!", "[[" -> throw unsupportedSyntax("'" + rw + "'");
                    default -> throw syntax("unexpected '" + rw + "'");
                };
                List<Redir> redirs = new ArrayList<>();
                while (true) {
                    skipBlanks();
                    if (!redirection(redirs)) break;
                }
                return redirs.isEmpty() ? compound : new Redirected(compound, redirs);
            }
            List<Word> words = new ArrayList<>();
            List<Redir> redirs = new ArrayList<>();
            while (true) {
                skipBlanks();
                if (eof()) break;
                c = peek();
                if (c == '(') {
                    if (words.size() == 1 && redirs.isEmpty()) return function(words.get(0));
                    throw unsupportedSyntax("'(' inside a command");
                }
                if (c == ';' || c == '&' || c == '|' || c == ')' || c == '\n') break;
                if (redirection(redirs)) continue;
                words.add(word());
            }
            if (!words.isEmpty() && words.get(0).parts().get(0) instanceof Lit l && !l.quoted()
                    && ASSIGNMENT.matcher(l.text()).matches()) {
                throw unsupportedSyntax("variable assignment " + l.text());
            }
            return new Simple(words, redirs);
        }

        private Node function(Word name) {
            pos++; // (
            skipBlanks();
            if (peek() != ')') throw unsupportedSyntax("subshell ( ... )");
            pos++;
            String n = name.literal();
            if (n == null || name.parts().size() != 1 || ((Lit) name.parts().get(0)).quoted() || !NAME.matcher(n).matches()) {
                throw syntax("bad function name");
            }
            skipBlanksAndNewlines();
            String rw = peekReserved();
            if (!"{".equals(rw) && !"if".equals(rw) && !"for".equals(rw)) {
                throw syntax("function " + n + ": the body must be { ... }");
            }
            return new FuncDef(n, command());
        }

        private Node ifCommand() {
            pos += 2;
            List<Node> conditions = new ArrayList<>();
            List<Node> bodies = new ArrayList<>();
            Node otherwise = null;
            while (true) {
                conditions.add(list(Set.of("then")));
                expectReserved("then");
                bodies.add(list(Set.of("elif", "else", "fi")));
                skipBlanksAndNewlines();
                String rw = peekReserved();
                if ("elif".equals(rw)) {
                    pos += 4;
                    continue;
                }
                if ("else".equals(rw)) {
                    pos += 4;
                    otherwise = list(Set.of("fi"));
                }
                expectReserved("fi");
                return new If(conditions, bodies, otherwise);
            }
        }

        private Node forCommand() {
            pos += 3;
            skipBlanks();
            int start = pos;
            while (!eof() && plain(peek())) pos++;
            String var = s.substring(start, pos);
            if (!NAME.matcher(var).matches()) throw syntax("bad for loop variable '" + var + "'");
            skipBlanksAndNewlines();
            if (!"in".equals(peekWord())) throw unsupportedSyntax("for without 'in'");
            pos += 2;
            List<Word> words = new ArrayList<>();
            while (true) {
                skipBlanks();
                if (eof()) throw syntax("for: expected 'do'");
                char c = peek();
                if (c == ';' || c == '\n') {
                    pos++;
                    break;
                }
                if (breaks(c)) throw syntax("for: unexpected '" + c + "'");
                words.add(word());
            }
            expectReserved("do");
            Seq body = list(Set.of("done"));
            expectReserved("done");
            return new For(var, words, body);
        }

        /** Parses one redirection at pos into {@code out}; false (pos unchanged) when there is none. */
        private boolean redirection(List<Redir> out) {
            int save = pos;
            int fd = 1;
            char c = peek();
            if (c >= '0' && c <= '9' && (peekAt(1) == '>' || peekAt(1) == '<')) {
                fd = c - '0';
                pos++;
                c = peek();
            }
            if (c == '<') throw unsupportedSyntax("input redirection '<'");
            if (c != '>') {
                pos = save;
                return false;
            }
            pos++;
            int to;
            if (peek() == '&') {
                pos++;
                skipBlanks();
                String t = targetWord();
                if (t == null || !(t.equals("1") || t.equals("2"))) {
                    throw unsupportedSyntax("redirection >&" + (t == null ? "(expansion)" : t));
                }
                to = t.charAt(0) - '0';
            } else {
                if (peek() == '>' || peek() == '|') pos++;
                skipBlanks();
                String t = targetWord();
                if (!"/dev/null".equals(t)) {
                    throw unsupportedSyntax("redirection to " + (t == null ? "an expansion" : t) + " (only /dev/null)");
                }
                to = 0;
            }
            if (fd != 1 && fd != 2) throw unsupportedSyntax("redirection of file descriptor " + fd);
            out.add(new Redir(fd, to));
            return true;
        }

        private String targetWord() {
            if (eof() || breaks(peek())) throw syntax("redirection without a target");
            return word().literal();
        }

        /** One word at pos (pos is at a character that starts a word). */
        private Word word() {
            WordBuilder w = new WordBuilder();
            boolean first = true;
            while (!eof()) {
                char c = peek();
                if (breaks(c)) break;
                if (c == '\'') {
                    int end = s.indexOf('\'', pos + 1);
                    if (end < 0) throw syntax("unterminated single quote");
                    w.quoted(s.substring(pos + 1, end));
                    pos = end + 1;
                } else if (c == '"') {
                    pos++;
                    doubleQuoted(w);
                } else if (c == '\\') {
                    if (peekAt(1) == '\n') {
                        pos += 2;
                    } else if (pos + 1 >= s.length()) {
                        w.add('\\', false);
                        pos++;
                    } else {
                        w.add(s.charAt(pos + 1), true);
                        pos += 2;
                    }
                } else if (c == '$') {
                    pos++;
                    dollar(w, false);
                } else if (c == '`') {
                    throw unsupportedSyntax("command substitution `...`");
                } else if (c == '~' && first) {
                    throw unsupportedSyntax("tilde expansion");
                } else {
                    w.add(c, false);
                    pos++;
                }
                first = false;
            }
            return w.build();
        }

        private void doubleQuoted(WordBuilder w) {
            w.quoted("");
            while (true) {
                if (eof()) throw syntax("unterminated double quote");
                char c = peek();
                if (c == '"') {
                    pos++;
                    return;
                }
                if (c == '\\') {
                    char n = peekAt(1);
                    if (n == '\n') {
                        pos += 2;
                    } else if (n == '$' || n == '`' || n == '"' || n == '\\') {
                        w.add(n, true);
                        pos += 2;
                    } else {
                        w.add('\\', true);
                        pos++;
                    }
                } else if (c == '$') {
                    pos++;
                    dollar(w, true);
                } else if (c == '`') {
                    throw unsupportedSyntax("command substitution `...`");
                } else {
                    w.add(c, true);
                    pos++;
                }
            }
        }

        /** After a '$'. */
        private void dollar(WordBuilder w, boolean quoted) {
            char c = peek();
            if (c == '(') throw unsupportedSyntax(peekAt(1) == '(' ? "arithmetic $((...))" : "command substitution $(...)");
            if (c == '{') {
                int end = s.indexOf('}', pos);
                String inner = end < 0 ? "" : s.substring(pos + 1, end);
                if (end < 0 || !(NAME.matcher(inner).matches() || inner.matches("[0-9]|[?#]"))) {
                    throw unsupportedSyntax("parameter expansion ${" + (end < 0 ? s.substring(pos + 1) : inner) + "}");
                }
                w.var(inner, quoted);
                pos = end + 1;
            } else if (c == '_' || Character.isLetter(c) && c < 128) {
                int start = pos;
                while (!eof() && (peek() == '_' || Character.isLetterOrDigit(peek()) && peek() < 128)) pos++;
                w.var(s.substring(start, pos), quoted);
            } else if ((c >= '0' && c <= '9') || c == '?' || c == '#') {
                w.var(String.valueOf(c), quoted);
                pos++;
            } else if (c == '@' || c == '*' || c == '$' || c == '!' || c == '-') {
                throw unsupportedSyntax("special parameter $" + c);
            } else {
                w.add('$', quoted);
            }
        }
    }

    private static final class WordBuilder {
        private final List<Part> parts = new ArrayList<>();
        private final StringBuilder lit = new StringBuilder();
        private boolean litQuoted;

        void add(char c, boolean quoted) {
            if (lit.length() > 0 && litQuoted != quoted) flush();
            litQuoted = quoted;
            lit.append(c);
        }

        /** Quoted text, possibly empty (an empty quoted word is still a word). */
        void quoted(String text) {
            flush();
            parts.add(new Lit(text, true));
        }

        void var(String name, boolean quoted) {
            flush();
            parts.add(new Var(name, quoted));
        }

        private void flush() {
            if (lit.length() > 0) parts.add(new Lit(lit.toString(), litQuoted));
            lit.setLength(0);
        }

        Word build() {
            flush();
            return new Word(List.copyOf(parts));
        }
    }

    // ---------------------------------------------------------------- execution

    /** An output stream of the shell; a null buffer is /dev/null. */
    private record Sink(StringBuilder sb) {
        static final Sink NULL = new Sink(null);

        void add(String text) {
            if (sb != null) sb.append(text);
        }

        String text() {
            return sb == null ? "" : sb.toString();
        }
    }

    /**
     * A command's input and outputs. {@code in} is text from a pipe; {@code raw} is the exec channel's own stdin
     * (fd 0 of the whole command, shared by nested {@code sh -c}), null inside a pipe or when the channel has none.
     */
    private record Io(String in, Sink out, Sink err, Stdin raw) {
        Io redirect(List<Redir> redirs) {
            Sink[] fds = {out, err};
            for (Redir r : redirs) fds[r.fd() - 1] = r.to() == 0 ? Sink.NULL : fds[r.to() - 1];
            return new Io(in, fds[0], fds[1], raw);
        }
    }

    /** The exec channel's standard input, consumed in order by whatever reads it (as a real fd 0). */
    private static final class Stdin {
        private final InputStream in;

        Stdin(InputStream in) {
            this.in = in;
        }

        /** Up to {@code n} bytes: fewer only at end of input (dd's iflag=fullblock). */
        synchronized byte[] read(int n) throws IOException {
            return in.readNBytes(n);
        }
    }

    private static final class ExitSignal extends RuntimeException {
        final int status;

        ExitSignal(int status) {
            super(null, null, false, false);
            this.status = status;
        }
    }

    private static final class ReturnSignal extends RuntimeException {
        final int status;

        ReturnSignal(int status) {
            super(null, null, false, false);
            this.status = status;
        }
    }

    /** A command's loud failure: message for stderr and exit status. */
    private static final class ShellError extends RuntimeException {
        final int status;

        ShellError(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private static ShellError unsupportedOption(String cmd, String option) {
        return new ShellError(2, "sandbox node: unsupported option " + option + " for " + cmd);
    }

    /** One word after expansion: its text and which characters were unquoted (glob-active). */
    private record Field(String text, BitSet unquoted) {
    }

    private final class Session {
        private int umask;
        private final String arg0;
        private List<String> positional;
        private final Map<String, String> vars = new HashMap<>();
        private final Map<String, Node> functions = new HashMap<>();
        private int status;
        private int functionDepth;

        Session(int umask, String arg0, List<String> positional) {
            this.umask = umask;
            this.arg0 = arg0;
            this.positional = positional;
        }

        int exec(Node node, Io io) {
            int st = execNode(node, io);
            status = st;
            return st;
        }

        private int execNode(Node node, Io io) {
            if (node instanceof Simple c) return simple(c, io);
            if (node instanceof Seq seq) {
                int st = 0;
                for (Node n : seq.items()) st = exec(n, io);
                return st;
            }
            if (node instanceof AndOr ao) {
                int st = exec(ao.items().get(0), io);
                for (int i = 1; i < ao.items().size(); i++) {
                    boolean and = ao.ops().get(i - 1).equals("&&");
                    if ((st == 0) == and) st = exec(ao.items().get(i), io);
                }
                return st;
            }
            if (node instanceof Pipeline p) {
                String in = io.in();
                int st = 0;
                for (int i = 0; i < p.parts().size(); i++) {
                    boolean last = i == p.parts().size() - 1;
                    Sink out = last ? io.out() : new Sink(new StringBuilder());
                    // the first element reads the command's stdin, the others the pipe
                    st = isolated(p.parts().get(i), new Io(in, out, io.err(), i == 0 ? io.raw() : null));
                    in = out.text();
                }
                return st;
            }
            if (node instanceof If f) {
                for (int i = 0; i < f.conditions().size(); i++) {
                    if (exec(f.conditions().get(i), io) == 0) return exec(f.bodies().get(i), io);
                }
                return f.otherwise() == null ? 0 : exec(f.otherwise(), io);
            }
            if (node instanceof For f) {
                List<String> values;
                try {
                    values = expand(f.words());
                } catch (ShellError e) {
                    io.err().add(e.getMessage() + "\n");
                    return e.status;
                }
                int st = 0;
                for (String v : values) {
                    vars.put(f.var(), v);
                    st = exec(f.body(), io);
                }
                return st;
            }
            if (node instanceof FuncDef d) {
                functions.put(d.name(), d.body());
                return 0;
            }
            if (node instanceof Redirected r) return exec(r.inner(), io.redirect(r.redirs()));
            throw new IllegalStateException("unknown node " + node);
        }

        /** A pipeline element: like a subshell, exit and return end only this element. */
        private int isolated(Node node, Io io) {
            try {
                return exec(node, io);
            } catch (ExitSignal e) {
                return e.status;
            } catch (ReturnSignal e) {
                return e.status;
            }
        }

        private int simple(Simple c, Io io) {
            Io rio = io.redirect(c.redirs());
            List<String> argv;
            try {
                argv = expand(c.words());
            } catch (ShellError e) {
                rio.err().add(e.getMessage() + "\n");
                return e.status;
            }
            if (argv.isEmpty()) return 0;
            return invoke(argv, rio, true);
        }

        /** @param shell whether shell builtins and functions count (not after exec or sudo: those run programs) */
        private int invoke(List<String> argv, Io io, boolean shell) {
            String name = argv.get(0);
            List<String> args = argv.subList(1, argv.size());
            try {
                if (shell) {
                    switch (name) {
                        case "exit" -> throw new ExitSignal(statusArg("exit", args));
                        case "return" -> {
                            if (functionDepth == 0) throw new ShellError(2, "sandbox node: return: not in a function");
                            throw new ReturnSignal(statusArg("return", args));
                        }
                        case "exec" -> {
                            if (args.isEmpty()) throw new SyntaxError("sandbox node: unsupported shell syntax: exec without a command");
                            throw new ExitSignal(invoke(args, io, false));
                        }
                        case "umask" -> {
                            return umask(args, io);
                        }
                        default -> {
                            Node f = functions.get(name);
                            if (f != null) return call(f, args, io);
                        }
                    }
                }
                Integer st = builtin(name, args, io);
                if (st != null) return st;
                ExecResult r = programs.run(name, List.copyOf(args), io.in());
                if (r == null) {
                    io.err().add("sandbox node: unsupported command: " + name + "\n");
                    return 127;
                }
                io.out().add(r.stdout());
                io.err().add(r.stderr());
                return r.exitCode();
            } catch (ShellError e) {
                io.err().add(e.getMessage() + "\n");
                return e.status;
            } catch (SyntaxError e) {
                io.err().add(e.getMessage() + "\n");
                return 2;
            } catch (IOException e) {
                io.err().add(name + ": " + e + "\n");
                return 1;
            } catch (UncheckedIOException e) {
                io.err().add(name + ": " + e.getCause() + "\n");
                return 1;
            }
        }

        private int statusArg(String cmd, List<String> args) {
            if (args.isEmpty()) return status;
            if (args.size() > 1) throw new ShellError(2, "sandbox node: " + cmd + ": too many arguments");
            if (!STATUS.matcher(args.get(0)).matches()) {
                throw new ShellError(2, "sandbox node: " + cmd + ": Illegal number: " + args.get(0));
            }
            return Integer.parseInt(args.get(0)) & 0xFF;
        }

        private int umask(List<String> args, Io io) {
            if (args.isEmpty()) {
                io.out().add(String.format("%04o%n", umask));
                return 0;
            }
            if (args.size() != 1 || !OCTAL.matcher(args.get(0)).matches()) {
                throw unsupportedOption("umask", String.join(" ", args));
            }
            umask = Integer.parseInt(args.get(0), 8) & 0777;
            return 0;
        }

        private int call(Node body, List<String> args, Io io) {
            List<String> saved = positional;
            positional = List.copyOf(args);
            functionDepth++;
            try {
                return exec(body, io);
            } catch (ReturnSignal r) {
                return r.status;
            } finally {
                positional = saved;
                functionDepth--;
            }
        }

        private Integer builtin(String name, List<String> args, Io io) throws IOException {
            return switch (name) {
                case "sh" -> sh(args, io);
                case "sudo" -> sudo(args, io);
                case "true", ":" -> 0;
                case "false" -> 1;
                case "echo" -> echo(args, io);
                case "test" -> test(args);
                case "[" -> {
                    if (args.isEmpty() || !args.get(args.size() - 1).equals("]")) {
                        throw new ShellError(2, "[: missing ]");
                    }
                    yield test(args.subList(0, args.size() - 1));
                }
                case "sha256sum" -> sha256sum(args, io);
                case "stat" -> stat(args, io);
                case "mkdir" -> mkdir(args, io, umask);
                case "chmod" -> chmod(args, io);
                case "chown" -> chown(args, io);
                case "rm" -> rm(args, io);
                case "mv" -> mv(args, io);
                case "ln" -> ln(args, io);
                case "cp" -> cp(args, io, umask);
                case "install" -> install(args, io);
                case "cat" -> cat(args, io);
                case "tail" -> tail(args, io);
                case "date" -> date(args, io);
                case "grep" -> grep(args, io);
                case "sed" -> sed(args, io);
                case "dd" -> dd(args, io, umask);
                default -> null;
            };
        }

        private int sh(List<String> args, Io io) {
            if (args.isEmpty() || !args.get(0).equals("-c")) {
                throw unsupportedOption("sh", args.isEmpty() ? "(script on stdin)" : args.get(0));
            }
            if (args.size() < 2) throw new ShellError(2, "sh: -c requires an argument");
            String name = args.size() > 2 ? args.get(2) : "sh";
            List<String> rest = args.size() > 3 ? args.subList(3, args.size()) : List.of();
            ExecResult r = script(args.get(1), io.in(), io.raw(), umask, name, List.copyOf(rest));
            io.out().add(r.stdout());
            io.err().add(r.stderr());
            return r.exitCode();
        }

        private int sudo(List<String> args, Io io) {
            int i = 0;
            while (i < args.size() && args.get(i).startsWith("-")) {
                String a = args.get(i++);
                if (a.equals("--")) break;
                if (!a.equals("-n")) throw unsupportedOption("sudo", a);
            }
            if (i >= args.size()) throw new ShellError(1, "usage: sudo -n command");
            // the sandbox login is root: sudo runs the command as it is (a program, not a shell function)
            return invoke(args.subList(i, args.size()), io, false);
        }

        // ---------------------------------------------------------------- expansion

        private List<String> expand(List<Word> words) {
            List<String> out = new ArrayList<>();
            for (Word w : words) {
                for (Field f : fields(w)) {
                    if (hasGlob(f)) out.addAll(glob(f));
                    else out.add(f.text());
                }
            }
            return out;
        }

        private String value(String name) {
            char c = name.charAt(0);
            if (c >= '0' && c <= '9') {
                int n = c - '0';
                if (n == 0) return arg0;
                return n <= positional.size() ? positional.get(n - 1) : "";
            }
            if (name.equals("?")) return String.valueOf(status);
            if (name.equals("#")) return String.valueOf(positional.size());
            return vars.getOrDefault(name, "");
        }

        private List<Field> fields(Word w) {
            List<Field> out = new ArrayList<>();
            StringBuilder sb = new StringBuilder();
            BitSet unquoted = new BitSet();
            boolean started = false;
            for (Part p : w.parts()) {
                String text;
                boolean quoted;
                boolean split;
                if (p instanceof Lit l) {
                    text = l.text();
                    quoted = l.quoted();
                    split = false;
                } else {
                    Var v = (Var) p;
                    text = value(v.name());
                    quoted = v.quoted();
                    split = !quoted;
                }
                if (quoted) started = true;
                for (int i = 0; i < text.length(); i++) {
                    char c = text.charAt(i);
                    if (split && (c == ' ' || c == '\t' || c == '\n')) {
                        if (started) {
                            out.add(new Field(sb.toString(), unquoted));
                            sb = new StringBuilder();
                            unquoted = new BitSet();
                            started = false;
                        }
                        continue;
                    }
                    if (!quoted) unquoted.set(sb.length());
                    sb.append(c);
                    started = true;
                }
            }
            if (started) out.add(new Field(sb.toString(), unquoted));
            return out;
        }
    }

    // ---------------------------------------------------------------- pathname expansion

    private static boolean hasGlob(Field f) {
        String t = f.text();
        for (int i = 0; i < t.length(); i++) {
            if (!f.unquoted().get(i)) continue;
            char c = t.charAt(i);
            if (c == '*' || c == '?' || (c == '[' && closingBracket(t, i) > 0)) return true;
        }
        return false;
    }

    /** Index of the ']' closing a bracket expression opened at {@code i}, within the path component; -1 if none. */
    private static int closingBracket(String t, int i) {
        int j = i + 1;
        if (j < t.length() && (t.charAt(j) == '!' || t.charAt(j) == '^')) j++;
        if (j < t.length() && t.charAt(j) == ']') j++;
        while (j < t.length() && t.charAt(j) != ']' && t.charAt(j) != '/') j++;
        return j < t.length() && t.charAt(j) == ']' ? j : -1;
    }

    /** The existing node paths matching the pattern, sorted; the pattern itself when nothing matches. */
    private List<String> glob(Field f) {
        String t = f.text();
        boolean absolute = t.startsWith("/");
        List<String> candidates = java.util.Collections.singletonList(absolute ? "" : null);
        int start = absolute ? 1 : 0;
        while (start <= t.length()) {
            int end = t.indexOf('/', start);
            if (end < 0) end = t.length();
            String comp = t.substring(start, end);
            List<String> next = new ArrayList<>();
            if (!hasGlob(new Field(comp, f.unquoted().get(start, Math.max(start, end))))) {
                for (String c : candidates) next.add(join(c, comp));
            } else {
                Pattern p = componentPattern(t, f.unquoted(), start, end);
                boolean dotOk = comp.startsWith(".");
                for (String c : candidates) {
                    Path dir;
                    try {
                        dir = root.local(nodePath(c));
                    } catch (IllegalArgumentException e) {
                        continue;
                    }
                    if (!Files.isDirectory(dir)) continue;
                    TreeSet<String> names = new TreeSet<>();
                    try (Stream<Path> list = Files.list(dir)) {
                        list.forEach(x -> names.add(x.getFileName().toString()));
                    } catch (IOException e) {
                        continue;
                    }
                    for (String n : names) {
                        if ((dotOk || !n.startsWith(".")) && p.matcher(n).matches()) next.add(join(c, n));
                    }
                }
            }
            candidates = next;
            if (candidates.isEmpty()) break;
            start = end + 1;
        }
        TreeSet<String> found = new TreeSet<>();
        for (String c : candidates) {
            try {
                if (Files.exists(root.local(nodePath(c)), LinkOption.NOFOLLOW_LINKS)) found.add(c);
            } catch (IllegalArgumentException e) {
                // outside the root: not a match
            }
        }
        return found.isEmpty() ? List.of(t) : new ArrayList<>(found);
    }

    /** Joins a matched prefix (null: nothing yet of a relative pattern) and a component. */
    private static String join(String prefix, String comp) {
        return prefix == null ? comp : prefix + "/" + comp;
    }

    private static String nodePath(String prefix) {
        if (prefix == null || prefix.isEmpty()) return prefix == null ? HOME : "/";
        return prefix.startsWith("/") ? prefix : HOME + "/" + prefix;
    }

    private static Pattern componentPattern(String t, BitSet unquoted, int start, int end) {
        StringBuilder re = new StringBuilder();
        for (int i = start; i < end; i++) {
            char c = t.charAt(i);
            boolean active = unquoted.get(i);
            if (active && c == '*') {
                re.append(".*");
            } else if (active && c == '?') {
                re.append('.');
            } else if (active && c == '[' && closingBracket(t, i) > 0) {
                int close = closingBracket(t, i);
                int j = i + 1;
                re.append('[');
                if (t.charAt(j) == '!' || t.charAt(j) == '^') {
                    re.append('^');
                    j++;
                }
                for (int k = j; k < close; k++) {
                    char b = t.charAt(k);
                    if (b == '[' && k + 1 < close && t.charAt(k + 1) == ':') {
                        throw new ShellError(2, "sandbox node: unsupported shell syntax: character class in "
                                + t.substring(i, close + 1));
                    }
                    if (b == '-' && k > j && k < close - 1) re.append('-');
                    else if (Character.isLetterOrDigit(b)) re.append(b);
                    else re.append('\\').append(b);
                }
                re.append(']');
                i = close;
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    // ---------------------------------------------------------------- commands

    private record Opts(Set<Character> flags, Map<Character, String> values, List<String> operands) {
    }

    /** GNU-style options (permuted, "--" ends them); anything not listed fails loudly. */
    private static Opts opts(String cmd, List<String> args, String flagChars, String valueChars) {
        Set<Character> flags = new java.util.HashSet<>();
        Map<Character, String> values = new LinkedHashMap<>();
        List<String> operands = new ArrayList<>();
        boolean done = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!done && a.equals("--")) {
                done = true;
            } else if (!done && a.startsWith("-") && a.length() > 1) {
                if (a.startsWith("--")) throw unsupportedOption(cmd, a);
                for (int j = 1; j < a.length(); j++) {
                    char c = a.charAt(j);
                    if (flagChars.indexOf(c) >= 0) {
                        flags.add(c);
                    } else if (valueChars.indexOf(c) >= 0) {
                        String v;
                        if (j + 1 < a.length()) v = a.substring(j + 1);
                        else if (i + 1 < args.size()) v = args.get(++i);
                        else throw unsupportedOption(cmd, "-" + c + " without a value");
                        values.put(c, v);
                        break;
                    } else {
                        throw unsupportedOption(cmd, "-" + c);
                    }
                }
            } else {
                operands.add(a);
            }
        }
        return new Opts(flags, values, operands);
    }

    /** The local file for an absolute node path given to {@code cmd}. */
    private Path local(String cmd, String nodePath) {
        if (!nodePath.startsWith("/")) {
            throw new ShellError(2, "sandbox node: " + cmd + ": only absolute paths are supported: " + nodePath);
        }
        try {
            return root.local(nodePath);
        } catch (IllegalArgumentException e) {
            throw new ShellError(2, "sandbox node: " + cmd + ": path escapes the node's root: " + nodePath);
        }
    }

    private static String nodeName(String nodePath) {
        String p = nodePath.endsWith("/") && nodePath.length() > 1 ? nodePath.substring(0, nodePath.length() - 1) : nodePath;
        return p.substring(p.lastIndexOf('/') + 1);
    }

    /** The destination of mv/ln/cp/install: into {@code dst} when it is a folder. */
    private String destination(String cmd, String src, String dst) {
        return Files.isDirectory(local(cmd, dst)) ? (dst.endsWith("/") ? dst : dst + "/") + nodeName(src) : dst;
    }

    /** The error text as coreutils prints it (strerror). */
    private static String reason(FileSystemException e) {
        if (e instanceof NoSuchFileException) return "No such file or directory";
        if (e instanceof java.nio.file.AccessDeniedException) return "Permission denied";
        if (e instanceof FileAlreadyExistsException) return "File exists";
        return e.getReason() != null ? e.getReason() : e.toString();
    }

    private static int mode(Path p, LinkOption... options) throws IOException {
        try {
            return (Integer) Files.getAttribute(p, "unix:mode", options) & 07777;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            int m = 0;
            for (PosixFilePermission perm : Files.getPosixFilePermissions(p, options)) m |= 0400 >> perm.ordinal();
            return m;
        }
    }

    private static void setMode(Path p, int mode) throws IOException {
        try {
            Files.setAttribute(p, "unix:mode", mode & 07777);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
            for (PosixFilePermission perm : PosixFilePermission.values()) {
                if ((mode & (0400 >> perm.ordinal())) != 0) perms.add(perm);
            }
            Files.setPosixFilePermissions(p, perms);
        }
    }

    private static int octalMode(String cmd, String mode) {
        if (!OCTAL.matcher(mode).matches()) throw unsupportedOption(cmd, "mode " + mode + " (only octal modes)");
        return Integer.parseInt(mode, 8);
    }

    private static int echo(List<String> args, Io io) {
        boolean newline = args.isEmpty() || !args.get(0).equals("-n");
        List<String> words = newline ? args : args.subList(1, args.size());
        io.out().add(String.join(" ", words) + (newline ? "\n" : ""));
        return 0;
    }

    private int test(List<String> args) throws IOException {
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
                    case "-e", "-f", "-d", "-x", "-S": {
                        Path p = local("test", a);
                        boolean r = switch (op) {
                            case "-e" -> Files.exists(p);
                            case "-f" -> Files.isRegularFile(p);
                            case "-d" -> Files.isDirectory(p);
                            case "-x" -> Files.isDirectory(p) || (Files.exists(p) && (mode(p) & 0111) != 0);
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

    private int sha256sum(List<String> args, Io io) throws IOException {
        Opts o = opts("sha256sum", args, "", "");
        int st = 0;
        for (String path : o.operands()) {
            Path p = local("sha256sum", path);
            if (Files.isDirectory(p)) {
                io.err().add("sha256sum: " + path + ": Is a directory\n");
                st = 1;
                continue;
            }
            MessageDigest md;
            try {
                md = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            try (InputStream in = Files.newInputStream(p)) {
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            } catch (FileSystemException e) {
                io.err().add("sha256sum: " + path + ": " + reason(e) + "\n");
                st = 1;
                continue;
            }
            String hex = HexFormat.of().formatHex(md.digest());
            if (path.contains("\\") || path.contains("\n")) {
                io.out().add("\\" + hex + "  " + path.replace("\\", "\\\\").replace("\n", "\\n") + "\n");
            } else {
                io.out().add(hex + "  " + path + "\n");
            }
        }
        return st;
    }

    private int stat(List<String> args, Io io) throws IOException {
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

    private int mkdir(List<String> args, Io io, int umask) throws IOException {
        Opts o = opts("mkdir", args, "p", "");
        if (o.operands().isEmpty()) throw new ShellError(1, "mkdir: missing operand");
        boolean parents = o.flags().contains('p');
        int mode = 0777 & ~umask;
        int st = 0;
        for (String path : o.operands()) {
            Path p = local("mkdir", path);
            if (parents) {
                if (Files.isDirectory(p)) continue;
                List<Path> missing = new ArrayList<>();
                for (Path q = p; q != null && !Files.exists(q, LinkOption.NOFOLLOW_LINKS); q = q.getParent()) missing.add(0, q);
                try {
                    for (Path q : missing) {
                        try {
                            Files.createDirectory(q);
                            setMode(q, mode);
                        } catch (FileAlreadyExistsException e) {
                            if (!Files.isDirectory(q)) throw e; // created meanwhile by a concurrent mkdir -p
                        }
                    }
                    if (missing.isEmpty()) throw new FileAlreadyExistsException(path);
                } catch (FileAlreadyExistsException e) {
                    io.err().add("mkdir: cannot create directory '" + path + "': File exists\n");
                    st = 1;
                } catch (FileSystemException e) {
                    io.err().add("mkdir: cannot create directory '" + path + "': " + reason(e) + "\n");
                    st = 1;
                }
            } else {
                try {
                    Files.createDirectory(p);
                    setMode(p, mode);
                } catch (FileAlreadyExistsException e) {
                    io.err().add("mkdir: cannot create directory '" + path + "': File exists\n");
                    st = 1;
                } catch (FileSystemException e) {
                    io.err().add("mkdir: cannot create directory '" + path + "': " + reason(e) + "\n");
                    st = 1;
                }
            }
        }
        return st;
    }

    private int chmod(List<String> args, Io io) throws IOException {
        Opts o = opts("chmod", args, "", "");
        if (o.operands().size() < 2) throw new ShellError(1, "chmod: missing operand");
        int mode = octalMode("chmod", o.operands().get(0));
        int st = 0;
        for (String path : o.operands().subList(1, o.operands().size())) {
            Path p = local("chmod", path);
            if (!Files.exists(p)) {
                io.err().add("chmod: cannot access '" + path + "': No such file or directory\n");
                st = 1;
                continue;
            }
            setMode(p, mode);
        }
        return st;
    }

    /** Every file on a sandbox node belongs to root: only root as the owner is accepted, and nothing changes. */
    private int chown(List<String> args, Io io) {
        Opts o = opts("chown", args, "", "");
        if (o.operands().size() < 2) throw new ShellError(1, "chown: missing operand");
        String owner = o.operands().get(0);
        if (!Set.of("0:0", "root:root", "0", "root").contains(owner)) {
            throw new ShellError(2, "sandbox node: chown: every file on a sandbox node belongs to root, not " + owner);
        }
        int st = 0;
        for (String path : o.operands().subList(1, o.operands().size())) {
            if (!Files.exists(local("chown", path), LinkOption.NOFOLLOW_LINKS)) {
                io.err().add("chown: cannot access '" + path + "': No such file or directory\n");
                st = 1;
            }
        }
        return st;
    }

    private int rm(List<String> args, Io io) throws IOException {
        List<String> a = new ArrayList<>(args);
        boolean oneFileSystem = a.remove("--one-file-system");
        Opts o = opts("rm", a, "fr", "");
        boolean force = o.flags().contains('f');
        boolean recursive = o.flags().contains('r');
        if (o.operands().isEmpty() && !force) throw new ShellError(1, "rm: missing operand");
        int st = 0;
        for (String path : o.operands()) {
            Path p = local("rm", path);
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                if (recursive && p.equals(root.local("/"))) {
                    io.err().add("rm: it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe\n");
                    st = 1;
                    continue;
                }
                if (recursive) {
                    // GNU rm crosses into mounted filesystems (deleting their files) unless --one-file-system
                    Set<String> mounted = mountPoints();
                    st |= removeTree(path, p, oneFileSystem ? otherDevices(path) : Set.of(), mounted, io);
                    continue;
                }
                io.err().add("rm: cannot remove '" + path + "': Is a directory\n");
                st = 1;
                continue;
            }
            try {
                if (!Files.deleteIfExists(p) && !force) {
                    io.err().add("rm: cannot remove '" + path + "': No such file or directory\n");
                    st = 1;
                }
            } catch (DirectoryNotEmptyException e) {
                io.err().add("rm: cannot remove '" + path + "': Is a directory\n");
                st = 1;
            }
        }
        return st;
    }

    /**
     * The node's mount points (field 2 of its /proc/mounts) on another device than the filesystem {@code start} is
     * on, which {@code rm --one-file-system} skips: GNU rm compares device numbers, so it goes on through a bind
     * mount of the same block device (the same field 1, a /dev/ path) and stops only at another filesystem; a
     * pseudo filesystem (tmpfs, overlay, ...) is a device of its own.
     */
    private Set<String> otherDevices(String start) throws IOException {
        Path table = root.local("/proc/mounts");
        if (!Files.exists(table)) return Set.of();
        List<String[]> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(table, StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            if (f.length > 1) mounts.add(new String[] {f[0], f[1].replace("\\040", " ")});
        }
        String startDevice = null;
        int longest = -1;
        for (String[] m : mounts) {
            boolean holds = m[1].equals("/") || start.equals(m[1]) || start.startsWith(m[1] + "/");
            if (holds && m[1].length() > longest) {
                longest = m[1].length();
                startDevice = m[0];
            }
        }
        Set<String> out = new java.util.HashSet<>();
        for (String[] m : mounts) {
            boolean sameDevice = m[0].startsWith("/dev/") && m[0].equals(startDevice);
            if (!m[1].equals("/") && !sameDevice) out.add(m[1]);
        }
        return out;
    }

    /** Every mount point of the node (field 2 of its /proc/mounts) but /. */
    private Set<String> mountPoints() throws IOException {
        Path table = root.local("/proc/mounts");
        if (!Files.exists(table)) return Set.of();
        Set<String> out = new java.util.HashSet<>();
        for (String line : Files.readAllLines(table, StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            if (f.length > 1 && !f[1].equals("/")) out.add(f[1].replace("\\040", " "));
        }
        return out;
    }

    /**
     * rm -r of one directory, depth first, never following symlinks; skips mount points in {@code skip}; a mount
     * point in {@code mounted} it went through is emptied but stays (rmdir of a mount point: EBUSY).
     */
    private int removeTree(String nodePath, Path dir, Set<String> skip, Set<String> mounted, Io io) throws IOException {
        if (skip.contains(nodePath)) {
            io.err().add("rm: skipping '" + nodePath + "', since it's on a different device\n");
            return 1;
        }
        int st = 0;
        List<Path> children;
        try (java.util.stream.Stream<Path> list = Files.list(dir)) {
            children = list.sorted().toList();
        }
        for (Path c : children) {
            String childPath = (nodePath.endsWith("/") ? nodePath : nodePath + "/") + c.getFileName();
            if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) st |= removeTree(childPath, c, skip, mounted, io);
            else Files.deleteIfExists(c);
        }
        if (st == 0 && mounted.contains(nodePath)) {
            io.err().add("rm: cannot remove '" + nodePath + "': Device or resource busy\n");
            return 1;
        }
        if (st == 0) Files.deleteIfExists(dir);
        return st;
    }

    private List<String> twoOperands(String cmd, Opts o) {
        if (o.operands().size() == 1) {
            throw new ShellError(1, cmd + ": missing destination file operand after '" + o.operands().get(0) + "'");
        }
        if (o.operands().size() != 2) {
            throw new ShellError(2, "sandbox node: " + cmd + ": exactly two operands are supported, got "
                    + o.operands().size());
        }
        return o.operands();
    }

    private int mv(List<String> args, Io io) throws IOException {
        List<String> ops = twoOperands("mv", opts("mv", args, "f", ""));
        String src = ops.get(0);
        Path from = local("mv", src);
        if (!Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
            io.err().add("mv: cannot stat '" + src + "': No such file or directory\n");
            return 1;
        }
        String dst = destination("mv", src, ops.get(1));
        Path to = local("mv", dst);
        try {
            try {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (NoSuchFileException e) {
            io.err().add("mv: cannot move '" + src + "' to '" + dst + "': No such file or directory\n");
            return 1;
        } catch (DirectoryNotEmptyException e) {
            io.err().add("mv: cannot move '" + src + "' to '" + dst + "': Directory not empty\n");
            return 1;
        }
        return 0;
    }

    private int ln(List<String> args, Io io) throws IOException {
        Opts o = opts("ln", args, "f", "");
        List<String> ops = twoOperands("ln", o);
        String src = ops.get(0);
        Path from = local("ln", src);
        if (!Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
            io.err().add("ln: failed to access '" + src + "': No such file or directory\n");
            return 1;
        }
        if (Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
            io.err().add("ln: " + src + ": hard link not allowed for directory\n");
            return 1;
        }
        String dst = destination("ln", src, ops.get(1));
        Path to = local("ln", dst);
        if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
            if (!o.flags().contains('f')) {
                io.err().add("ln: failed to create hard link '" + dst + "': File exists\n");
                return 1;
            }
            if (Files.isSameFile(from, to)) return 0;
            Files.delete(to);
        }
        try {
            Files.createLink(to, from);
        } catch (NoSuchFileException e) {
            io.err().add("ln: failed to create hard link '" + dst + "' => '" + src + "': No such file or directory\n");
            return 1;
        } catch (UnsupportedOperationException e) {
            io.err().add("ln: failed to create hard link '" + dst + "' => '" + src + "': Operation not permitted\n");
            return 1;
        }
        return 0;
    }

    /** The source of cp/install: a file that exists and is not a folder, else null with coreutils' message. */
    private Path copySource(String cmd, String src, String onFolder, Io io) {
        Path from = local(cmd, src);
        if (!Files.exists(from)) {
            io.err().add(cmd + ": cannot stat '" + src + "': No such file or directory\n");
            return null;
        }
        if (Files.isDirectory(from)) {
            io.err().add(cmd + ": " + onFolder + " '" + src + "'\n");
            return null;
        }
        return from;
    }

    /** cp: an existing destination keeps its inode (written in place); a new one gets the source's mode minus the umask. */
    private int cp(List<String> args, Io io, int umask) throws IOException {
        Opts o = opts("cp", args, "p", "");
        List<String> ops = twoOperands("cp", o);
        String src = ops.get(0);
        Path from = copySource("cp", src, "-r not specified; omitting directory", io);
        if (from == null) return 1;
        String dst = destination("cp", src, ops.get(1));
        Path to = local("cp", dst);
        if (Files.isDirectory(to)) {
            io.err().add("cp: cannot overwrite directory '" + dst + "' with non-directory\n");
            return 1;
        }
        boolean existed = Files.exists(to);
        try {
            if (existed) {
                if (Files.isSameFile(from, to)) {
                    io.err().add("cp: '" + src + "' and '" + dst + "' are the same file\n");
                    return 1;
                }
                try (OutputStream out = Files.newOutputStream(to, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    Files.copy(from, out);
                }
            } else {
                Files.copy(from, to);
            }
        } catch (NoSuchFileException e) {
            io.err().add("cp: cannot create regular file '" + dst + "': No such file or directory\n");
            return 1;
        }
        if (o.flags().contains('p')) {
            setMode(to, mode(from));
            Files.setLastModifiedTime(to, Files.getLastModifiedTime(from));
        } else if (!existed) {
            setMode(to, mode(from) & 0777 & ~umask);
        }
        return 0;
    }

    /** install: a new file (the old destination is unlinked first) owned by root with exactly the given mode. */
    private int install(List<String> args, Io io) throws IOException {
        Opts o = opts("install", args, "", "mog");
        for (char c : new char[] {'o', 'g'}) {
            String who = o.values().get(c);
            if (who != null && !who.equals("0") && !who.equals("root")) {
                throw new ShellError(2, "sandbox node: install: every file on a sandbox node belongs to root, not " + who);
            }
        }
        int mode = o.values().containsKey('m') ? octalMode("install", o.values().get('m')) : 0755;
        List<String> ops = twoOperands("install", o);
        String src = ops.get(0);
        Path from = copySource("install", src, "omitting directory", io);
        if (from == null) return 1;
        String dst = destination("install", src, ops.get(1));
        Path to = local("install", dst);
        if (Files.isDirectory(to)) {
            io.err().add("install: cannot overwrite directory '" + dst + "' with non-directory\n");
            return 1;
        }
        try {
            Files.deleteIfExists(to);
            Files.copy(from, to);
        } catch (NoSuchFileException e) {
            io.err().add("install: cannot create regular file '" + dst + "': No such file or directory\n");
            return 1;
        }
        setMode(to, mode);
        return 0;
    }

    private int cat(List<String> args, Io io) throws IOException {
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
    private int sed(List<String> args, Io io) throws IOException {
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

    private int tail(List<String> args, Io io) throws IOException {
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

    private int date(List<String> args, Io io) {
        Opts o = opts("date", args, "", "");
        if (!o.operands().equals(List.of("+%s"))) throw unsupportedOption("date", String.join(" ", args));
        io.out().add(clock.instant().getEpochSecond() + "\n");
        return 0;
    }

    /**
     * dd in the one form kubejoin sends: {@code dd of=FILE bs=N count=1|0 iflag=fullblock status=none}, exactly
     * N bytes (fewer at end of input) from the command's stdin into FILE, created with 0666 minus the umask or
     * truncated in place (keeping its mode), as open(2) with O_CREAT|O_TRUNC does.
     */
    private int dd(List<String> args, Io io, int umask) throws IOException {
        Map<String, String> ops = new LinkedHashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            String key = eq < 0 ? a : a.substring(0, eq);
            if (eq < 0 || !Set.of("of", "bs", "count", "iflag", "status").contains(key) || ops.containsKey(key)) {
                throw unsupportedOption("dd", a);
            }
            ops.put(key, a.substring(eq + 1));
        }
        if (!"fullblock".equals(ops.get("iflag")) || !"none".equals(ops.get("status")) || !ops.containsKey("of")
                || !ops.containsKey("bs") || !Set.of("0", "1").contains(ops.get("count"))) {
            throw unsupportedOption("dd", String.join(" ", args) + " (only of=FILE bs=N count=1|0 iflag=fullblock status=none)");
        }
        if (io.raw() == null) throw new ShellError(2, "sandbox node: dd: only the command's own stdin can be read");
        int bs;
        try {
            bs = Integer.parseInt(ops.get("bs"));
        } catch (NumberFormatException e) {
            bs = -1;
        }
        if (bs < 1) {
            io.err().add("dd: invalid number: '" + ops.get("bs") + "'\n");
            return 1;
        }
        String dst = ops.get("of");
        Path to = local("dd", dst);
        if (Files.isDirectory(to)) {
            io.err().add("dd: failed to open '" + dst + "': Is a directory\n");
            return 1;
        }
        try {
            if (!Files.exists(to)) {
                // created with its final mode: no moment in which a secret's temp file is readable by others
                Files.createFile(to, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
                setMode(to, 0666 & ~umask);
            }
            try (OutputStream out = Files.newOutputStream(to, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                if (ops.get("count").equals("1")) out.write(io.raw().read(bs));
            }
        } catch (NoSuchFileException e) {
            io.err().add("dd: failed to open '" + dst + "': No such file or directory\n");
            return 1;
        }
        return 0;
    }

    private static int grep(List<String> args, Io io) {
        Opts o = opts("grep", args, "qF", "");
        if (!o.flags().contains('F')) throw unsupportedOption("grep", "(regular expressions: only -F)");
        if (o.operands().size() != 1) {
            throw new ShellError(2, "sandbox node: grep: only one pattern on stdin is supported");
        }
        String pattern = o.operands().get(0);
        boolean quiet = o.flags().contains('q');
        String in = io.in();
        boolean found = false;
        if (!in.isEmpty()) {
            for (String line : (in.endsWith("\n") ? in.substring(0, in.length() - 1) : in).split("\n", -1)) {
                if (line.contains(pattern)) {
                    found = true;
                    if (quiet) break;
                    io.out().add(line + "\n");
                }
            }
        }
        return found ? 0 : 1;
    }
}
