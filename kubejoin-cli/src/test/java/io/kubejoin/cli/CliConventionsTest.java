package io.kubejoin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/** Issue 16: the conventions every command shares (output formats, tables, terminal, verbosity, the run log). */
class CliConventionsTest {
    @TempDir
    Path tmp;

    @Test
    void jsonIsLaidOutAsKubectlPrintsIt() {
        ObjectNode root = OutputFormat.object();
        root.put("node", "worker-1");
        root.putArray("none");
        root.putObject("empty");
        root.putArray("phases").add("a").add("b");
        root.putObject("nested").put("ok", true);
        // Go's json.MarshalIndent(obj, "", "    "): "key": value, four spaces, one element per line, [] and {}
        assertThat(OutputFormat.render(OutputFormat.Format.json, root)).isEqualTo("""
                {
                    "node": "worker-1",
                    "none": [],
                    "empty": {},
                    "phases": [
                        "a",
                        "b"
                    ],
                    "nested": {
                        "ok": true
                    }
                }
                """);
        assertThat(OutputFormat.render(OutputFormat.Format.yaml, root)).isEqualTo("""
                node: worker-1
                none: []
                empty: {}
                phases:
                - a
                - b
                nested:
                  ok: true
                """);
    }

    @Test
    void theSameOutputNamesOnEveryCommandThatPrintsResults() {
        picocli.CommandLine cli = Main.commandLine(new java.io.PrintWriter(java.io.Writer.nullWriter()),
                new java.io.PrintWriter(java.io.Writer.nullWriter()));
        for (List<String> path : List.of(List.of("join"), List.of("plan"), List.of("status"), List.of("doctor"),
                List.of("token", "list"), List.of("approve"), List.of("version"), List.of("upgrade"))) {
            picocli.CommandLine c = cli;
            for (String p : path) c = c.getSubcommands().get(p);
            picocli.CommandLine.Model.OptionSpec o = c.getCommandSpec().findOption("-o");
            assertThat(o).as(path.toString()).isNotNull();
            assertThat(o.longestName()).isEqualTo("--output");
            assertThat(o.defaultValue()).isEqualTo("table");
            assertThat(o.typeInfo().getType()).isEqualTo(OutputFormat.Format.class);
        }
        StringWriterPair p = new StringWriterPair();
        int exit = Main.run(p.out, p.err, "status", "-o", "xml");
        assertThat(exit).isEqualTo(2);
        assertThat(p.errText.toString()).contains("'xml' is not an output format: use table, json or yaml");
    }

    static final class StringWriterPair {
        final java.io.StringWriter outText = new java.io.StringWriter();
        final java.io.StringWriter errText = new java.io.StringWriter();
        final java.io.PrintWriter out = new java.io.PrintWriter(outText, true);
        final java.io.PrintWriter err = new java.io.PrintWriter(errText, true);

        @Override
        public String toString() {
            return outText + "\n" + errText;
        }
    }

    @Test
    void tablesSizeTheirColumnsToTheLongestNodeName() {
        String longName = "n".repeat(63);
        String t = new Table("NODE", "RESULT").row(longName, "\033[32mjoined\033[0m").row("w1", "FAILED").toString();
        List<String> lines = t.lines().toList();
        assertThat(lines.get(0)).isEqualTo("NODE" + " ".repeat(63 - 4 + 3) + "RESULT");
        assertThat(lines.get(1)).isEqualTo(longName + "   \033[32mjoined\033[0m");
        assertThat(lines.get(2)).isEqualTo("w1" + " ".repeat(61 + 3) + "FAILED");
        // the join table itself: a 63-character name does not push RESULT out of its column
        var report = new io.kubejoin.join.JoinRunner.NodeReport(longName, true, List.of(), List.of(),
                java.time.Duration.ofMillis(1500), null, null, null, List.of());
        var shortOne = new io.kubejoin.join.JoinRunner.NodeReport("w1", true, List.of(), List.of(),
                java.time.Duration.ofMillis(1500), null, null, null, List.of());
        List<String> join = JoinCommand.table(List.of(report, shortOne)).lines().toList();
        assertThat(join.get(1).indexOf("joined")).isEqualTo(join.get(2).indexOf("joined")).isEqualTo(join.get(0).indexOf("RESULT"));
    }

