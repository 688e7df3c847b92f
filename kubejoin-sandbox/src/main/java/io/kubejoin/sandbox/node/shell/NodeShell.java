package io.kubejoin.sandbox.node.shell;

import io.kubejoin.remote.ExecResult;
import io.kubejoin.sandbox.node.NodePrograms;
import io.kubejoin.sandbox.node.NodeRoot;
import io.kubejoin.sandbox.node.shell.Interpreter.ExitSignal;
import io.kubejoin.sandbox.node.shell.Io.Sink;
import io.kubejoin.sandbox.node.shell.Io.Stdin;
import io.kubejoin.sandbox.node.shell.Syntax.Node;
import io.kubejoin.sandbox.node.shell.Syntax.SyntaxError;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.function.Predicate;

import static io.kubejoin.sandbox.node.shell.CommandSupport.OCTAL;

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
 * {@code $name} (field-split on blanks); command substitution {@code $(...)} (field-split when unquoted); lists separated by {@code ;}, newlines, {@code &&}, {@code ||};
 * pipelines {@code a | b}; {@code if/then/elif/else/fi}; {@code for v in WORDS; do ...; done}; brace groups;
 * function definitions {@code name() { ... }} with positional arguments; comments; redirections
 * {@code [n]>/dev/null}, {@code [n]>>/dev/null}, {@code [n]>&m} for n, m in 1, 2 (any other target is
 * unsupported syntax). Pathname expansion ({@code *}, {@code ?}, {@code [...]}) on unquoted characters, sorted;
 * a pattern without a match stays as it is, as in sh; relative patterns are taken from the login folder
 * {@code /root}. Not supported (loud): backquotes, arithmetic, {@code ${x:-y}} forms, {@code $@},
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
 * {@code grep [-q] -F}, {@code command -v NAME} (the node's {@link NodePrograms#which}), {@code dd of=FILE bs=N count=1|0 iflag=fullblock status=none} and {@code dd of=FILE bs=B count=N iflag=fullblock,count_bytes status=none} (from the exec channel's
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
 *
 * <p>Parts: {@link Parser} turns the whole command line into a {@link Syntax} tree; an {@link Interpreter} (one per
 * call) runs it, with {@link Glob} for pathname expansion, {@link FileCommands} and {@link TextCommands} for the file
 * and text commands, {@link Io} for the streams, {@link ShellError} for a command's loud failure.
 */
public final class NodeShell {
    private static final int DEFAULT_UMASK = 022;

    final NodePrograms programs;
    final Glob glob;
    final FileCommands files;
    final TextCommands texts;

    /** @param isSocket which node paths are sockets (the simulated container runtime's socket) for {@code test -S} */
    public NodeShell(NodeRoot root, NodePrograms programs, Clock clock, Predicate<String> isSocket) {
        this.programs = programs;
        this.glob = new Glob(root);
        this.files = new FileCommands(root);
        this.texts = new TextCommands(root, clock, isSocket);
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

    /**
     * Syntax trees by script text, the most recent few hundred: a fleet's nodes are sent the same scripts (node
     * scripts, and the functions and steps inside their {@code sh -c}), and the tree depends on the text alone and is
     * never changed by a run (a real sh parses each time, but on the node's CPU, not the one the sandbox shares with
     * kubejoin; two thirds of the scripts of a 300-node join were seen before). Long scripts are parsed each time.
     */
    private static final int CACHED_SCRIPTS = 512;
    private static final int CACHED_SCRIPT_CHARS = 16 * 1024;
    private static final java.util.Map<String, Node> PARSED = new java.util.LinkedHashMap<>(CACHED_SCRIPTS * 2, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, Node> e) {
            return size() > CACHED_SCRIPTS;
        }
    };

    static Node parsed(String text) {
        if (text.length() > CACHED_SCRIPT_CHARS) return new Parser(text).program();
        synchronized (PARSED) {
            Node known = PARSED.get(text);
            if (known != null) return known;
        }
        Node tree = new Parser(text).program(); // a syntax error is not kept: it is thrown again at each try
        synchronized (PARSED) {
            PARSED.put(text, tree);
        }
        return tree;
    }

    ExecResult script(String text, String stdin, Stdin raw, int umask, String arg0, List<String> args) {
        Node tree;
        try {
            tree = parsed(text);
        } catch (SyntaxError e) {
            return new ExecResult(2, "", e.getMessage() + "\n");
        }
        Sink out = new Sink(new StringBuilder());
        Sink err = new Sink(new StringBuilder());
        Interpreter s = new Interpreter(this, umask, arg0, args);
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
}
