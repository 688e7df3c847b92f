package io.kubejoin.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Groups the sandbox commands: a simulated cluster on this machine to try kubejoin on. */
@Command(name = "sandbox", mixinStandardHelpOptions = true,
        description = "A simulated cluster on this machine (API server, CSR signer, worker machines reachable over SSH "
                + "on loopback addresses): to try kubejoin without a cluster. Not Kubernetes: a simulator.",
        subcommands = {SandboxUpCommand.class})
public class SandboxCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand; see 'kubejoin sandbox --help'.");
    }
}
