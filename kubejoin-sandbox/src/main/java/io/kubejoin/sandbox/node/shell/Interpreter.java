package io.kubejoin.sandbox.node.shell;

import io.kubejoin.remote.ExecResult;
import io.kubejoin.sandbox.node.NodePrograms;
import io.kubejoin.sandbox.node.shell.Glob.Field;
import io.kubejoin.sandbox.node.shell.Io.Sink;
import io.kubejoin.sandbox.node.shell.Syntax.AndOr;
import io.kubejoin.sandbox.node.shell.Syntax.For;
import io.kubejoin.sandbox.node.shell.Syntax.FuncDef;
import io.kubejoin.sandbox.node.shell.Syntax.If;
import io.kubejoin.sandbox.node.shell.Syntax.Lit;
import io.kubejoin.sandbox.node.shell.Syntax.Node;
import io.kubejoin.sandbox.node.shell.Syntax.Part;
import io.kubejoin.sandbox.node.shell.Syntax.Pipeline;
import io.kubejoin.sandbox.node.shell.Syntax.Redirected;
import io.kubejoin.sandbox.node.shell.Syntax.Seq;
import io.kubejoin.sandbox.node.shell.Syntax.Simple;
import io.kubejoin.sandbox.node.shell.Syntax.Subst;
import io.kubejoin.sandbox.node.shell.Syntax.SyntaxError;
import io.kubejoin.sandbox.node.shell.Syntax.Var;
import io.kubejoin.sandbox.node.shell.Syntax.Word;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static io.kubejoin.sandbox.node.shell.CommandSupport.OCTAL;
import static io.kubejoin.sandbox.node.shell.Glob.hasGlob;
import static io.kubejoin.sandbox.node.shell.ShellError.unsupportedOption;

/**
 * One call of {@link NodeShell}: its variables, functions, positional parameters, umask and {@code $?}. Runs a
 * {@link Syntax} tree (lists, pipelines, {@code &&}/{@code ||}, if, for, functions, redirections, exit codes),
 * expands words (parameters, field splitting, {@link Glob}) and dispatches each command to a shell builtin,
 * {@link FileCommands}, {@link TextCommands} or the node's {@link NodePrograms}.
 */
final class Interpreter {
    // compiled once: runs for every exit and return
    private static final Pattern STATUS = Pattern.compile("[0-9]{1,9}");

    private final NodeShell shell;
    private final NodePrograms programs;
    private final Glob glob;
    private final FileCommands files;
    private final TextCommands texts;

    private int umask;
    private final String arg0;
    private List<String> positional;
    private final Map<String, String> vars = new HashMap<>();
    private final Map<String, Node> functions = new HashMap<>();
    private int status;
    private int functionDepth;

    Interpreter(NodeShell shell, int umask, String arg0, List<String> positional) {
        this.shell = shell;
        this.programs = shell.programs;
        this.glob = shell.glob;
        this.files = shell.files;
        this.texts = shell.texts;
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
                values = expand(f.words(), io);
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
            argv = expand(c.words(), io); // a substitution's stderr is the shell's: the command's redirections come after
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
            case "echo" -> TextCommands.echo(args, io);
            case "test" -> texts.test(args);
            case "[" -> {
                if (args.isEmpty() || !args.get(args.size() - 1).equals("]")) {
                    throw new ShellError(2, "[: missing ]");
                }
                yield texts.test(args.subList(0, args.size() - 1));
            }
            case "sha256sum" -> texts.sha256sum(args, io);
            case "stat" -> texts.stat(args, io);
            case "mkdir" -> files.mkdir(args, io, umask);
            case "chmod" -> files.chmod(args, io);
            case "chown" -> files.chown(args, io);
            case "rm" -> files.rm(args, io);
            case "mv" -> files.mv(args, io);
            case "ln" -> files.ln(args, io);
            case "cp" -> files.cp(args, io, umask);
            case "install" -> files.install(args, io);
            case "cat" -> texts.cat(args, io);
            case "tail" -> texts.tail(args, io);
            case "date" -> texts.date(args, io);
            case "grep" -> TextCommands.grep(args, io);
            case "sed" -> texts.sed(args, io);
            case "dd" -> files.dd(args, io, umask);
            case "command" -> command(args, io);
            default -> null;
        };
    }

    /** {@code command -v NAME}: the program's path on the node, exit 1 (nothing printed) when it has none, as dash. */
    private int command(List<String> args, Io io) {
        if (args.size() != 2 || !args.get(0).equals("-v")) throw unsupportedOption("command", String.join(" ", args));
        String path = programs.which(args.get(1));
        if (path == null) return 1;
        io.out().add(path + "\n");
        return 0;
    }

    private int sh(List<String> args, Io io) {
        if (args.isEmpty() || !args.get(0).equals("-c")) {
            throw unsupportedOption("sh", args.isEmpty() ? "(script on stdin)" : args.get(0));
        }
        if (args.size() < 2) throw new ShellError(2, "sh: -c requires an argument");
        String name = args.size() > 2 ? args.get(2) : "sh";
        List<String> rest = args.size() > 3 ? args.subList(3, args.size()) : List.of();
        ExecResult r = shell.script(args.get(1), io.in(), io.raw(), umask, name, List.copyOf(rest));
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

    private List<String> expand(List<Word> words, Io io) {
        List<String> out = new ArrayList<>();
        for (Word w : words) {
            for (Field f : fields(w, io)) {
                if (hasGlob(f)) out.addAll(glob.glob(f));
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

    /**
     * {@code $(...)}: its list runs as in a subshell (exit ends only it), stdin empty, stderr the shell's; its
     * stdout without the trailing newlines. Variables and functions are shared, not copied: kubejoin's scripts set
     * none inside one.
     */
    private String substitute(Subst sub, Io io) {
        Sink out = new Sink(new StringBuilder());
        status = isolated(sub.body(), new Io("", out, io.err(), null));
        String text = out.text();
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == '\n') end--;
        return text.substring(0, end);
    }

    private List<Field> fields(Word w, Io io) {
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
            } else if (p instanceof Subst sub) {
                text = substitute(sub, io);
                quoted = sub.quoted();
                split = !quoted;
            } else {
                Var v = (Var) p;
                text = value(v.name());
                quoted = v.quoted();
                split = !quoted;
            }
            if (quoted) started = true;
            if (!split) {
                // a literal or a quoted expansion is never split: appended whole, not a character at a time (this
                // loop was the node shell's hottest frame in a 1,000-node join)
                if (!text.isEmpty()) {
                    if (!quoted) unquoted.set(sb.length(), sb.length() + text.length());
                    sb.append(text);
                    started = true;
                }
                continue;
            }
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == ' ' || c == '\t' || c == '\n') {
                    if (started) {
                        out.add(new Field(sb.toString(), unquoted));
                        sb = new StringBuilder();
                        unquoted = new BitSet();
                        started = false;
                    }
                    continue;
                }
                unquoted.set(sb.length()); // split implies unquoted
                sb.append(c);
                started = true;
            }
        }
        if (started) out.add(new Field(sb.toString(), unquoted));
        return out;
    }

    static final class ExitSignal extends RuntimeException {
        final int status;

        ExitSignal(int status) {
            super(null, null, false, false);
            this.status = status;
        }
    }

    static final class ReturnSignal extends RuntimeException {
        final int status;

        ReturnSignal(int status) {
            super(null, null, false, false);
            this.status = status;
        }
    }
}
