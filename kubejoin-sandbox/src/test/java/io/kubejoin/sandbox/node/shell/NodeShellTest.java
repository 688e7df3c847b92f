package io.kubejoin.sandbox.node.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubejoin.inventory.ContainerRuntime;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.ProxyMode;
import io.kubejoin.join.NodeCommands;
import io.kubejoin.join.NodeContext;
import io.kubejoin.join.PhaseFailure;
import io.kubejoin.join.phases.BinariesPhase;
import io.kubejoin.join.phases.NodePreflightPhase;
import io.kubejoin.join.phases.StartServicePhase;
import io.kubejoin.join.phases.VerifyPhase;
import io.kubejoin.remote.ExecResult;
import io.kubejoin.remote.Negotiated;
import io.kubejoin.remote.PushResult;
import io.kubejoin.remote.RemoteFile;
import io.kubejoin.remote.Transport;
import io.kubejoin.render.ModulesLoadRenderer;
import io.kubejoin.render.NodeFiles;
import io.kubejoin.testing.TestInventories;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.kubejoin.sandbox.node.NodePrograms;
import io.kubejoin.sandbox.node.NodeRoot;

/** The simulated node's sh: kubejoin's command vocabulary runs against a folder; everything else fails loudly. */
class NodeShellTest {
    private static final Instant NOW = Instant.parse("2025-03-01T10:00:00Z");

    @TempDir
    Path dir;

    private final FakePrograms programs = new FakePrograms();
    private final Set<String> sockets = new HashSet<>();
    private NodeShell shell;

    @BeforeEach
    void setUp() {
        shell = new NodeShell(new NodeRoot(dir), programs, Clock.fixed(NOW, ZoneOffset.UTC), sockets::contains);
    }

    /** The node's programs: answers per program name; records every call. */
    static final class FakePrograms implements NodePrograms {
        final Map<String, Function<List<String>, ExecResult>> answers = new ConcurrentHashMap<>();
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<String> stdins = new CopyOnWriteArrayList<>();

        FakePrograms answer(String program, Function<List<String>, ExecResult> answer) {
            answers.put(program, answer);
            return this;
        }

        @Override
        public ExecResult run(String program, List<String> args, String stdin) {
            calls.add(program + (args.isEmpty() ? "" : " " + String.join(" ", args)));
            stdins.add(stdin);
            Function<List<String>, ExecResult> a = answers.get(program);
            return a == null ? null : a.apply(args);
        }

        /** command -v: the programs this fake answers are on PATH. */
        @Override
        public String which(String program) {
            return answers.containsKey(program) ? "/usr/bin/" + program : null;
        }
    }

    /** kubejoin's way to the node over SSH exec: every command wrapped as SshTransport.asRoot does for root. */
    final class ShellTransport implements Transport {
        final List<String> commands = new ArrayList<>();

        @Override
        public String target() {
            return "sandbox";
        }

        @Override
        public ExecResult exec(String command, Duration timeout) {
            commands.add(command);
            return shell.run("sh -c " + io.kubejoin.remote.script.Sh.quote(command));
        }

        @Override
        public Map<String, String> sha256(Collection<String> paths) {
            throw new AssertionError("not used here");
        }

        @Override
        public Optional<String> readText(String path) {
            throw new AssertionError("not used here");
        }

        @Override
        public PushResult push(List<RemoteFile> files) {
            throw new AssertionError("not used here");
        }

        @Override
        public Optional<Negotiated> negotiated() {
            return Optional.empty();
        }

        @Override
        public void close() {
        }
    }

    private static ExecResult ok(String stdout) {
        return new ExecResult(0, stdout, "");
    }

    private Path file(String nodePath, String content, String perms) throws IOException {
        Path p = dir.resolve(nodePath.substring(1));
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        return p;
    }

    private Path local(String nodePath) {
        return dir.resolve(nodePath.substring(1));
    }

