package io.kubejoin.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubejoin.util.SecureFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

@Timeout(30)
class LocalTransportTest {
    static final Duration T = Duration.ofSeconds(10);

    @TempDir
    Path root;

    static RemoteFile f(String path, int mode, String content) {
        return new RemoteFile(path, mode, content.getBytes(StandardCharsets.UTF_8));
    }

    /** plan's look at binaries: hashed at the expected size, else only the size, and an absent one absent. */
    @Test
    void sha256SizeFirstHashesOnlyAFileOfTheExpectedSize() throws Exception {
        LocalTransport t = new LocalTransport(root);
        RemoteFile kubelet = f("/opt/k8s/bin/kubelet", 0755, "kubelet build\n");
        RemoteFile proxy = f("/opt/k8s/bin/kube-proxy", 0755, "kube-proxy build\n");
        t.push(List.of(kubelet, proxy));
        var got = t.sha256(List.of(), java.util.Map.of(kubelet.path(), (long) kubelet.content().length,
                proxy.path(), 3L, "/opt/k8s/bin/missing", 1L));
        assertThat(got).containsOnlyKeys(kubelet.path(), proxy.path());
        assertThat(got.get(kubelet.path())).isEqualTo(kubelet.sha256());
        assertThat(got.get(proxy.path())).isEqualTo(Transport.SIZE_DIFFERS + proxy.content().length);
    }

    /** A release binary mapped from its file (outside the heap) lands byte for byte, as over SSH. */
    @Test
    void aMappedBinaryLandsExactly(@org.junit.jupiter.api.io.TempDir Path src) throws Exception {
        byte[] bytes = new byte[(1 << 20) + 7];
        new java.util.Random(5).nextBytes(bytes);
        FileBytes mapped = FileBytes.map(Files.write(src.resolve("kube-proxy"), bytes));
        RemoteFile proxy = new RemoteFile("/opt/k8s/bin/kube-proxy", 0755, mapped, mapped.sha256());
        LocalTransport t = new LocalTransport(root);
        assertThat(t.push(List.of(proxy)).changed()).containsExactly(proxy.path());
        assertThat(Files.readAllBytes(root.resolve("opt/k8s/bin/kube-proxy"))).isEqualTo(bytes);
        assertThat(t.sha256(List.of(proxy.path()))).containsEntry(proxy.path(), RemoteFile.sha256(bytes));
        assertThat(t.push(List.of(proxy)).anyChanged()).isFalse();
    }

    @Test
    void absoluteDestinationsLandUnderTheRootWithModesBackupsAndSkips() throws Exception {
        LocalTransport t = new LocalTransport(root);
        List<RemoteFile> files = List.of(
                f("/etc/kubernetes/bootstrap.kubeconfig", 0600, "token\n"),
                f("/etc/systemd/system/kubelet.service", 0644, "[Unit]\n"));
        assertThat(t.push(files).changed()).hasSize(2);
        Path kc = root.resolve("etc/kubernetes/bootstrap.kubeconfig");
        assertThat(Files.readString(kc)).isEqualTo("token\n");
        assertThat(SecureFiles.mode(kc)).isEqualTo(0600);
        assertThat(SecureFiles.mode(root.resolve("etc/systemd/system/kubelet.service"))).isEqualTo(0644);
        assertThat(SecureFiles.mode(root.resolve("etc/systemd"))).isEqualTo(0755);

        assertThat(t.push(files).anyChanged()).isFalse();

        PushResult r = t.push(List.of(files.get(0), f("/etc/systemd/system/kubelet.service", 0644, "[Unit]\nX=1\n")));
        assertThat(r.changed()).containsExactly("/etc/systemd/system/kubelet.service");
        assertThat(r.files().get(1).backedUp()).isTrue();
        assertThat(Files.readString(root.resolve("etc/systemd/system/kubelet.service.kubejoin-bak")))
                .isEqualTo("[Unit]\n");

        Files.setPosixFilePermissions(kc, SecureFiles.permissions(0644));
        assertThat(t.push(files.subList(0, 1)).changed()).containsExactly("/etc/kubernetes/bootstrap.kubeconfig");
        assertThat(SecureFiles.mode(kc)).isEqualTo(0600);

        assertThat(t.sha256(List.of("/etc/kubernetes/bootstrap.kubeconfig", "/etc/missing")))
                .containsOnlyKeys("/etc/kubernetes/bootstrap.kubeconfig")
                .containsValue(files.get(0).sha256());
        try (Stream<Path> s = Files.walk(root)) {
            assertThat(s.filter(p -> p.toString().endsWith(".kubejoin-tmp"))).isEmpty();
        }
    }

