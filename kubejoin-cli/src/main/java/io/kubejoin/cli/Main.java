package io.kubejoin.cli;

import io.kubejoin.util.UserFacingException;
import io.kubejoin.util.ExitCodes;
import io.kubejoin.inventory.InvalidInputException;
import io.kubejoin.inventory.Problem;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;

/** Entry point: sets up logging, runs the picocli command tree, maps failures to exit codes. */
public final class Main {
    /** Exit codes shared by every command. */

    private Main() {
    }

    private static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    public static void main(String[] args) {
        // On a machine with one or two cores the common pool has parallelism 1, and then every async stage of a
        // CompletableFuture (the API client completes each response that way) starts a thread of its own: 8,000
        // threads in a 1,000-node join. Two workers are enough for those short stages.
        if (System.getProperty(COMMON_POOL_PARALLELISM) == null && Runtime.getRuntime().availableProcessors() < 3) {
            System.setProperty(COMMON_POOL_PARALLELISM, "2");
        }
        Thread.setDefaultUncaughtExceptionHandler(outOfMemoryExit(new PrintWriter(System.err, true),
                Runtime.getRuntime()::halt, args));
        int code = run(args);
        io.kubejoin.bench.ProcessStats.writeIfRequested(); // only when a benchmark asked for the figures
        System.exit(code);
    }

    /** Runs kubejoin in this JVM and returns its exit code (tests call this). */
    public static int run(String... args) {
        return run(Terminal.detect(), new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return run(Terminal.NONE, out, err, args);
    }

    static int run(Terminal terminal, PrintWriter out, PrintWriter err, String... args) {
        try {
            configureLogging(args);
            KubejoinCommand root = new KubejoinCommand();
            root.terminal = terminal;
            return execute(withHandlers(KubejoinCommand.tree(root, args), out, err), err, args);
        } catch (OutOfMemoryError e) {
            err.println(outOfMemory(args)); // a heap too small even for the command line itself
            return ExitCodes.FAILED;
        } catch (Error e) {
            if (!causedByOutOfMemory(e)) throw e;
            err.println(outOfMemory(args));
            return ExitCodes.FAILED;
        }
    }

    /** Runs the parsed command; an exhausted heap anywhere ends in one line with the fix, never a stack trace. */
    static int execute(CommandLine cli, PrintWriter err, String... args) {
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            // picocli hands Errors on: by now the stack is unwound and the heap mostly free again
            err.println(outOfMemory(args));
            return ExitCodes.FAILED;
        } catch (Error e) {
            // a class whose static initializer ran out of heap (a library registering its crypto provider, say) is
            // an ExceptionInInitializerError with the OutOfMemoryError as its cause: the same one line
            if (!causedByOutOfMemory(e)) throw e;
            err.println(outOfMemory(args));
            return ExitCodes.FAILED;
        }
    }

    /**
     * For threads that are not the command's (the approver's CSR workers, the API client's and SSH library's): the heap
     * ran out there, so the command would wait on work that never comes (a 200-node join in 24 MiB hung with the CSR
     * workers' traces). The same one line with the fix, then the process ends at once (exit 1); anything else is
     * printed as the JVM prints it.
     */
    static Thread.UncaughtExceptionHandler outOfMemoryExit(PrintWriter err, java.util.function.IntConsumer halt,
                                                           String... args) {
        return (thread, e) -> {
            if (causedByOutOfMemory(e)) {
                err.println(outOfMemory(args));
                err.flush();
                halt.accept(ExitCodes.FAILED);
                return;
            }
            err.print("Exception in thread \"" + thread.getName() + "\" ");
            e.printStackTrace(err);
            err.flush();
        };
    }

