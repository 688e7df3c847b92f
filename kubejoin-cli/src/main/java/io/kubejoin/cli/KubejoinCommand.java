package io.kubejoin.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.AutoComplete;

/**
 * The root command: only lists the subcommands. They are added by {@link #tree}, not listed in the annotation, so a run
 * builds the model of the one it names only: picocli builds every listed subcommand's model (reflection over each
 * command class and its options, their classes loaded) when the root is made, ~0.14 s CPU of each start for the
 * sixteen that will not run.
 */
@Command(name = "kubejoin",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Joins worker nodes to a binary-installed Kubernetes cluster.")
public class KubejoinCommand implements Runnable {
    /** Every subcommand, in the order help lists them. */
    static final java.util.List<Class<?>> SUBCOMMANDS = java.util.List.of(
            RenderCommand.class,
            PkiCommand.class,
            PreflightCommand.class,
            ApproveCommand.class,
            JoinCommand.class,
            PlanCommand.class,
            ResetCommand.class,
            RemoveCommand.class,
            UpgradeCommand.class,
            TokenCommand.class,
            BenchCommand.class,
            SandboxCommand.class,
            DemoCommand.class,
            StatusCommand.class,
            DoctorCommand.class,
            VersionCommand.class,
            AutoComplete.GenerateCompletion.class);

    /** Names (and aliases) of the root's options that take a value in the next argument unless given as name=value. */
    private static final java.util.Set<String> ROOT_OPTIONS_WITH_VALUE = java.util.Set.of("--v", "--log-file");

    /**
     * The command tree for {@code root} with the subcommand {@code args} run, or all of them when the arguments do not
     * name one the way picocli will read them (help, a misspelt name that wants suggestions, completion scripts, which
     * describe the whole tree): the result is the same as with the whole tree, only its making is cheaper.
     */
    static picocli.CommandLine tree(KubejoinCommand root, String... args) {
        picocli.CommandLine cli = new picocli.CommandLine(root);
        Class<?> only = invoked(args);
        if (only == KubejoinCommand.class) return cli; // the version: the root alone
        for (Class<?> c : SUBCOMMANDS) {
            if (only == null || c == only) cli.addSubcommand(c);
        }
        return cli;
    }

    /**
     * The subcommand class {@code args} run; this class for the root's version alone ({@code --version} without a
     * command: no subcommand is needed); null when it takes the whole tree to say (see {@link #tree}).
     */
    static Class<?> invoked(String... args) {
        boolean version = false;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) return null;
            if (a.startsWith("-")) {
                if (ROOT_OPTIONS_WITH_VALUE.contains(a)) i++; // its value
                version |= a.equals("-V") || a.equals("--version");
                help |= a.equals("-h") || a.equals("--help");
                continue;
            }
            for (Class<?> c : SUBCOMMANDS) {
                Command cmd = c.getAnnotation(Command.class);
                if (c == AutoComplete.GenerateCompletion.class) continue; // its script covers every command
                // the root's --help before the command prints the root's usage, which lists them all
                if (a.equals(cmd.name()) || java.util.Arrays.asList(cmd.aliases()).contains(a)) return help ? null : c;
            }
            return null; // not a command's name: picocli's message and suggestions want them all
        }
        return version && !help ? KubejoinCommand.class : null;
    }

    @Spec
    CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Log more detail (never secrets); may be repeated.")
    boolean[] verbose = new boolean[0];

    /** kubectl's spelling of the level; any level above 0 is -v (read before parsing by {@link Verbosity}). */
    @Option(names = "--v", paramLabel = "N", scope = ScopeType.INHERIT, description = "Log level as kubectl takes it: 0 quiet, 1 or more as -v.")
    int level;

    @Option(names = "--log-file", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Also log this run, with debug detail and never a secret, to FILE (0600, rotated at 5 MiB, "
                    + "5 kept; default: logs/kubejoin.log in the state folder when the command has an inventory).")
    java.nio.file.Path logFile;

    /** Standard output as {@link Main} found it. */
    Terminal terminal = Terminal.NONE;

    /** While a command runs with a log file: the log, and standard output without it (for live redraws). */
    RunLog log;
    java.io.PrintWriter console;

    /** The root of the command tree {@code spec} belongs to, or null outside {@link Main}. */
    static KubejoinCommand of(CommandSpec spec) {
        return spec.root().userObject() instanceof KubejoinCommand k ? k : null;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command; see 'kubejoin --help'.");
    }
}
