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
                AutoComplete.GenerateCompletion.class,
        })
public class KubejoinCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Log more detail (never secrets).")
    boolean verbose;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command; see 'kubejoin --help'.");
    }
}
