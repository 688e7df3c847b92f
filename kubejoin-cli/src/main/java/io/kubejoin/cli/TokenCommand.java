package io.kubejoin.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Groups the bootstrap-token commands (K1), like 'kubeadm token'. */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Manage bootstrap tokens in the cluster (Secrets bootstrap-token-<id> in kube-system).",
        subcommands = {TokenCreateCommand.class, TokenListCommand.class, TokenDeleteCommand.class})
public class TokenCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand; see 'kubejoin token --help'.");
    }
}