    private static boolean causedByOutOfMemory(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) return true;
        }
        return false;
    }

    /**
     * The one line for an exhausted heap, with the fix: how to give the JVM more (through KUBEJOIN_JAVA_OPTS for
     * ./kubejoin, which passes it to java, or -Xmx for java -jar).
     */
    static String outOfMemory(String... args) {
        long heapMiB = Runtime.getRuntime().maxMemory() / (1024 * 1024);
        long suggest = Math.max(512, (heapMiB * 2 + 255) / 256 * 256);
        String command = Arrays.stream(args).filter(a -> !a.startsWith("-")).findFirst().orElse("kubejoin");
        return "kubejoin: out of memory (heap " + heapMiB + " MiB) while running '" + command + "'; rerun with a larger"
                + " heap: KUBEJOIN_JAVA_OPTS=-Xmx" + suggest + "m ./kubejoin ..., or java -Xmx" + suggest + "m -jar kubejoin.jar ...";
    }

    /** The whole command tree with kubejoin's output and failure handling. */
    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return withHandlers(KubejoinCommand.tree(new KubejoinCommand()), out, err);
    }

    /** Any command tree with kubejoin's output and failure handling (tests give one that fails on purpose). */
    static CommandLine commandLine(Object command, PrintWriter out, PrintWriter err) {
        return withHandlers(command instanceof KubejoinCommand k ? KubejoinCommand.tree(k) : new CommandLine(command), out, err);
    }

    /** Sets output and handlers on {@code cli} and every subcommand it has now (picocli's setters reach no later one). */
    private static CommandLine withHandlers(CommandLine cli, PrintWriter out, PrintWriter err) {
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionStrategy(parseResult -> withRunLog(cli, parseResult));
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> handle(ex, commandLine.getErr(), args(parseResult)));
        cli.setParameterExceptionHandler((ex, args) -> {
            PrintWriter e = ex.getCommandLine().getErr();
            e.println("kubejoin: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, e);
            e.println("Run '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            return ExitCodes.BAD_INPUT;
        });
        return cli;
    }

    private static List<String> args(CommandLine.ParseResult parseResult) {
        return parseResult == null ? List.of() : parseResult.originalArgs();
    }

    private static int handle(Exception ex, PrintWriter err, List<String> args) {
        if (ex instanceof InvalidInputException invalid) {
            for (Problem p : invalid.problems()) {
                err.println(p.format());
            }
            int n = invalid.problems().size();
            err.println(n == 1 ? "1 problem; nothing was changed." : n + " problems; nothing was changed.");
            return ExitCodes.BAD_INPUT;
        }
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                err.println(outOfMemory(args.toArray(String[]::new)));
                return ExitCodes.FAILED;
            }
            // a symbolic link or another user's folder where kubejoin keeps secrets: refused, with the path and the fix
            if (t instanceof io.kubejoin.util.UnsafePathException unsafe) {
                err.println("kubejoin: refusing to write: " + unsafe.getMessage());
                return ExitCodes.BAD_INPUT;
            }
        }
        if (ex instanceof UserFacingException user) {
            err.println("kubejoin: " + user.getMessage());
            return user.exitCode();
        }
        // A bug, not bad input: show the trace only with -v so users are not met with one by default.
        err.println("kubejoin: internal error: " + ex);
        if (Verbosity.verbose(args)) {
            ex.printStackTrace(err);
        } else {
            err.println("Re-run with -v for details, and please report it.");
        }
        return ExitCodes.FAILED;
    }

    /** Whether this run may write a log file: one named, or an inventory whose state folder gets one. */
    private static boolean mayLog(String[] args) {
        return Arrays.stream(args).anyMatch(a -> a.equals("-f") || a.startsWith("--inventory") || a.startsWith("--log-file"));
    }

    /**
     * Runs the parsed command with its log file open ({@link RunLog}): standard output and error teed into it, and
     * slf4j's lines (on System.err) routed through it. The default file is {@code logs/kubejoin.log} in the state
     * folder of the command's inventory (its --state-dir when it has one); a command without an inventory logs only
     * with --log-file. A log that cannot be opened is a warning: the run goes on without it.
     */
    static int withRunLog(CommandLine cli, CommandLine.ParseResult parseResult) {
        CommandLine.ParseResult leaf = parseResult;
        while (leaf.hasSubcommand()) leaf = leaf.subcommand();
        java.nio.file.Path file = null;
        for (CommandLine.ParseResult pr = parseResult; pr != null; pr = pr.hasSubcommand() ? pr.subcommand() : null) {
            if (pr.hasMatchedOption("--log-file")) file = pathOption(pr, "--log-file");
        }
        boolean helpOnly = leaf.isUsageHelpRequested() || leaf.isVersionHelpRequested()
                || parseResult.isUsageHelpRequested() || parseResult.isVersionHelpRequested();
        if (file == null && !helpOnly) file = defaultLogFile(leaf);
        PrintWriter out = cli.getOut();
        PrintWriter err = cli.getErr();
        boolean verbose = Verbosity.verbose(parseResult.originalArgs());
        RunLog log = null;
        if (file != null) {
            try {
                log = RunLog.open(file, RunLog.MAX_BYTES, RunLog.KEEP, java.time.Clock.systemUTC());
                log.line("log", "kubejoin " + String.join(" ", parseResult.originalArgs()));
                cli.setOut(new PrintWriter(log.tee(out, "out"), true));
                cli.setErr(new PrintWriter(log.tee(err, "err"), true));
            } catch (java.io.IOException | RuntimeException e) {
                err.println("warning: no log file " + file + ": " + e.getMessage());
                err.flush();
                log = null;
            }
        }
        KubejoinCommand root = cli.getCommand() instanceof KubejoinCommand k ? k : null;
        if (root != null && log != null) {
            root.log = log;
            root.console = out;
        }
        RunLog.Router router = RunLog.Router.route(log, verbose);
        try {
            return new CommandLine.RunLast().execute(parseResult);
        } catch (CommandLine.ParameterException e) {
            // handled here, while standard error still goes to the log: a failure is the line a log must have
            try {
                return cli.getParameterExceptionHandler().handleParseException(e, parseResult.originalArgs().toArray(String[]::new));
            } catch (Exception handlerFailed) {
                throw e;
            }
        } catch (CommandLine.ExecutionException e) {
            if (!(e.getCause() instanceof Exception cause)) throw e;
            return handle(cause, e.getCommandLine().getErr(), parseResult.originalArgs());
        } finally {
            router.reset();
            cli.getOut().flush();
            cli.getErr().flush();
            cli.setOut(out);
            cli.setErr(err);
            if (root != null) {
                root.log = null;
                root.console = null;
            }
            if (log != null) log.close();
        }
    }

    private static java.nio.file.Path defaultLogFile(CommandLine.ParseResult leaf) {
        java.nio.file.Path stateDir = pathOption(leaf, "--state-dir");
        java.nio.file.Path inventory = pathOption(leaf, "-f");
        if (stateDir == null && (inventory == null || !java.nio.file.Files.isRegularFile(inventory))) return null;
        java.nio.file.Path dir = stateDir != null ? stateDir : io.kubejoin.state.StateStore.defaultDirFor(inventory);
        return dir.resolve("logs").resolve("kubejoin.log");
    }

    private static java.nio.file.Path pathOption(CommandLine.ParseResult pr, String name) {
        if (!pr.hasMatchedOption(name)) return null;
        Object value = pr.matchedOption(name).getValue();
        return value == null ? null : java.nio.file.Path.of(value.toString());
    }

    /** slf4j-simple reads its settings once, at the first logger: set them before anything logs. */
    static void configureLogging(String[] args) {
        boolean verbose = Verbosity.verbose(Arrays.asList(args));
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "debug" : "info");
        // kubejoin's own debug lines are made for the log file too (RunLog.Router keeps them off the console
        // without -v); the libraries' and the in-process sandbox's stay at their level (Netty's debug alone would
        // swamp the log and slow the run)
        boolean debugForLog = verbose || mayLog(args);
        System.setProperty("org.slf4j.simpleLogger.log.io.kubejoin", debugForLog ? "debug" : "info");
        System.setProperty("org.slf4j.simpleLogger.log.io.kubejoin.sandbox", verbose ? "debug" : "info");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
        System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
        System.setProperty("org.slf4j.simpleLogger.showDateTime", verbose ? "true" : "false");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
        // third-party libraries stay silent unless asked (-v): kubejoin turns every failure they report into its own
        // one line (host key, unreachable API server, ...), and their warnings come with class names and stack
        // traces (MINA's "SshException: Server key did not validate" beside kubejoin's host-key message, fabric8's
        // watch reconnect errors)
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.sshd", verbose ? "info" : "off");
        // only the sandbox runs an SSH server: a client that hangs up without a goodbye is no news there
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.sshd.server", verbose ? "info" : "error");
        System.setProperty("org.slf4j.simpleLogger.log.io.fabric8", verbose ? "info" : "off");
    }
}