    @Tag("hostile")
    @Test
    void aLeftoverTempFileWithLooseModeIsReplacedNotReused() throws Exception {
        LocalTransport t = new LocalTransport(root);
        Path leftover = root.resolve("etc/kubernetes/.key.pem.kubejoin-tmp");
        Files.createDirectories(leftover.getParent());
        Files.writeString(leftover, "half a key from a killed run, and much longer than the new content");
        Files.setPosixFilePermissions(leftover, SecureFiles.permissions(0666));
        t.push(List.of(f("/etc/kubernetes/key.pem", 0600, "KEY\n")));
        assertThat(Files.readString(root.resolve("etc/kubernetes/key.pem"))).isEqualTo("KEY\n");
        assertThat(SecureFiles.mode(root.resolve("etc/kubernetes/key.pem"))).isEqualTo(0600);
        assertThat(leftover).doesNotExist();
    }

    @Test
    void aFolderAtTheDestinationIsRefusedAndLeftAlone() throws Exception {
        LocalTransport t = new LocalTransport(root);
        Files.createDirectories(root.resolve("etc/kubelet.conf"));
        assertThatThrownBy(() -> t.push(List.of(f("/etc/kubelet.conf", 0644, "x"))))
                .isInstanceOfSatisfying(TransportException.class, e -> {
                    assertThat(e.kind()).isEqualTo(TransportException.Kind.REMOTE_FAILURE);
                    assertThat(e.getMessage()).contains("is a folder");
                });
        assertThat(root.resolve("etc/kubelet.conf")).isDirectory();
    }

    @Test
    void execGivesExitCodeAndStreamsAndTimesOut() throws Exception {
        LocalTransport t = new LocalTransport(root);
        ExecResult r = t.exec("echo out; echo err >&2; exit 4", T);
        assertThat(r).isEqualTo(new ExecResult(4, "out\n", "err\n"));
        assertThat(t.exec("cat", T).ok()).as("stdin is /dev/null").isTrue();
        long start = System.nanoTime();
        assertThatThrownBy(() -> t.exec("sleep 30", Duration.ofMillis(300)))
                .isInstanceOfSatisfying(TransportException.class, e -> {
                    assertThat(e.kind()).isEqualTo(TransportException.Kind.COMMAND_TIMEOUT);
                    assertThat(e.isTransient()).isTrue();
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void readsTextUnderTheRoot() throws Exception {
        LocalTransport t = new LocalTransport(root);
        t.push(List.of(f("/etc/a.conf", 0644, "a=1\n")));
        assertThat(t.readText("/etc/a.conf")).contains("a=1\n");
        assertThat(t.readText("/etc/none")).isEmpty();
        assertThat(t.resolve("/etc/a.conf")).isEqualTo(root.resolve("etc/a.conf"));
    }

    @Tag("hostile")
    @Test
    void badRequestsAreRefused() {
        LocalTransport t = new LocalTransport(root);
        assertThatThrownBy(() -> f("etc/relative", 0644, "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> f("/etc/../root/x", 0644, "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> t.push(List.of(f("/a/b", 0644, "1"), f("/a/b", 0644, "2"))))
                .isInstanceOfSatisfying(TransportException.class,
                        e -> assertThat(e.kind()).isEqualTo(TransportException.Kind.INVALID_REQUEST));
        assertThat(f("/etc/k", 0600, "secret").toString()).doesNotContain("secret");
    }
}
