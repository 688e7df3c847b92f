package io.kubejoin.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.sandbox.node.shell.NodeShell;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * The commands SshTransport sends for hashing, reading and pushing, run by the sandbox node's shell on a folder:
 * the same strings (RemotePaths), wrapped as {@code SshTransport.asRoot} wraps them, parsed as SshTransport parses
 * the answers. The temp files a finish does not write from its stdin are written here directly.
 */
class RemotePathsOnNodeShellTest {
    @TempDir
    Path dir;
    private NodeShell shell;

    @BeforeEach
    void setUp() {
        shell = NodeShell.forFolder(dir, (program, args, stdin) -> null, Clock.systemUTC(), p -> false);
    }

    /** As SshTransport.exec: {@code sh -c} for root, {@code sudo -n sh -c} for another login. */
    private ExecResult exec(String command, boolean sudo) {
        return shell.run((sudo ? "sudo -n sh -c " : "sh -c ") + io.kubejoin.remote.script.Sh.quote(command));
    }

    private Path local(String nodePath) {
        return dir.resolve(nodePath.substring(1));
    }

    private void write(String nodePath, String content, String perms) throws IOException {
        Path p = local(nodePath);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
    }

    private String perms(String nodePath) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(local(nodePath)));
    }

    private static RemoteFile file(String path, int mode, String content) {
        return new RemoteFile(path, mode, content.getBytes(StandardCharsets.UTF_8));
    }

    private RemotePaths.Survey survey(List<RemoteFile> files, boolean withDirs) {
        List<String> paths = files.stream().map(RemoteFile::path).toList();
        ExecResult r = exec(RemotePaths.surveyCommand(paths, withDirs ? RemotePaths.parents(files) : List.of()), false);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stderr()).isEmpty();
        return RemotePaths.parseSurvey(r.stdout(), paths);
    }

    @Test
    void surveyReportsHashesModesRootOwnershipAndMissingFolders() throws IOException {
        RemoteFile config = file("/etc/kubernetes/kubelet-config.yaml", 0644, "kind: KubeletConfiguration\n");
        RemoteFile key = file("/etc/kubernetes/cert/kubelet-key.pem", 0600, "key");
        RemoteFile absent = file("/var/lib/kubelet/config.yaml", 0644, "x");
        write(config.path(), "kind: KubeletConfiguration\n", "rw-r--r--");
        write(key.path(), "old key", "rw-rw-rw-");

        RemotePaths.Survey s = survey(List.of(config, key, absent), true);

        assertThat(s.files()).containsOnlyKeys(config.path(), key.path());
        assertThat(s.files().get(config.path())).isEqualTo(new RemotePaths.RemoteState(config.sha256(), 0644, 0));
        assertThat(s.files().get(key.path())).isEqualTo(new RemotePaths.RemoteState(
                RemoteFile.sha256("old key".getBytes(StandardCharsets.UTF_8)), 0666, 0));
        assertThat(s.missingDirs()).containsExactly("/var/lib/kubelet");
        PushPlan plan = PushPlan.of(List.of(config, key, absent), s.files(), true);
        assertThat(plan.unchanged()).containsExactly(config);
        assertThat(plan.write()).containsExactly(key, absent);
    }

    @Test
    void hashingCommandOfSshTransport() throws IOException {
        write("/opt/k8s/bin/kubelet", "ELF", "rwxr-xr-x");
        List<String> paths = List.of("/opt/k8s/bin/kubelet", "/opt/k8s/bin/kube-proxy");
        // SshTransport.sha256's command
        ExecResult r = exec("sha256sum -- " + io.kubejoin.remote.script.Sh.quoteAll(paths) + " 2>/dev/null; exit 0", false);
        assertThat(r.exitCode()).isZero();
        assertThat(RemotePaths.parseSha256(r.stdout(), Set.copyOf(paths)))
                .isEqualTo(Map.of("/opt/k8s/bin/kubelet", RemoteFile.sha256("ELF".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void readCommandReadsRegularFilesAndExits3Otherwise() throws Exception {
        write("/etc/kubernetes/kubelet.kubeconfig", "apiVersion: v1\n", "rw-------");
        ExecResult r = exec(RemotePaths.readCommand("/etc/kubernetes/kubelet.kubeconfig"), false);
        assertThat(r).isEqualTo(new ExecResult(0, "apiVersion: v1\n", ""));
        assertThat(RemotePaths.parseRead(r, "/etc/kubernetes/kubelet.kubeconfig", "t")).contains("apiVersion: v1\n");

        ExecResult missing = exec(RemotePaths.readCommand("/etc/kubernetes/none"), false);
        assertThat(missing.exitCode()).isEqualTo(3);
        assertThat(RemotePaths.parseRead(missing, "/etc/kubernetes/none", "t")).isEqualTo(Optional.empty());
        assertThat(exec(RemotePaths.readCommand("/etc/kubernetes"), false).exitCode()).isEqualTo(3);
        assertThat(exec(RemotePaths.readCommand("/etc/it's here"), true).exitCode()).isEqualTo(3);
    }

    /** SshTransport.push as root: survey (creating missing folders), SFTP temp files (0600), finish command. */
    private PushResult pushAsRoot(List<RemoteFile> files) throws IOException {
        List<String> paths = files.stream().map(RemoteFile::path).toList();
        ExecResult r = exec(RemotePaths.surveyCommand(paths, RemotePaths.parents(files), true), false);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        RemotePaths.Survey s = RemotePaths.parseSurvey(r.stdout(), paths);
        assertThat(s.failedDirs()).isEmpty();
        for (String d : s.missingDirs()) {
            assertThat(Files.isDirectory(local(d))).as("created by the survey: " + d).isTrue();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(local(d)))).isEqualTo("rwxr-xr-x");
        }
        PushPlan plan = PushPlan.of(files, s.files(), true);
        if (plan.write().isEmpty() && plan.fixModeOnly().isEmpty()) return plan.result(files, Set.of());
        for (RemoteFile f : plan.write()) {
            Path tmp = local(RemotePaths.tmp(f.path()));
            Files.write(tmp, f.content());
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        }
        ExecResult fin = exec(RemotePaths.finishCommand(plan.write(), plan.fixModeOnly()), false);
        assertThat(fin.exitCode()).as(fin.stderr()).isZero();
        assertThat(fin.stderr()).isEmpty();
        Set<String> backedUp = new HashSet<>();
        fin.stdout().lines().filter(l -> l.startsWith("B /")).forEach(l -> backedUp.add(l.substring(2)));
        return plan.result(files, backedUp);
    }

    @Test
    void pushAsRootPlacesFilesKeepsBackupsAndIsIdempotent() throws IOException {
        write("/etc/kubernetes/kubelet-config.yaml", "old config\n", "rw-r--r--");
        write("/etc/kubernetes/cert/ca.pem", "CA\n", "rw-rw-r--"); // right bytes, wrong mode
        List<RemoteFile> files = List.of(
                file("/etc/kubernetes/kubelet-config.yaml", 0644, "new config\n"),
                file("/etc/kubernetes/cert/ca.pem", 0644, "CA\n"),
                file("/etc/kubernetes/cert/kubelet-key.pem", 0600, "KEY\n"),
                file("/opt/k8s/bin/kubelet", 0755, "ELF kubelet"),
                file("/etc/it's/odd name", 0640, "quoted\n"));

        PushResult first = pushAsRoot(files);

        assertThat(first.changed()).containsExactly("/etc/kubernetes/kubelet-config.yaml", "/etc/kubernetes/cert/ca.pem",
                "/etc/kubernetes/cert/kubelet-key.pem", "/opt/k8s/bin/kubelet", "/etc/it's/odd name");
        assertThat(first.files()).filteredOn(PushResult.FileOutcome::backedUp).extracting(PushResult.FileOutcome::path)
                .containsExactly("/etc/kubernetes/kubelet-config.yaml");
        assertThat(local("/etc/kubernetes/kubelet-config.yaml")).hasContent("new config");
        assertThat(local("/etc/kubernetes/kubelet-config.yaml.kubejoin-bak")).hasContent("old config");
        assertThat(perms("/etc/kubernetes/kubelet-config.yaml.kubejoin-bak")).isEqualTo("rw-r--r--");
        assertThat(perms("/etc/kubernetes/cert/ca.pem")).isEqualTo("rw-r--r--");
        assertThat(perms("/etc/kubernetes/cert/kubelet-key.pem")).isEqualTo("rw-------");
        assertThat(perms("/opt/k8s/bin/kubelet")).isEqualTo("rwxr-xr-x");
        assertThat(perms("/opt/k8s/bin")).isEqualTo("rwxr-xr-x");
        assertThat(local("/etc/it's/odd name")).hasContent("quoted");
        assertThat(perms("/etc/it's/odd name")).isEqualTo("rw-r-----");
        try (var tmp = Files.walk(dir)) {
            assertThat(tmp.map(Path::toString)).noneMatch(p -> p.endsWith(RemotePaths.TMP_SUFFIX));
        }

        PushResult second = pushAsRoot(files);
        assertThat(second.changed()).isEmpty();
    }

    @Test
    void placeRefusesAFolderAsDestination() throws IOException {
        Files.createDirectories(local("/etc/kubernetes/kubelet.conf"));
        RemoteFile f = file("/etc/kubernetes/kubelet.conf", 0644, "x");
        write(RemotePaths.tmp(f.path()), "x", "rw-------");

        ExecResult fin = exec(RemotePaths.finishCommand(List.of(f), List.of()), false);

        assertThat(fin.exitCode()).isEqualTo(1);
        assertThat(fin.stderr()).isEqualTo("/etc/kubernetes/kubelet.conf is a folder\n");
        assertThat(local("/etc/kubernetes/kubelet.conf")).isDirectory().isEmptyDirectory();
    }

    @Test
    void aFailingStepStopsTheFinishWithItsError() throws IOException {
        RemoteFile f = file("/etc/kubernetes/a.yaml", 0644, "x");
        // no temp file: SFTP's upload did not happen, so chmod fails and nothing is renamed
        write("/etc/kubernetes/a.yaml", "old", "rw-r--r--");

        ExecResult fin = exec(RemotePaths.finishCommand(List.of(f), List.of()), false);

        assertThat(fin.exitCode()).isEqualTo(1);
        assertThat(fin.stderr()).isEqualTo("chmod: cannot access '/etc/kubernetes/.a.yaml.kubejoin-tmp': "
                + "No such file or directory\n");
        assertThat(local("/etc/kubernetes/a.yaml")).hasContent("old");
        assertThat(local("/etc/kubernetes/a.yaml.kubejoin-bak")).doesNotExist();
    }

    /** As SshTransport.push does for small files: their bytes on the finishing command's stdin. */
    private ExecResult finishWithStdin(List<RemoteFile> changed, List<RemoteFile> inline, byte[] stdin) {
        String cmd = "sh -c " + io.kubejoin.remote.script.Sh.quote(RemotePaths.finishCommand(changed, inline, List.of()));
        return shell.run(cmd, new java.io.ByteArrayInputStream(stdin));
    }

    private static byte[] concat(List<RemoteFile> files) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        files.forEach(f -> out.writeBytes(f.content()));
        return out.toByteArray();
    }

    @Test
    void inlineFilesAreWrittenFromStdinWithTheirModesAndBackups() throws IOException {
        RemoteFile key = file("/etc/kubernetes/cert/kube-proxy-key.pem", 0600, "KEY\n");
        RemoteFile unit = file("/etc/systemd/system/kubelet.service", 0644, "[Unit]\n");
        RemoteFile empty = file("/etc/kubernetes/empty", 0644, "");
        write(unit.path(), "old unit", "rw-r--r--");
        Files.createDirectories(local("/etc/kubernetes/cert"));
        write(RemotePaths.tmp(key.path()), "stale temp from a dropped push", "rw-r--r--");
        List<RemoteFile> all = List.of(key, unit, empty);

        ExecResult fin = finishWithStdin(all, all, concat(all));

        assertThat(fin.exitCode()).as(fin.stderr()).isZero();
        assertThat(local(key.path())).hasContent("KEY\n");
        assertThat(perms(key.path())).isEqualTo("rw-------");
        assertThat(local(unit.path())).hasContent("[Unit]\n");
        assertThat(perms(unit.path())).isEqualTo("rw-r--r--");
        assertThat(local(unit.path() + ".kubejoin-bak")).hasContent("old unit");
        assertThat(local(empty.path())).isEmptyFile();
        assertThat(fin.stdout()).isEqualTo("B " + unit.path() + "\n");
    }

    @Tag("hostile")
    @Test
    void inputCutShortPlacesNothingAndTheSecretsTempIsPrivate() throws IOException {
        RemoteFile config = file("/etc/kubernetes/kubelet-config.yaml", 0644, "kind: KubeletConfiguration\n");
        RemoteFile token = file("/etc/kubernetes/bootstrap.kubeconfig", 0600, "token: abcdef.0123456789abcdef\n");
        write(config.path(), "old", "rw-r--r--");
        List<RemoteFile> all = List.of(config, token);
        byte[] cut = java.util.Arrays.copyOf(concat(all), config.content().length + 5);

        ExecResult fin = finishWithStdin(all, all, cut);

        assertThat(fin.exitCode()).isEqualTo(1);
        assertThat(fin.stderr()).contains(token.path() + ": not written in full");
        assertThat(local(config.path())).hasContent("old");
        assertThat(local(token.path())).doesNotExist();
        assertThat(perms(RemotePaths.tmp(token.path()))).isEqualTo("rw-------");
    }

    /**
     * The temp files are removed first only when one is there (one process fewer on a fresh node), and then also a
     * link (dd would follow it) and a stale temp file of a secret (dd would keep its looser mode); files are created
     * with their mode where dd can (no chmod), an executable still gets its mode.
     */
    @Tag("hostile")
    @Test
    void aLinkOrAStaleTempFileIsRemovedBeforeTheWriteAndModesAreExact() throws IOException {
        RemoteFile key = file("/etc/kubernetes/cert/kube-proxy-key.pem", 0600, "KEY\n");
        RemoteFile ca = file("/etc/kubernetes/cert/ca.pem", 0644, "CA\n");
        RemoteFile group = file("/etc/kubernetes/cert/group.pem", 0640, "G\n");
        RemoteFile tool = file("/opt/k8s/bin/tool", 0755, "#!/bin/sh\n");
        Files.createDirectories(local("/etc/kubernetes/cert"));
        write(RemotePaths.tmp(key.path()), "stale temp from a dropped push", "rw-rw-rw-");
        Files.createSymbolicLink(local(RemotePaths.tmp(ca.path())), Path.of("../elsewhere"));
        List<RemoteFile> all = List.of(key, ca, group, tool);

        ExecResult push = inlinePush(all);

        assertThat(push.exitCode()).as(push.stderr()).isZero();
        assertThat(local("/etc/kubernetes/elsewhere")).as("the link's target").doesNotExist();
        assertThat(perms(key.path())).isEqualTo("rw-------");
        assertThat(perms(ca.path())).isEqualTo("rw-r--r--");
        assertThat(perms(group.path())).isEqualTo("rw-r-----");
        assertThat(perms(tool.path())).isEqualTo("rwxr-xr-x");
        assertThat(local(ca.path())).hasContent("CA\n");
        String script = RemotePaths.inlinePushCommand(all);
        assertThat(script).as("a temp file chmod-ed only when dd cannot create its mode")
                .contains("chmod 0755 -- '" + RemotePaths.tmp(tool.path()) + "'")
                .doesNotContain("chmod 0600 -- '" + RemotePaths.tmp(key.path()) + "'")
                .doesNotContain("chmod 0644 -- '" + RemotePaths.tmp(ca.path()) + "'")
                .doesNotContain("chmod 0640 -- '" + RemotePaths.tmp(group.path()) + "'");
    }

    private ExecResult inlinePush(List<RemoteFile> files) {
        String cmd = "sh -c " + io.kubejoin.remote.script.Sh.quote(RemotePaths.inlinePushCommand(files));
        return shell.run(cmd, new java.io.ByteArrayInputStream(concat(files)));
    }

    @Test
    void oneCommandPushWritesThenReportsUnchangedThenFixesAModeThenBacksUpAChange() throws IOException {
        RemoteFile key = file("/etc/kubernetes/cert/kubelet-key.pem", 0600, "KEY\n");
        RemoteFile unit = file("/etc/systemd/system/kubelet.service", 0644, "[Unit]\n");
        List<RemoteFile> both = List.of(key, unit);

        ExecResult first = inlinePush(both);
        assertThat(first.exitCode()).as(first.stderr()).isZero();
        assertThat(first.stdout()).isEqualTo("C " + key.path() + "\nC " + unit.path() + "\n");
        assertThat(perms(key.path())).isEqualTo("rw-------");
        assertThat(perms("/etc/kubernetes/cert")).as("a missing folder, created 0755").isEqualTo("rwxr-xr-x");

        ExecResult again = inlinePush(both);
        assertThat(again.stdout()).isEqualTo("U " + key.path() + "\nU " + unit.path() + "\n");
        assertThat(local(RemotePaths.tmp(key.path()))).doesNotExist();

        Files.setPosixFilePermissions(local(key.path()), PosixFilePermissions.fromString("rw-r--r--"));
        ExecResult modeFix = inlinePush(both);
        assertThat(modeFix.stdout()).isEqualTo("C " + key.path() + "\nU " + unit.path() + "\n");
        assertThat(perms(key.path())).isEqualTo("rw-------");
        assertThat(local(key.path() + ".kubejoin-bak")).as("same bytes: nothing to back up").doesNotExist();

        RemoteFile newUnit = file(unit.path(), 0644, "[Unit]\nDescription=x\n");
        ExecResult change = inlinePush(List.of(key, newUnit));
        assertThat(change.stdout()).isEqualTo("U " + key.path() + "\nB " + unit.path() + "\nC " + unit.path() + "\n");
        assertThat(local(unit.path())).hasContent("[Unit]\nDescription=x\n");
        assertThat(local(unit.path() + ".kubejoin-bak")).hasContent("[Unit]\n");
        try (var leftovers = Files.walk(dir)) {
            assertThat(leftovers.filter(p -> p.toString().endsWith(RemotePaths.TMP_SUFFIX))).isEmpty();
        }
    }
}
