package io.kubejoin.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubejoin.inventory.InvalidInputException;
import io.kubejoin.remote.SshOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Where the sudo (become) password comes from: the environment, else -K/--ask-become-pass on a terminal, else none. */
class NodeAccessOptionsTest {
    @Test
    void theEnvironmentWinsAndNothingIsAsked() {
        assertThat(NodeAccessOptions.becomePassword("from-env", true, null).get()).isEqualTo("from-env");
    }

    @Test
    void withoutTheFlagOrTheVariableSudoStaysPasswordless() {
        assertThat(NodeAccessOptions.becomePassword(null, false, null)).isNull();
        assertThat(NodeAccessOptions.becomePassword("", false, null)).isNull();
    }

    @Test
    void askingWithoutATerminalIsBadInputNamingTheVariable() {
        assertThatThrownBy(() -> NodeAccessOptions.becomePassword(null, true, null))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--ask-become-pass").hasMessageContaining(SshOptions.BECOME_PASSWORD_ENV);
    }

    @Test
    void everyNodeCommandTakesTheFlag() {
        for (String command : new String[] {"join", "plan", "reset", "status", "doctor", "remove"}) {
            java.io.PrintWriter sink = new java.io.PrintWriter(java.io.Writer.nullWriter());
            CommandLine cli = Main.commandLine(sink, sink);
            CommandLine sub = cli.getSubcommands().get(command);
            assertThat(sub).as(command).isNotNull();
            assertThat(sub.getCommandSpec().findOption("--ask-become-pass")).as(command).isNotNull();
            assertThat(sub.getCommandSpec().findOption("-K")).as(command).isNotNull();
        }
    }
}
