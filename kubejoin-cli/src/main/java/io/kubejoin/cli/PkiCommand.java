package io.kubejoin.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Groups the certificate commands. */
@Command(name = "pki", mixinStandardHelpOptions = true,
        description = "Certificate authority helpers.",
        subcommands = {PkiInitCaCommand.class})
public class PkiCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand; see 'kubejoin pki --help'.");
    }
}