    @Test
    void colourOnlyOnATerminalAndNeverWithNoColor() {
        assertThat(Terminal.of(true, null).colour()).isTrue();
        assertThat(Terminal.of(true, "").colour()).isTrue();
        assertThat(Terminal.of(true, "1").colour()).isFalse();
        assertThat(Terminal.of(true, "1").interactive()).isTrue();
        assertThat(Terminal.of(false, null)).isEqualTo(Terminal.NONE);
        assertThat(Terminal.NONE.red("FAILED")).isEqualTo("FAILED");
        assertThat(Terminal.of(true, null).red("FAILED")).isEqualTo("\033[1;31mFAILED\033[0m");
        assertThat(Terminal.isTerminalDevice("/dev/pts/3")).isTrue();
        assertThat(Terminal.isTerminalDevice("/dev/tty1")).isTrue();
        assertThat(Terminal.isTerminalDevice("pipe:[12345]")).isFalse();
        assertThat(Terminal.isTerminalDevice("/dev/null")).isFalse();
        assertThat(Terminal.isTerminalDevice("/tmp/out.txt")).isFalse();
        // this test's standard output is surefire's pipe, not a terminal
        assertThat(Terminal.stdoutIsTerminal()).isFalse();
    }

    @Test
    void verbosityAsKubejoinAndKubectlUsersTypeIt() {
        assertThat(Verbosity.level(List.of("join", "-f", "x"))).isZero();
        assertThat(Verbosity.level(List.of("join", "-v"))).isEqualTo(1);
        assertThat(Verbosity.level(List.of("join", "-vvv"))).isEqualTo(3);
        assertThat(Verbosity.level(List.of("--verbose", "join"))).isEqualTo(1);
        assertThat(Verbosity.level(List.of("join", "--v=4"))).isEqualTo(4);
        assertThat(Verbosity.level(List.of("join", "--v", "2"))).isEqualTo(2);
        assertThat(Verbosity.level(List.of("join", "--v=0"))).isZero();
        assertThat(Verbosity.level(List.of("join", "--", "-v"))).isZero();
        // picocli accepts all of them (exit 0 for --help, not a usage error)
        for (String v : List.of("-v", "-vv", "--v=3", "--verbose")) {
            StringWriterPair p = new StringWriterPair();
            assertThat(Main.run(p.out, p.err, "version", "--client", v)).as(v + ": " + p).isZero();
        }
    }

    @Test
    void versionPrintsTheClientAndAsJsonTheKubectlShape() {
        StringWriterPair p = new StringWriterPair();
        assertThat(Main.run(p.out, p.err, "version", "--client")).isZero();
        assertThat(p.outText.toString()).startsWith("Client Version: ").contains("renders for Kubernetes 1.17 to ");
        StringWriterPair j = new StringWriterPair();
        assertThat(Main.run(j.out, j.err, "version", "--client", "-o", "json")).isZero();
        var root = tools.jackson.databind.json.JsonMapper.builder().build().readTree(j.outText.toString());
        assertThat(root.path("clientVersion").path("gitVersion").asString()).isNotEmpty();
        assertThat(root.has("serverVersion")).isFalse();
    }

