package io.kubejoin.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.AutoComplete;

/** The root command: only lists the subcommands. */
@Command(name = "kubejoin",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Joins worker nodes to a binary-installed Kubernetes cluster.",
        subcommands = {
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
                AutoComplete.GenerateCompletion.class,
        })
public class KubejoinCommand implements Runnable {
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
