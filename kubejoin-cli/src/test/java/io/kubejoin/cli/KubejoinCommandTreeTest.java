package io.kubejoin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;

/** A run builds the model of the subcommand it names only, and the result is the same as with the whole tree. */
class KubejoinCommandTreeTest {
    private static final PrintWriter NONE = new PrintWriter(Writer.nullWriter());

    @Test
    void theArgumentsNameTheSubcommandAsPicocliReadsThem() {
        assertThat(KubejoinCommand.invoked("join", "-f", "x.yaml")).isEqualTo(JoinCommand.class);
        assertThat(KubejoinCommand.invoked("-v", "status")).isEqualTo(StatusCommand.class);
        assertThat(KubejoinCommand.invoked("--log-file", "plan", "render")).as("the option's value is not the command")
                .isEqualTo(RenderCommand.class);
        assertThat(KubejoinCommand.invoked("--v", "2", "doctor")).isEqualTo(DoctorCommand.class);
        assertThat(KubejoinCommand.invoked("--log-file=run.log", "bench", "ssh")).isEqualTo(BenchCommand.class);
        // the whole tree: help, no command, a misspelt one, completion scripts, an end of options
        assertThat(KubejoinCommand.invoked("--help")).isNull();
        assertThat(KubejoinCommand.invoked()).isNull();
        assertThat(KubejoinCommand.invoked("jion")).isNull();
        assertThat(KubejoinCommand.invoked("generate-completion")).isNull();
        assertThat(KubejoinCommand.invoked("--", "join")).isNull();
        assertThat(KubejoinCommand.invoked("--version", "--help")).isNull();
        assertThat(KubejoinCommand.invoked("--help", "join")).as("the root's usage lists every command").isNull();
        assertThat(KubejoinCommand.invoked("join", "--help")).isEqualTo(JoinCommand.class);
        // the root's version alone needs no subcommand
        assertThat(KubejoinCommand.invoked("--version")).isEqualTo(KubejoinCommand.class);
        assertThat(KubejoinCommand.invoked("-V")).isEqualTo(KubejoinCommand.class);
        assertThat(KubejoinCommand.tree(new KubejoinCommand(), "--version").getSubcommands()).isEmpty();
        StringWriter out = new StringWriter();
        assertThat(Main.run(new PrintWriter(out, true), NONE, "--version")).isZero();
        assertThat(out.toString()).startsWith("kubejoin ").contains("Kubernetes 1.17 to");
    }

    @Test
    void aNamedSubcommandAloneWithTheRootsInheritedOptions() {
        CommandLine lazy = KubejoinCommand.tree(new KubejoinCommand(), "join", "-f", "x.yaml");
        assertThat(lazy.getSubcommands()).containsOnlyKeys("join");
        CommandLine join = lazy.getSubcommands().get("join");
        assertThat(join.getCommandSpec().findOption("--log-file")).isNotNull();
        assertThat(join.getCommandSpec().findOption("-v")).isNotNull();
        assertThat(KubejoinCommand.tree(new KubejoinCommand()).getSubcommands()).hasSize(KubejoinCommand.SUBCOMMANDS.size());
    }

    @Test
    void aSubcommandsHelpIsTheSameAsFromTheWholeTree() {
        for (String name : new String[] {"join", "upgrade", "token", "bench", "version"}) {
            String whole = Main.commandLine(NONE, NONE).getSubcommands().get(name).getUsageMessage(CommandLine.Help.Ansi.OFF);
            StringWriter out = new StringWriter();
            assertThat(Main.run(new PrintWriter(out, true), NONE, name, "--help")).isZero();
            assertThat(out.toString()).as(name).isEqualTo(whole);
        }
    }

    @Test
    void aMisspeltCommandStillGetsItsSuggestionAndTheRootsHelpListsThemAll() {
        StringWriter err = new StringWriter();
        assertThat(Main.run(NONE, new PrintWriter(err, true), "jon", "-f", "x.yaml")).isEqualTo(2);
        assertThat(err.toString()).contains("Did you mean: kubejoin join");
        for (String[] args : new String[][] {{"--help"}, {"--help", "join"}, {"-h", "status"}}) {
            StringWriter out = new StringWriter();
            assertThat(Main.run(new PrintWriter(out, true), NONE, args)).isZero();
            assertThat(out.toString()).as(String.join(" ", args)).startsWith("Usage: kubejoin [-hVv]")
                    .contains("render", "join", "upgrade", "doctor", "generate-completion");
        }
    }

    @Test
    void inheritedOptionsWorkAfterTheCommandAsBefore() {
        StringWriter out = new StringWriter();
        assertThat(Main.run(new PrintWriter(out, true), NONE, "version", "--client", "-v")).isZero();
        assertThat(out.toString()).startsWith("Client Version: ");
    }
}
