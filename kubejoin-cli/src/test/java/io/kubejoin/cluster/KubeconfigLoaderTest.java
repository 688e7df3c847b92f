package io.kubejoin.cluster;

import io.kubejoin.util.ExitCodes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubejoin.cli.Main;
import io.kubejoin.util.UserFacingException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/** Admin credentials read as kubectl reads them: merged files, first wins, --context, no silent fallback. */
@Timeout(30)
class KubeconfigLoaderTest {
    @TempDir
    Path dir;

    private static String kubeconfig(String current, String context, String cluster, String server, String user, String token) {
        StringBuilder y = new StringBuilder("apiVersion: v1\nkind: Config\n");
        if (cluster != null) y.append("clusters:\n- name: ").append(cluster).append("\n  cluster:\n    server: ").append(server).append('\n');
        if (user != null) y.append("users:\n- name: ").append(user).append("\n  user:\n    token: ").append(token).append('\n');
        if (context != null) {
            y.append("contexts:\n- name: ").append(context).append("\n  context:\n    cluster: ").append(cluster == null ? "shared" : cluster)
                    .append("\n    user: ").append(user == null ? "admin" : user).append('\n');
        }
        if (current != null) y.append("current-context: ").append(current).append('\n');
        return y.toString();
    }

    @Tag("hostile")
    @Test
    void currentContextThatDoesNotExistIsAnErrorNamingItAndTheFiles() throws IOException {
        Path k = Files.writeString(dir.resolve("k"), kubeconfig("prod", "staging", "staging", "https://10.0.0.1:6443", "admin", "t"));
        // before: fabric8 fell back to another context (or https://kubernetes.default.svc) and the first request
        // failed with "connection refused"
        assertThatThrownBy(() -> KubeConnection.open(k, Duration.ofSeconds(1)))
                .isInstanceOf(UserFacingException.class)
                .hasMessageContaining("context 'prod'").hasMessageContaining("current-context of " + k)
                .hasMessageContaining("does not exist in kubeconfig " + k).hasMessageContaining("its contexts: staging")
                .satisfies(e -> assertThat(((UserFacingException) e).exitCode()).isEqualTo(ExitCodes.BAD_INPUT));
    }

    @Test
    void mergedListFirstFileWinsAndSplitsContextClusterUser() throws IOException {
        // first file: current-context and the context; the cluster it names lives in the second, the user in both
        Path first = Files.writeString(dir.resolve("first"), kubeconfig("mine", "mine", null, null, "admin", "first-token"));
        Path second = Files.writeString(dir.resolve("second"), kubeconfig("theirs", "theirs", "shared", "https://10.1.1.1:6443",
                "admin", "second-token"));
        List<Path> files = KubeconfigLoader.files(null, first + ":" + dir.resolve("missing") + ":" + second, null);
        KubeconfigLoader.Loaded l = KubeconfigLoader.load(files, null);
        assertThat(l.context()).isEqualTo("mine");
        assertThat(l.config().getMasterUrl()).startsWith("https://10.1.1.1:6443");
        assertThat(l.config().getAutoOAuthToken()).isEqualTo("first-token");
        assertThat(l.files()).containsExactly(first, second);
    }

    @Test
    void contextOptionSelectsAndRelativePathsStayRelativeToTheirFile() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("sub"));
        Path first = Files.writeString(dir.resolve("first"), kubeconfig("a", "a", "ca", "https://10.0.0.1:6443", "ua", "ta"));
        Path second = Files.writeString(sub.resolve("second"), """
                apiVersion: v1
                kind: Config
                clusters:
                - name: cb
                  cluster:
                    server: https://10.0.0.2:6443
                    certificate-authority: ca.pem
                contexts:
                - name: b
                  context: {cluster: cb, user: ua}
                """);
        KubeconfigLoader.Loaded l = KubeconfigLoader.load(List.of(first, second), "b");
        assertThat(l.config().getMasterUrl()).startsWith("https://10.0.0.2:6443");
        assertThat(l.config().getCaCertFile()).isEqualTo(sub.resolve("ca.pem").toString());
        assertThat(l.config().getAutoOAuthToken()).isEqualTo("ta"); // user from the first file
        assertThatThrownBy(() -> KubeconfigLoader.load(List.of(first, second), "c"))
                .hasMessageContaining("context 'c' (--context) does not exist in kubeconfig " + first + ", " + second)
                .hasMessageContaining("its contexts: a, b");
    }

    @Tag("hostile")
    @Test
    void contextNamingAMissingClusterOrNoCurrentContextIsBadInput() throws IOException {
        Path k = Files.writeString(dir.resolve("k"), kubeconfig(null, "x", null, null, "admin", "t"));
        assertThatThrownBy(() -> KubeconfigLoader.load(List.of(k), null)).hasMessageContaining("sets no current-context")
                .hasMessageContaining("--context");
        assertThatThrownBy(() -> KubeconfigLoader.load(List.of(k), "x")).hasMessageContaining("names cluster 'shared'")
                .hasMessageContaining("does not exist in kubeconfig " + k);
    }

    @Tag("hostile")
    @Test
    void cliContextOptionAndBadContextExitTwo() throws IOException {
        try (MockCluster cluster = new MockCluster()) {
            Path k = Files.writeString(dir.resolve("k"), kubeconfig("gone", "real", "real", cluster.url(), "admin",
                    MockCluster.ADMIN_TOKEN));
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int bad = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "token", "list", "--kubeconfig", k.toString());
            assertThat(bad).as(out + "" + err).isEqualTo(ExitCodes.BAD_INPUT);
            assertThat(err.toString()).contains("context 'gone'").contains(k.toString()).doesNotContain("connection refused");
            int ok = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "token", "list", "--kubeconfig", k.toString(),
                    "--context", "real");
            assertThat(ok).as(out + "" + err).isZero();
        }
    }
}