    private static String perms(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    // ------------------------------------------------------------ words, lists, control flow

    @Test
    void quotingExpandsAsShDoes() {
        ExecResult r = shell.run("echo 'a  b' \"c  d\" e\\ f 'it'\\''s' \"x\\\"y\\$z\" '' end");
        assertThat(r.stdout()).isEqualTo("a  b c  d e f it's x\"y$z  end\n");
        assertThat(r.exitCode()).isZero();
    }

    @Test
    void shDashCRunsTheQuotedCommandAsSshTransportSendsIt() {
        String cmd = "echo \"it's $HOME\" 'two  spaces'; exit 7";
        ExecResult r = shell.run("sh -c " + io.kubejoin.remote.script.Sh.quote(cmd));
        assertThat(r.stdout()).isEqualTo("it's  two  spaces\n");
        assertThat(r.exitCode()).isEqualTo(7);
        ExecResult sudo = shell.run("sudo -n sh -c " + io.kubejoin.remote.script.Sh.quote(cmd));
        assertThat(sudo).isEqualTo(r);
        assertThat(shell.run("sudo -S sh -c true").stderr()).contains("unsupported option -S for sudo");
    }

    @Test
    void exitEndsTheRunButOnlyItsOwnShell() {
        assertThat(shell.run("echo a; exit 3; echo b")).isEqualTo(new ExecResult(3, "a\n", ""));
        assertThat(shell.run("false; exit").exitCode()).isEqualTo(1);
        assertThat(shell.run("exit 300").exitCode()).isEqualTo(44);
        ExecResult nested = shell.run("sh -c 'exit 5'; echo \"after $?\"");
        assertThat(nested).isEqualTo(new ExecResult(0, "after 5\n", ""));
        assertThat(shell.run("exit x").exitCode()).isEqualTo(2);
    }

    @Test
    void listsShortCircuit() {
        assertThat(shell.run("false || echo a && echo b; false && echo no; echo c\necho d").stdout())
                .isEqualTo("a\nb\nc\nd\n");
        assertThat(shell.run("true && false").exitCode()).isEqualTo(1);
        assertThat(shell.run("false || true").exitCode()).isZero();
    }

    @Test
    void ifElifElseAndForLoops() {
        String script = """
                for x in one two 'th ree'; do
                  if [ "$x" = one ]; then echo "1:$x"
                  elif [ "$x" = two ]; then echo "2:$x"; else echo "else:$x"; fi
                done
                if false; then echo never; fi
                """;
        assertThat(shell.run(script)).isEqualTo(new ExecResult(0, "1:one\n2:two\nelse:th ree\n", ""));
    }

    @Test
    void functionsTakePositionalArgumentsAndReturn() {
        String script = """
                f() {
                  echo "args $# $1 [$2] $3"
                  if [ -n "$3" ]; then return 4; fi
                  echo unreachable-when-three
                }
                f a 'b c' d; echo "status $?"
                f x; echo "status $?"
                """;
        assertThat(shell.run(script).stdout())
                .isEqualTo("args 3 a [b c] d\nstatus 4\nargs 1 x [] \nunreachable-when-three\nstatus 0\n");
        assertThat(shell.run("return 1").stderr()).contains("not in a function");
    }

    @Test
    void redirectionsOnlyToDevNullAndBetweenOneAndTwo() {
        ExecResult r = shell.run("echo out; echo err >&2; echo gone >/dev/null; echo gone2 2>/dev/null >&2; "
                + "echo both >/dev/null 2>&1; sh -c 'echo e2 >&2' 2>&1; sh -c 'echo o3; echo e3 >&2' 2>&1 >/dev/null; "
                + "echo x 1>&2 2>/dev/null; echo appended >>/dev/null");
        assertThat(r.stdout()).isEqualTo("out\ne2\ne3\n");
        assertThat(r.stderr()).isEqualTo("err\nx\n");
        ExecResult block = shell.run("for i in 1 2; do echo \"$i\"; done >/dev/null; if true; then echo in >&2; fi 2>&1");
        assertThat(block).isEqualTo(new ExecResult(0, "in\n", ""));
    }

    @Test
    void pipelinesFeedStdoutToStdin() {
        programs.answer("iptables-save", a -> ok("*nat\n-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -j X\nCOMMIT\n"));
        assertThat(shell.run("iptables-save -t nat | grep -qF -- '-d 10.96.0.1/32'").exitCode()).isZero();
        assertThat(shell.run("iptables-save -t nat | grep -qF -- '-d 10.96.0.2/32'").exitCode()).isEqualTo(1);
        assertThat(programs.calls).contains("iptables-save -t nat");
        assertThat(shell.run("echo abc | grep -F b").stdout()).isEqualTo("abc\n");
        // -e: each pattern, a line matching any of them
        programs.answer("journalctl", a -> ok("one certificate_manager.go\ntwo\nthree kubelet_node_status.go\n"));
        assertThat(shell.run("journalctl -o cat | grep -F -e certificate_manager.go -e kubelet_node_status.go").stdout())
                .isEqualTo("one certificate_manager.go\nthree kubelet_node_status.go\n");
        assertThat(shell.run("echo x-e | grep -F -- -e").stdout()).isEqualTo("x-e\n");
        assertThat(shell.run("printf-like-unknown | grep -qF x").exitCode()).isEqualTo(1);
        programs.answer("wc", a -> ok(String.valueOf(programs.stdins.get(programs.stdins.size() - 1).length())));
        assertThat(shell.run("echo hello | cat | wc").stdout()).isEqualTo("6");
        assertThat(shell.run("echo hello | exit 3; echo still").stdout()).isEqualTo("still\n");
    }

    @Test
    void execRunsTheCommandAndEndsTheShell() throws IOException {
        file("/etc/x.conf", "content\n", "rw-------");
        assertThat(shell.run("exec cat -- /etc/x.conf; echo not-reached")).isEqualTo(new ExecResult(0, "content\n", ""));
        assertThat(shell.run("exec false; echo not-reached")).isEqualTo(new ExecResult(1, "", ""));
    }

    // ------------------------------------------------------------ loud failures

    @Test
    void unknownCommandsFailWith127() {
        ExecResult r = shell.run("echo before; frobnicate --all");
        assertThat(r.exitCode()).isEqualTo(127);
        assertThat(r.stdout()).isEqualTo("before\n");
        assertThat(r.stderr()).isEqualTo("sandbox node: unsupported command: frobnicate\n");
        assertThat(programs.calls).containsExactly("frobnicate --all");
        assertThat(shell.run("sudo -n nosuch").stderr()).contains("unsupported command: nosuch");
    }

    /** As sh: trailing newlines dropped, split on blanks and newlines unless quoted, exit ends only the substitution. */
    @Test
    void commandSubstitutionGivesTheOutputSplitUnlessQuoted() {
        ExecResult r = shell.run("f() { echo \"$#:$1:$2\"; }; f $(echo a; echo 'b  c'); echo \"[$(echo 'x y'; echo; echo)]\"; "
                + "f $(exit 3; echo no); echo $(echo $(echo in)) out; f \"$(echo p q)\"");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("3:a:b\n[x y]\n0::\nin out\n1:p q:\n");
        assertThat(shell.run("echo $(echo x").stderr()).startsWith("sandbox node: syntax error: ");
    }

    @Test
    void unsupportedSyntaxFailsBeforeAnythingRuns() throws IOException {
        for (String cmd : List.of("echo `id`", "echo x >/tmp/file", "echo x > \"$f\"", "cat < /etc/x",
                "sleep 1 &", "x=1", "while true; do :; done", "case a in a) ;; esac", "(cd /)", "echo ${x:-y}",
                "echo \"$@\"", "! true", "cat <<EOF", "echo $((1+1))", "echo x 3>/dev/null", "echo ~/x")) {
            ExecResult r = shell.run("mkdir -p /marker; " + cmd);
            assertThat(r.exitCode()).as(cmd).isEqualTo(2);
            assertThat(r.stderr()).as(cmd).startsWith("sandbox node: unsupported shell syntax: ");
            assertThat(local("/marker")).as(cmd).doesNotExist();
        }
        for (String cmd : List.of("echo 'open", "if true; then echo", "for x in a b; do echo", "echo a &&", "f() echo")) {
            ExecResult r = shell.run(cmd);
            assertThat(r.exitCode()).as(cmd).isEqualTo(2);
            assertThat(r.stderr()).as(cmd).startsWith("sandbox node: syntax error: ");
        }
    }

    @Test
    void ddReadsExactlyItsBytesFromTheCommandsStdinAndNothingElse() throws IOException {
        file("/etc/f", "x", "rw-r--r--");
        ExecResult r = shell.run("sh -c " + io.kubejoin.remote.script.Sh.quote("umask 077; dd of=/etc/a bs=3 count=1 iflag=fullblock status=none"
                + " && dd of=/etc/b bs=10 count=1 iflag=fullblock status=none && dd of=/etc/c bs=1 count=0 iflag=fullblock status=none"),
                new java.io.ByteArrayInputStream("abcdefg".getBytes(StandardCharsets.UTF_8)));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(local("/etc/a")).hasContent("abc");
        assertThat(local("/etc/b")).as("fewer bytes only at the end of input").hasContent("defg");
        assertThat(local("/etc/c")).isEmptyFile();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(local("/etc/a")))).isEqualTo("rw-------");
        Map<String, String> cases = Map.of(
                "dd if=/etc/f of=/etc/g", "unsupported option if=/etc/f for dd",
                "dd of=/etc/g bs=1 count=2 iflag=fullblock status=none", "only of=FILE bs=N count=1|0",
                "echo x | dd of=/etc/g bs=1 count=1 iflag=fullblock status=none", "dd: only the command's own stdin");
        cases.forEach((cmd, message) -> {
            ExecResult bad = shell.run(cmd, new java.io.ByteArrayInputStream(new byte[0]));
            assertThat(bad.exitCode()).as(cmd).isEqualTo(2);
            assertThat(bad.stderr()).as(cmd).startsWith("sandbox node: ").contains(message);
        });
        assertThat(local("/etc/g")).doesNotExist();
    }

    @Test
    void ddOverAnExistingFileReplacesAllOfItsContent() throws IOException {
        // only a file dd creates is left untruncated (it is empty): one that was there is cut to what dd writes
        file("/etc/long", "0123456789", "rw-r--r--");
        ExecResult r = shell.run("dd of=/etc/long bs=3 count=1 iflag=fullblock status=none",
                new java.io.ByteArrayInputStream("abc".getBytes(StandardCharsets.UTF_8)));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(local("/etc/long")).hasContent("abc");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(local("/etc/long")))).isEqualTo("rw-r--r--");
    }

    @Test
    void theSameScriptTextRunsAlikeEachTimeAndItsSyntaxErrorsStayLoud() throws IOException {
        // the parsed trees are kept by text and shared: each run has its own variables, functions and positional args
        String script = "f() { echo \"$1-$2\"; }; f \"$1\" b; exit 3";
        for (String arg : List.of("x", "y", "x")) {
            ExecResult r = shell.run("sh -c " + io.kubejoin.remote.script.Sh.quote(script) + " sh " + arg);
            assertThat(r.exitCode()).isEqualTo(3);
            assertThat(r.stdout()).isEqualTo(arg + "-b\n");
        }
        for (int i = 0; i < 2; i++) {
            ExecResult bad = shell.run("if true; then echo x");
            assertThat(bad.exitCode()).isEqualTo(2);
            assertThat(bad.stderr()).startsWith("sandbox node: syntax error: ");
        }
    }

    @Test
    void ddWithCountBytesReadsExactlyThatManyBytesInBlocks() throws IOException {
        file("/etc/f", "x", "rw-r--r--");
        // GNU dd: count_bytes makes count a byte count; the last block is cut to it, the rest stays for the next reader
        ExecResult r = shell.run("sh -c " + io.kubejoin.remote.script.Sh.quote(
                "umask 022; dd of=/etc/a bs=4 count=6 iflag=fullblock,count_bytes status=none"
                        + " && dd of=/etc/b bs=4 count=1 iflag=fullblock status=none && dd of=/etc/c bs=1 count=1 iflag=fullblock status=none"
                        + " && dd of=/etc/d bs=4 count=9 iflag=fullblock,count_bytes status=none"),
                new java.io.ByteArrayInputStream("abcdefghijklmno".getBytes(StandardCharsets.UTF_8)));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(local("/etc/a")).hasContent("abcdef");
        assertThat(local("/etc/b")).hasContent("ghij");
        assertThat(local("/etc/c")).hasContent("k");
        assertThat(local("/etc/d")).as("fewer bytes only at the end of input, exit 0 as GNU dd").hasContent("lmno");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(local("/etc/a")))).isEqualTo("rw-r--r--");
        ExecResult bad = shell.run("dd of=/etc/g bs=4 count=x iflag=fullblock,count_bytes status=none",
                new java.io.ByteArrayInputStream(new byte[0]));
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.stderr()).isEqualTo("dd: invalid number: 'x'\n");
        assertThat(local("/etc/g")).doesNotExist();
    }

    @Test
    void unexpectedOptionsOfFileCommandsAreLoud() throws IOException {
        file("/etc/f", "x", "rw-r--r--");
        Map<String, String> cases = Map.of(
                "rm -rfv /etc/f", "unsupported option -v for rm",
                "grep -q x", "unsupported option",
                "stat -c '%Z' /etc/f", "unsupported option -c %Z for stat",
                "chmod u+x /etc/f", "unsupported option mode u+x",
                "ln -s /etc/f /etc/g", "unsupported option -s for ln",
                "mkdir --parents /etc/d", "unsupported option --parents for mkdir",
                "date +%Y", "unsupported option +%Y for date",
                "sh /tmp/script", "unsupported option /tmp/script for sh",
                "test -p /etc/f", "unsupported test expression: -p /etc/f");
        cases.forEach((cmd, message) -> {
            ExecResult r = shell.run(cmd);
            assertThat(r.exitCode()).as(cmd).isEqualTo(2);
            assertThat(r.stderr()).as(cmd).startsWith("sandbox node: ").contains(message);
        });
        assertThat(local("/etc/f")).exists();
        ExecResult chown = shell.run("chown 1000:1000 -- /etc/f");
        assertThat(chown.exitCode()).isEqualTo(2);
        assertThat(chown.stderr()).contains("belongs to root");
    }

    @Test
    void pathsMustBeAbsoluteAndStayInsideTheRoot() throws IOException {
        Path outside = dir.getParent().resolve(dir.getFileName() + "-outside");
        Files.writeString(outside, "secret");
        try {
            String escape = "/../" + outside.getFileName();
            for (String cmd : List.of("cat -- " + escape, "rm -f " + escape, "test -e " + escape,
                    "chmod 0777 " + escape, "sha256sum -- " + escape, "mv -f -- " + escape + " /x")) {
                ExecResult r = shell.run(cmd);
                assertThat(r.exitCode()).as(cmd).isEqualTo(2);
                assertThat(r.stderr()).as(cmd).contains("path escapes the node's root");
            }
            assertThat(outside).hasContent("secret");
            assertThat(shell.run("echo /../" + outside.getFileName().toString().replace("outside", "outsid?"))
                    .stdout()).doesNotContain(outside.toString()).contains("outsid?");
            ExecResult relative = shell.run("rm -f relative.pem");
            assertThat(relative.exitCode()).isEqualTo(2);
            assertThat(relative.stderr()).contains("only absolute paths");
        } finally {
            Files.deleteIfExists(outside);
        }
    }

    @Test
    void escapingTheRootIsRefusedForNodePathsToo() {
        assertThatThrownBy(() -> new NodeRoot(dir).local("/../x")).isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------ file commands

    @Test
    void sha256sumPrintsGnuLinesAndReportsMissingFiles() throws Exception {
        file("/etc/a", "alpha\n", "rw-------");
        ExecResult r = shell.run("sha256sum -- '/etc/a' '/etc/missing'");
        assertThat(r.stdout()).isEqualTo(sha256("alpha\n") + "  /etc/a\n");
        assertThat(r.stderr()).isEqualTo("sha256sum: /etc/missing: No such file or directory\n");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(shell.run("sha256sum -- /etc/a /etc/missing 2>/dev/null; exit 0"))
                .isEqualTo(new ExecResult(0, sha256("alpha\n") + "  /etc/a\n", ""));
    }

    @Test
    void statReportsModeAndRootAsOwner() throws IOException {
        file("/etc/k/a.pem", "a", "rw-------");
        Path exe = file("/usr/bin/kubelet", "b", "rwxr-xr-x");
        Files.setAttribute(exe, "unix:mode", 04755);
        ExecResult r = shell.run("stat -L -c 'M %a %u %n' -- '/etc/k/a.pem' '/usr/bin/kubelet' '/nope' 2>/dev/null");
        assertThat(r.stdout()).isEqualTo("M 600 0 /etc/k/a.pem\nM 4755 0 /usr/bin/kubelet\n");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(shell.run("stat -L -c %a -- /nope").stderr()).isEqualTo("stat: cannot stat '/nope': No such file or directory\n");
    }

    @Test
    void statOfTheCgroupFileSystemFollowsTheFolderLayout() throws IOException {
        assertThat(shell.run("stat -fc %T /sys/fs/cgroup")).isEqualTo(new ExecResult(0, "tmpfs\n", ""));
        file("/sys/fs/cgroup/cgroup.controllers", "cpu memory\n", "rw-r--r--");
        assertThat(shell.run("stat -fc %T /sys/fs/cgroup")).isEqualTo(new ExecResult(0, "cgroup2fs\n", ""));
    }

    @Test
    void mkdirChmodAndUmask() throws IOException {
        assertThat(shell.run("umask 022 && mkdir -p -- '/var/lib/a/b' '/etc/c'").exitCode()).isZero();
        assertThat(perms(local("/var/lib/a"))).isEqualTo("rwxr-xr-x");
        assertThat(perms(local("/var/lib/a/b"))).isEqualTo("rwxr-xr-x");
        assertThat(shell.run("umask 077; mkdir -p /private/x; umask").stdout()).isEqualTo("0077\n");
        assertThat(perms(local("/private/x"))).isEqualTo("rwx------");
        assertThat(shell.run("mkdir -p /fresh").exitCode()).isZero(); // each run starts with umask 022
        assertThat(perms(local("/fresh"))).isEqualTo("rwxr-xr-x");
        file("/etc/file", "x", "rw-r--r--");
        ExecResult clash = shell.run("mkdir -p /etc/file");
        assertThat(clash.exitCode()).isEqualTo(1);
        assertThat(clash.stderr()).isEqualTo("mkdir: cannot create directory '/etc/file': File exists\n");
        assertThat(shell.run("mkdir /no/parent").stderr()).contains("No such file or directory");
        // a mode this JVM's own umask would cut: the create's mode, then a chmod, must still give it whole
        assertThat(shell.run("umask 000; mkdir -p /open/y && dd of=/open/f bs=1 count=1 iflag=fullblock status=none",
                new java.io.ByteArrayInputStream(new byte[] {'x'})).exitCode()).isZero();
        assertThat(perms(local("/open"))).isEqualTo("rwxrwxrwx");
        assertThat(perms(local("/open/y"))).isEqualTo("rwxrwxrwx");
        assertThat(perms(local("/open/f"))).isEqualTo("rw-rw-rw-");
        // something other than a folder on the way: the reason, as GNU mkdir -p
        assertThat(shell.run("mkdir -p /etc/file/sub").stderr())
                .isEqualTo("mkdir: cannot create directory '/etc/file/sub': Not a directory\n");
        Files.createSymbolicLink(local("/dangling"), local("/nowhere"));
        ExecResult dangling = shell.run("mkdir -p /dangling/sub");
        assertThat(dangling.exitCode()).isEqualTo(1);
        assertThat(dangling.stderr()).isEqualTo("mkdir: cannot create directory '/dangling/sub': No such file or directory\n");
        assertThat(local("/nowhere")).doesNotExist();

        assertThat(shell.run("chmod 0600 -- /etc/file").exitCode()).isZero();
        assertThat(perms(local("/etc/file"))).isEqualTo("rw-------");
        ExecResult missing = shell.run("chmod 0644 -- /etc/none");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr()).isEqualTo("chmod: cannot access '/etc/none': No such file or directory\n");
        assertThat(shell.run("chown 0:0 -- /etc/file && chown root:root /etc/file").exitCode()).isZero();
        assertThat(shell.run("chown 0:0 -- /etc/none").exitCode()).isEqualTo(1);
    }

    @Test
    void mvLnCpInstallAndRm() throws IOException {
        file("/etc/new", "new", "rw-r--r--");
        file("/etc/dest", "old", "rw-------");
        assertThat(shell.run("ln -f -- /etc/dest /etc/dest.bak").exitCode()).isZero();
        assertThat(Files.isSameFile(local("/etc/dest"), local("/etc/dest.bak"))).isTrue();
        assertThat(shell.run("ln -f -- /etc/dest /etc/dest.bak").exitCode()).isZero(); // again: replaced
        assertThat(shell.run("mv -f -- /etc/new /etc/dest").exitCode()).isZero();
        assertThat(local("/etc/dest")).hasContent("new");
        assertThat(local("/etc/new")).doesNotExist();
        assertThat(local("/etc/dest.bak")).hasContent("old");
        assertThat(shell.run("mv -f -- /etc/new /etc/dest").stderr())
                .isEqualTo("mv: cannot stat '/etc/new': No such file or directory\n");
        assertThat(shell.run("ln -f -- /etc/none /etc/x").stderr())
                .isEqualTo("ln: failed to access '/etc/none': No such file or directory\n");

        assertThat(shell.run("cp -p -- /etc/dest.bak /etc/copy").exitCode()).isZero();
        assertThat(local("/etc/copy")).hasContent("old");
        assertThat(perms(local("/etc/copy"))).isEqualTo("rw-------");
        assertThat(Files.isSameFile(local("/etc/copy"), local("/etc/dest.bak"))).isFalse();

        assertThat(shell.run("install -m 0640 -o 0 -g 0 -- /etc/dest /etc/inst").exitCode()).isZero();
        assertThat(local("/etc/inst")).hasContent("new");
        assertThat(perms(local("/etc/inst"))).isEqualTo("rw-r-----");
        assertThat(shell.run("install -m 0640 -o 1000 -g 0 -- /etc/dest /etc/inst").exitCode()).isEqualTo(2);

        assertThat(shell.run("rm -f -- /etc/copy /etc/never").exitCode()).isZero();
        assertThat(local("/etc/copy")).doesNotExist();
        assertThat(shell.run("rm /etc/never").stderr()).isEqualTo("rm: cannot remove '/etc/never': No such file or directory\n");
        ExecResult folder = shell.run("rm -f /etc");
        assertThat(folder.exitCode()).isEqualTo(1);
        assertThat(folder.stderr()).isEqualTo("rm: cannot remove '/etc': Is a directory\n");
        assertThat(local("/etc/dest")).exists();
    }

    @Test
    void catTailAndDate() throws IOException {
        file("/proc/swaps", "Filename Type Size Used Priority\n/swapfile file 1048572 0 -2\n", "rw-r--r--");
        assertThat(shell.run("tail -n +2 /proc/swaps").stdout()).isEqualTo("/swapfile file 1048572 0 -2\n");
        file("/proc/swaps", "Filename Type Size Used Priority\n", "r--r--r--");
        assertThat(shell.run("tail -n +2 /proc/swaps")).isEqualTo(new ExecResult(0, "", ""));
        assertThat(shell.run("tail -n +2 /nope").exitCode()).isEqualTo(1);
        assertThat(shell.run("echo a; echo b").stdout()).isEqualTo("a\nb\n");
        assertThat(shell.run("cat /nope").stderr()).isEqualTo("cat: /nope: No such file or directory\n");
        assertThat(shell.run("echo piped | cat").stdout()).isEqualTo("piped\n");
        assertThat(shell.run("date +%s")).isEqualTo(new ExecResult(0, NOW.getEpochSecond() + "\n", ""));
    }

    @Test
    void testChecksFilesSocketsAndExecutables() throws IOException {
        file("/usr/local/bin/kubelet", "k", "rwxr-xr-x");
        file("/usr/local/bin/kube-proxy", "p", "rw-r--r--");
        sockets.add("/run/containerd/containerd.sock");
        assertThat(shell.run("test -S '/run/containerd/containerd.sock'").exitCode()).isZero();
        assertThat(shell.run("test -S '/var/run/docker.sock'").exitCode()).isEqualTo(1);
        assertThat(shell.run("test -x '/usr/local/bin/kubelet' && test -x '/usr/local/bin/kube-proxy'").exitCode())
                .isEqualTo(1);
        Files.setPosixFilePermissions(local("/usr/local/bin/kube-proxy"), PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(shell.run("test -x '/usr/local/bin/kubelet' && test -x '/usr/local/bin/kube-proxy'").exitCode())
                .isZero();
        assertThat(shell.run("[ -d /usr/local ] && [ -f /usr/local/bin/kubelet ] && [ -e /usr ]").exitCode()).isZero();
        assertThat(shell.run("[ -f /usr/local ]").exitCode()).isEqualTo(1);
        ExecResult noBracket = shell.run("[ -d /usr");
        assertThat(noBracket.exitCode()).isEqualTo(2);
        assertThat(noBracket.stderr()).contains("missing ]");
    }

    // ------------------------------------------------------------ globs

    @Test
    void resetRemovesKubeletClientCertificatesByGlob() throws IOException {
        // the commands of Reset.recover and Reset.full, built the same way
        Inventory inv = TestInventories.current("1.35.0");
        NodeFiles paths = new NodeFiles(inv.paths());
        String certDir = paths.certDir();
        for (String name : List.of("kubelet-client-current.pem", "kubelet-client-2024-01-01-10-00-00.pem",
                "kubelet-client-2025-06-01-10-00-00.pem", "kubelet.crt", "ca.pem", "kubelet-server-current.pem",
                ".kubelet-client-hidden.pem")) {
            file(certDir + "/" + name, name, "rw-------");
        }
        file(paths.kubeletKubeconfig(), "kc", "rw-------");
        String recover = "rm -f " + io.kubejoin.remote.script.Sh.quote(paths.kubeletKubeconfig()) + " " + io.kubejoin.remote.script.Sh.quote(certDir)
                + "/kubelet-client-current*.pem " + io.kubejoin.remote.script.Sh.quote(certDir) + "/kubelet-client-2*.pem";
        ExecResult r = new ShellTransport().exec(recover, Duration.ofSeconds(1));
        assertThat(r).isEqualTo(new ExecResult(0, "", ""));
        assertThat(local(paths.kubeletKubeconfig())).doesNotExist();
        try (var list = Files.list(local(certDir))) {
            assertThat(list.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("kubelet.crt", "ca.pem", "kubelet-server-current.pem",
                            ".kubelet-client-hidden.pem");
        }
        // nothing left to match: the patterns stay as words and rm -f ignores them
        assertThat(new ShellTransport().exec(recover, Duration.ofSeconds(1)).exitCode()).isZero();
        String full = "rm -f " + io.kubejoin.remote.script.Sh.quote(certDir) + "/kubelet-client-*.pem " + io.kubejoin.remote.script.Sh.quote(certDir)
                + "/kubelet-server-*.pem";
        assertThat(new ShellTransport().exec(full, Duration.ofSeconds(1)).exitCode()).isZero();
        assertThat(local(certDir + "/kubelet-server-current.pem")).doesNotExist();
        assertThat(local(certDir + "/ca.pem")).exists();
    }

    @Test
    void rmRecursiveCrossesMountsUnlessOneFileSystemAndNeverTakesTheRoot() throws IOException {
        file("/data/kubelet/cpu_manager_state", "{}", "rw-r--r--");
        file("/data/kubelet/pods/p1/volumes/v/token", "pod data", "rw-r--r--");
        file("/data/kubelet/pods/p1/etc-hosts", "h", "rw-r--r--");
        file("/proc/mounts", "/dev/vda1 / ext4 rw 0 0\ntmpfs /data/kubelet/pods/p1/volumes/v tmpfs rw 0 0\n", "rw-r--r--");
        // as GNU rm: the mount point is skipped with its files, everything else goes, the status says so
        ExecResult r = shell.run("rm -rf --one-file-system -- '/data/kubelet'");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).isEqualTo("rm: skipping '/data/kubelet/pods/p1/volumes/v', since it's on a different device\n");
        assertThat(local("/data/kubelet/pods/p1/volumes/v/token")).hasContent("pod data");
        assertThat(local("/data/kubelet/cpu_manager_state")).doesNotExist();
        assertThat(local("/data/kubelet/pods/p1/etc-hosts")).doesNotExist();
        // without --one-file-system rm goes through the mount and deletes the volume's files, as the real one does;
        // the mount point itself stays (rmdir of a mount point: EBUSY), and so do the folders above it
        ExecResult through = shell.run("rm -rf /data/kubelet");
        assertThat(through.exitCode()).isEqualTo(1);
        assertThat(through.stderr()).isEqualTo("rm: cannot remove '/data/kubelet/pods/p1/volumes/v': Device or resource busy\n");
        assertThat(local("/data/kubelet/pods/p1/volumes/v")).isEmptyDirectory();
        assertThat(shell.run("rm /proc").stderr()).isEqualTo("rm: cannot remove '/proc': Is a directory\n");
        ExecResult root = shell.run("rm -rf /");
        assertThat(root.exitCode()).isEqualTo(1);
        assertThat(root.stderr()).contains("dangerous to operate recursively on '/'");
        assertThat(local("/proc/mounts")).exists();
    }

    @Test
    void globsAreSortedOnlyUnquotedAndLiteralWithoutMatch() throws IOException {
        file("/d/b.pem", "", "rw-r--r--");
        file("/d/a.pem", "", "rw-r--r--");
        file("/d/c.txt", "", "rw-r--r--");
        file("/d/sub/x.pem", "", "rw-r--r--");
        assertThat(shell.run("echo /d/*.pem").stdout()).isEqualTo("/d/a.pem /d/b.pem\n");
        assertThat(shell.run("echo '/d/'*").stdout()).isEqualTo("/d/a.pem /d/b.pem /d/c.txt /d/sub\n");
        assertThat(shell.run("echo '/d/*' \"/d/*\" /d/\\*").stdout()).isEqualTo("/d/* /d/* /d/*\n");
        assertThat(shell.run("echo /d/?.pem /d/[ab].pem /d/[!a].pem").stdout())
                .isEqualTo("/d/a.pem /d/b.pem /d/a.pem /d/b.pem /d/b.pem\n");
        assertThat(shell.run("echo /d/*/x.pem /d/*.none /nodir/*").stdout())
                .isEqualTo("/d/sub/x.pem /d/*.none /nodir/*\n");
    }

    @Test
    void ipv6UrlsPassThroughAsWords() {
        programs.answer("curl", a -> ok("ok"));
        programs.answer("ipvsadm", a -> ok(""));
        assertThat(shell.run("curl -fsS --max-time 5 http://[fd00::5]:10248/healthz").exitCode()).isZero();
        assertThat(shell.run("ipvsadm -Ln -t [fd00:96::1]:443").exitCode()).isZero();
        assertThat(programs.calls).containsExactly("curl -fsS --max-time 5 http://[fd00::5]:10248/healthz",
                "ipvsadm -Ln -t [fd00:96::1]:443");
    }

    // ------------------------------------------------------------ the product's phases on the shell

    private NodeContext ctx(Inventory inv, ShellTransport t) {
        return new NodeContext(inv, inv.nodes().get(0), List.of(), t);
    }

    private void healthyPrograms() throws java.io.IOException {
        // the host as a ready machine has it (the sandbox's NodeHost): programs, interfaces, name, disk, containerd
        io.kubejoin.sandbox.node.NodeHost host = new io.kubejoin.sandbox.node.NodeHost(dir, "192.168.0.114",
                "/run/containerd/containerd.sock");
        file("/etc/hosts", "127.0.0.1 localhost\n192.168.0.114 " + TestInventories.current("1.35.0").nodes().get(0).name() + "\n", "rw-r--r--");
        programs.answer("getent", host::getent).answer("ip", host::ip).answer("df", host::df);
        for (String p : List.of("containerd", "ctr")) programs.answer(p, a -> host.runtime(p, a, true));
        for (String p : List.of("ipset", "ipvsadm", "nft", "iptables", "iptables-save", "iptables-restore", "conntrack")) {
            programs.answer(p, a -> ok(""));
        }
        programs.answer("systemctl", a -> new ExecResult(3, "", ""));
        programs.answer("ss", a -> ok(""));
        programs.answer("modinfo", a -> a.get(a.size() - 1).startsWith("ip_vs")
                ? ok("/lib/modules/6.1/kernel/net/netfilter/ipvs/" + a.get(a.size() - 1) + ".ko\n")
                : new ExecResult(1, "", "modinfo: ERROR: Module " + a.get(a.size() - 1) + " not found.\n"));
    }

    @Test
    void preflightRunsOnAHealthyNode() throws Exception {
        Inventory inv = TestInventories.current("1.35.0");
        healthyPrograms();
        sockets.add("/run/containerd/containerd.sock");
        file("/proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n", "r--r--r--");
        file("/sys/fs/cgroup/cgroup.controllers", "cpu\n", "r--r--r--");
        // systemd-resolved runs: the rendered resolvConf default is there
        file("/run/systemd/resolve/resolv.conf", "nameserver 127.0.0.53\n", "rw-r--r--");
        // a prepared kernel: forwarding on, br_netfilter loaded with its settings
        file("/proc/sys/net/ipv4/ip_forward", "1\n", "rw-r--r--");
        file("/proc/sys/net/bridge/bridge-nf-call-iptables", "1\n", "rw-r--r--");
        file("/proc/sys/net/bridge/bridge-nf-call-ip6tables", "1\n", "rw-r--r--");
        for (String m : ModulesLoadRenderer.modules(inv, inv.nodes().get(0))) {
            if (!m.startsWith("ip_vs")) Files.createDirectories(local("/sys/module/" + m));
        }
        ShellTransport t = new ShellTransport();
        new NodePreflightPhase(Clock.fixed(NOW, ZoneOffset.UTC)).run(ctx(inv, t));
        assertThat(t.commands).anyMatch(c -> c.contains("\ns modules; for m in"));
        assertThat(programs.calls).anyMatch(c -> c.startsWith("modinfo -n ip_vs"))
                .anyMatch(c -> c.equals("ss -Hltn sport = :10250"));
    }

    @Test
    void preflightSeesEachProblemOnTheNode() throws Exception {
        Inventory inv = TestInventories.current("1.35.0");
        healthyPrograms();
        programs.answer("ss", a -> a.get(1).endsWith("10250") ? ok("LISTEN 0 4096 *:10250 *:*\n") : ok(""));
        programs.answer("modinfo", a -> new ExecResult(1, "", "modinfo: ERROR: Module not found.\n"));
        file("/proc/swaps", "Filename Type Size Used Priority\n/swapfile file 1048572 0 -2\n", "r--r--r--");
        NodeShell late = new NodeShell(new NodeRoot(dir), programs, Clock.fixed(NOW.minusSeconds(600), ZoneOffset.UTC),
                sockets::contains);
        shell = late;
        assertThatThrownBy(() -> new NodePreflightPhase(Clock.fixed(NOW, ZoneOffset.UTC)).run(ctx(inv, new ShellTransport())))
                .isInstanceOf(PhaseFailure.class)
                .hasMessageContaining("/run/containerd/containerd.sock is missing")
                .hasMessageContaining("swap is on")
                .hasMessageContaining("cgroup v1")
                .hasMessageContaining("port 10250 is taken")
                .hasMessageContaining("modules kube-proxy's ipvs mode needs are missing: "
                        + String.join(", ", ModulesLoadRenderer.modules(inv, inv.nodes().get(0))))
                .hasMessageContaining("clock is 600 s away");
    }

    @Test
    void binariesCheckAndServiceStartRunOnTheNode() throws Exception {
        Inventory inv = TestInventories.current("1.35.0");
        NodeFiles paths = new NodeFiles(inv.paths());
        ShellTransport t = new ShellTransport();
        assertThatThrownBy(() -> new BinariesPhase(null).run(ctx(inv, t))).isInstanceOf(PhaseFailure.class);
        file(paths.kubeletBinary(), "k", "rwxr-xr-x");
        file(paths.kubeProxyBinary(), "p", "rwxr-xr-x");
        new BinariesPhase(null).run(ctx(inv, t));

        Set<String> active = ConcurrentHashMap.newKeySet();
        programs.answer("systemctl", a -> switch (a.get(0)) {
            case "is-enabled" -> new ExecResult(1, a.contains("--quiet") ? "" : "disabled\n", ""); // as systemctl: exit 1
            case "is-active" -> new ExecResult(active.contains(a.get(a.size() - 1)) ? 0 : 3, "", "");
            case "restart" -> {
                active.add(a.get(1));
                yield ok("");
            }
            default -> ok("");
        });
        programs.answer("modprobe", a -> ok(""));
        StartServicePhase.kubelet().run(ctx(inv, t));
        StartServicePhase.kubeProxy().run(ctx(inv, t));
        assertThat(local(paths.kubeletVolumePluginDir())).isDirectory();
        assertThat(perms(local(paths.kubeletRootDir()))).isEqualTo("rwxr-xr-x");
        assertThat(local(paths.kubeProxyWorkDir())).isDirectory();
        // enable reloads systemd's configuration itself: no daemon-reload for a unit that was not enabled; the
        // modules in one modprobe
        assertThat(programs.calls).contains("systemctl enable kubelet", "systemctl restart kube-proxy")
                .doesNotContain("systemctl daemon-reload").anyMatch(c -> c.startsWith("modprobe -a ip_vs"))
                .noneMatch(c -> c.startsWith("modprobe ip_vs"));
    }

    @Test
    void verifyChecksRulesThroughPipelinesInEveryMode() throws Exception {
        programs.answer("curl", a -> ok("ok"));
        programs.answer("sleep", a -> ok("")); // verify's poll on the node, until its timeout
        programs.answer("ipvsadm", a -> a.get(2).equals("10.254.0.1:443") ? ok("TCP 10.254.0.1:443 rr\n")
                : new ExecResult(1, "", "Memory allocation problem\n"));
        // kubelet's serving certificate, which verify waits for (serverTLSBootstrap)
        Files.createDirectories(dir.resolve("etc/kubernetes/cert"));
        Files.writeString(dir.resolve("etc/kubernetes/cert/kubelet-server-current.pem"), "pem");
        new VerifyPhase().run(ctx(TestInventories.article(), new ShellTransport()));

        for (ProxyMode mode : List.of(ProxyMode.NFTABLES, ProxyMode.IPTABLES)) {
            Inventory inv = TestInventories.build("1.33.0", ContainerRuntime.containerd(), mode);
            String vip = inv.network().serviceCIDR().split("/")[0].replaceFirst("0$", "1");
            programs.answer("nft", a -> ok("table ip kube-proxy {\n\telement = { " + vip + " . tcp . 443 : goto x }\n}\n"));
            programs.answer("iptables-save", a -> ok("-A KUBE-SERVICES -d " + vip + "/32 -p tcp --dport 443 -j X\n"));
            new VerifyPhase().run(ctx(inv, new ShellTransport()));
            programs.answer("nft", a -> ok("table ip kube-proxy {\n}\n"));
            programs.answer("iptables-save", a -> ok("*nat\nCOMMIT\n"));
            programs.answer("journalctl", a -> ok("kube-proxy: no rules\n"));
            assertThatThrownBy(() -> new VerifyPhase().run(ctx(inv, new ShellTransport())))
                    .as(mode.value()).isInstanceOf(PhaseFailure.class).hasMessageContaining("no " + mode.value() + " rule");
        }
        assertThat(programs.calls).contains("nft list table ip kube-proxy", "iptables-save -t nat",
                "journalctl -u kube-proxy -n 20 --no-pager -o cat");
        // the failing mode polled on the node, pausing 0.1 s for a second, then 0.2 s doubling to 2 s, to the 60 s default
        assertThat(programs.calls).contains("sleep 0.1", "sleep 0.2", "sleep 0.4", "sleep 0.8", "sleep 1.6", "sleep 2");
    }

    // ------------------------------------------------------------ concurrency

    @Test
    void concurrentRunsShareNothingButTheFolder() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<ExecResult>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String cmd = i % 2 == 0 ? "umask 077; f() { mkdir -p \"/p/$1\"; echo \"$1\"; }; f " + i
                        : "g() { mkdir -p \"/o/$1\"; echo \"$1\"; }; g " + i;
                results.add(pool.submit(() -> shell.run(cmd)));
            }
            for (int i = 0; i < 200; i++) assertThat(results.get(i).get().stdout()).isEqualTo(i + "\n");
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < 200; i++) {
            assertThat(perms(local((i % 2 == 0 ? "/p/" : "/o/") + i)))
                    .isEqualTo(i % 2 == 0 ? "rwx------" : "rwxr-xr-x");
        }
        assertThat(shell.run("g 1").exitCode()).isEqualTo(127); // functions live in one run only
    }
}
