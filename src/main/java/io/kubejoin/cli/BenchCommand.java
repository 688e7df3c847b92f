package io.kubejoin.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Groups the benchmarks; each runs against the in-process sandbox, never a real cluster. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks against the in-process sandbox (nothing outside this machine is contacted).",
        subcommands = {BenchApprovalsCommand.class})
public class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand; see 'kubejoin bench --help'.");
    }
}