    @Test
    void theRunLogRedactsSecretsRotatesAndIsPrivate() throws Exception {
        Path file = tmp.resolve("logs/kubejoin.log");
        try (RunLog log = RunLog.open(file, 400, 2, Clock.systemUTC())) {
            log.line("out", "token abcdef.0123456789abcdef for worker-1");
            log.line("err", "client-key-data: LS0tLS1CRUdJTiBSU0E=");
            log.line("out", "-----BEGIN RSA PRIVATE KEY-----");
            log.line("out", "MIIEowIBAAKCAQEA7secretbody");
            log.line("out", "-----END RSA PRIVATE KEY-----");
            log.line("out", "\033[32mjoined\033[0m after the key");
        }
        String text = Files.readString(file);
        assertThat(text).contains("abcdef.<redacted>").doesNotContain("0123456789abcdef")
                .contains("client-key-data: <redacted>").doesNotContain("LS0tLS1CRUdJTiBSU0E=")
                .doesNotContain("MIIEowIBAAKCAQEA7secretbody").doesNotContain("BEGIN RSA PRIVATE KEY")
                .contains("[private key redacted]").contains("out joined after the key");
        assertThat(io.kubejoin.util.SecureFiles.mode(file)).isEqualTo(0600);
        assertThat(io.kubejoin.util.SecureFiles.mode(file.getParent())).isEqualTo(0700);
        // 400 bytes each: a long run rotates into .1 and .2, the oldest dropped
        try (RunLog log = RunLog.open(file, 400, 2, Clock.systemUTC())) {
            for (int i = 0; i < 40; i++) log.line("out", "line " + i + " " + "x".repeat(40));
        }
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertThat(files.map(f -> f.getFileName().toString()).sorted())
                    .containsExactly("kubejoin.log", "kubejoin.log.1", "kubejoin.log.2");
        }
        assertThat(Files.size(file)).isLessThanOrEqualTo(400);
        assertThat(Files.readString(file)).contains("line 39");
        assertThat(io.kubejoin.util.SecureFiles.mode(file.resolveSibling("kubejoin.log.1"))).isEqualTo(0600);
    }

    /**
     * The log skips its regular expressions on lines without their fixed part (a join's JSON, ~100 lines a node): the
     * result must be what the expressions alone give, a token at either end of a line or beside a longer word too.
     */
    @Test
    void theRunLogsShortcutsRedactExactlyAsTheExpressionsAlone() {
        java.util.regex.Pattern token = java.util.regex.Pattern.compile("\\b([a-z0-9]{6})\\.[a-z0-9]{16}\\b");
        java.util.regex.Pattern field = java.util.regex.Pattern.compile(
                "(\"?(?:client-key-data|token-secret|password|secret)\"?\\s*[:=]\\s*\"?)([^\\s\",]+)");
        for (String line : List.of("abcdef.0123456789abcdef", "x abcdef.0123456789abcdef", "abcdef.0123456789abcdef y",
                "xabcdef.0123456789abcdef", "abcdef.0123456789abcdefx", "abcdef.0123456789abcde", "abcde.0123456789abcdef",
                "a.b abcdef.0123456789abcdef.c", "Abcdef.0123456789abcdef", "10.96.0.1:443 in the nftables rules",
                "\"token-secret\": \"0123456789abcdef\",", "password=hunter2", "secret: x", "client-key-data: LS0t",
                "no secrets here", "the Secret is kube-system/bootstrap-token-abcdef", "", "......", "abcdef.",
                "    \"summary\": \"Ready after 5 s; bootstrap token 2klnek.**** deleted\",")) {
            String expected = token.matcher(line).replaceAll("$1.<redacted>");
            expected = field.matcher(expected).replaceAll(r -> java.util.regex.Matcher.quoteReplacement(r.group(1)) + "<redacted>");
            assertThat(RunLog.redact(line)).as(line).isEqualTo(expected);
        }
    }

    /** A console write's lines reach the file when the write returns (buffered for one system call, not held longer). */
    @Test
    void everyLineATeePassesIsInTheFileWhenTheWriteReturns() throws Exception {
        Path file = tmp.resolve("logs/tee.log");
        try (RunLog log = RunLog.open(file, 600, 2, Clock.systemUTC())) {
            java.io.StringWriter console = new java.io.StringWriter();
            java.io.Writer tee = log.tee(console, "out");
            tee.write("{\n  \"token\": \"abcdef.0123456789abcdef\",\n  \"node\": \"\033[1mw1\033[0m\"\n}");
            assertThat(Files.readString(file)).contains("out {\n").contains("out   \"token\": \"abcdef.<redacted>\",\n")
                    .contains("out   \"node\": \"w1\"\n").doesNotContain("0123456789abcdef").doesNotContain("}");
            assertThat(console.toString()).contains("abcdef.0123456789abcdef"); // the console gets what was written
            tee.write("\n");
            assertThat(Files.readString(file)).endsWith(" out }\n");
            // one write of many lines still rotates at the size limit
            tee.write(("x".repeat(50) + "\n").repeat(40));
        }
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("tee")).sorted())
                    .containsExactly("tee.log", "tee.log.1", "tee.log.2");
        }
        assertThat(Files.size(file)).isLessThanOrEqualTo(600);
    }

    @Test
    void debugLinesAreToldFromOthersWhateverTheThreadIsCalled() {
        for (String debug : List.of("DEBUG io.kubejoin.join.JoinRunner - x", "[main] DEBUG io.kubejoin.X - y",
                "[sshd-SshClient[7535f28]-nio2-thread-1] DEBUG io.kubejoin.remote.HostKeyVerifier - z",
                "12:00:01.123 [kubejoin-node] TRACE io.kubejoin.X - w")) {
            assertThat(RunLog.DEBUG_LINE.matcher(debug).find()).as(debug).isTrue();
        }
        for (String other : List.of("INFO io.kubejoin.X - DEBUG later", "[main] WARN io.kubejoin.X - [a] DEBUG b",
                "[sshd-SshClient[7535f28]-nio2-thread-1] INFO org.apache.sshd - up")) {
            assertThat(RunLog.DEBUG_LINE.matcher(other).find()).as(other).isFalse();
        }
    }

    @Test
    void everyLinePrintedLandsInTheLogFileNamedOnTheCommandLine() throws Exception {
        Path file = tmp.resolve("run.log");
        StringWriterPair p = new StringWriterPair();
        assertThat(Main.run(p.out, p.err, "version", "--client", "--log-file", file.toString())).isZero();
        assertThat(p.outText.toString()).startsWith("Client Version: ");
        String log = Files.readString(file);
        assertThat(log).contains(" log kubejoin version --client --log-file").contains(" out Client Version: ");
        // a failure's message is logged too, with the exit code unchanged
        StringWriterPair failed = new StringWriterPair();
        assertThat(Main.run(failed.out, failed.err, "token", "list", "--kubeconfig", tmp.resolve("none").toString(),
                "--log-file", file.toString())).isEqualTo(2);
        assertThat(failed.errText.toString()).contains("does not exist");
        assertThat(Files.readString(file)).contains(" err kubejoin: kubeconfig " + tmp.resolve("none") + " does not exist");
        StringWriterPair usage = new StringWriterPair();
        assertThat(Main.run(usage.out, usage.err, "join", "--log-file", file.toString())).isEqualTo(2);
        assertThat(Files.readString(file)).contains(" err kubejoin: join needs the inventory: -f inventory.yaml");
    }

    /** Numbers of nodes the run cannot take are refused before anything is read or contacted, exit 2, naming the fix. */
    @Test
    void joinAndPlanRefuseCountsTheyCannotRunWith() {
        for (List<String> args : List.of(List.of("--parallel", "0"), List.of("--max-in-flight", "0"),
                List.of("--max-in-flight", "-4"), List.of("--batch-size", "-1"))) {
            StringWriterPair p = new StringWriterPair();
            List<String> all = new java.util.ArrayList<>(List.of("join", "-f", "no-such-inventory.yaml"));
            all.addAll(args);
            assertThat(Main.run(p.out, p.err, all.toArray(String[]::new))).as(args.toString()).isEqualTo(2);
            assertThat(p.errText.toString()).as(args.toString()).contains(args.get(0) + " takes ")
                    .doesNotContain("no-such-inventory");
        }
        StringWriterPair plan = new StringWriterPair();
        assertThat(Main.run(plan.out, plan.err, "plan", "-f", "no-such-inventory.yaml", "--parallel", "0")).isEqualTo(2);
        assertThat(plan.errText.toString()).contains("--parallel takes 1 or more").doesNotContain("no-such-inventory");
        StringWriterPair help = new StringWriterPair();
        assertThat(Main.run(help.out, help.err, "join", "--help")).isZero();
        assertThat(help.outText.toString()).contains("--max-in-flight=N");
    }
}
