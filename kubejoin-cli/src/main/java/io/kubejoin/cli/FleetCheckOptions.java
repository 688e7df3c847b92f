package io.kubejoin.cli;

import picocli.CommandLine.Option;

/** What status and doctor share: the certificate warning window and how many nodes are probed at once. */
public class FleetCheckOptions {
    @Option(names = "--warn-days", defaultValue = "30",
            description = "Flag certificates that expire within this many days (default: ${DEFAULT-VALUE}).")
    int warnDays;

    @Option(names = "--parallel", defaultValue = "50", description = "Nodes probed at once (default: ${DEFAULT-VALUE}).")
    int parallel;

    void validate(picocli.CommandLine cli) {
        if (warnDays < 0) throw new picocli.CommandLine.ParameterException(cli, "--warn-days must be 0 or more");
        if (parallel < 1) throw new picocli.CommandLine.ParameterException(cli, "--parallel must be 1 or more");
    }
}
