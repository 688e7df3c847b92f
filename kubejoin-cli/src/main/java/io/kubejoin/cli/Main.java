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
        int code = run(args);
        io.kubejoin.bench.ProcessStats.writeIfRequested(); // only when a benchmark asked for the figures
        System.exit(code);
    }

    /** Runs kubejoin in this JVM and returns its exit code (tests call this). */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    public static int run(PrintWriter out, PrintWriter err, String... args) {
        try {
            configureLogging(args);
            return execute(commandLine(out, err), err, args);
        } catch (OutOfMemoryError e) {
            err.println(outOfMemory(args)); // a heap too small even for the command line itself
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
        }
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

    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return commandLine(new KubejoinCommand(), out, err);
    }

    /** Any command tree with kubejoin's output and failure handling (tests give one that fails on purpose). */
    static CommandLine commandLine(Object command, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(command);
        cli.setOut(out);
        cli.setErr(err);
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
        if (args.contains("-v") || args.contains("--verbose")) {
            ex.printStackTrace(err);
        } else {
            err.println("Re-run with -v for details, and please report it.");
        }
        return ExitCodes.FAILED;
    }

    /** slf4j-simple reads its settings once, at the first logger: set them before anything logs. */
    static void configureLogging(String[] args) {
        boolean verbose = Arrays.asList(args).contains("-v") || Arrays.asList(args).contains("--verbose");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "debug" : "info");
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
