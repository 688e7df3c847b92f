package io.kubejoin.cli;

import io.fabric8.kubernetes.client.VersionInfo;
import io.kubejoin.cluster.Access;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.util.ExitCodes;
import io.kubejoin.util.UserFacingException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

/**
 * kubejoin version, as kubectl version: the client's version and, with a cluster, kube-apiserver's. With
 * --kubeconfig, $KUBECONFIG or -f the cluster is asked and an unreachable one is an error (exit 1, after the client
 * version, as kubectl); with only ~/.kube/config, its cluster is asked when that file exists and answers.
 */
@Command(name = "version", mixinStandardHelpOptions = true,
        description = {"Print kubejoin's version and the Kubernetes releases it renders for, and the API server's version "
                + "(kube-apiserver's /version) when a cluster is configured.",
                "-o json or yaml prints clientVersion and serverVersion objects as 'kubectl version -o json' does."})
public class VersionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Mixin
    OutputFormat output;

    @Option(names = "--client", description = "Only the client's version; no cluster is contacted.")
    boolean clientOnly;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ObjectNode root = OutputFormat.object();
        ObjectNode client = root.putObject("clientVersion");
        client.put("gitVersion", VersionProvider.clientVersion());
        client.put("kubernetesReleases", VersionProvider.releases());
        client.put("javaVersion", Runtime.version().toString());
        client.put("platform", System.getProperty("os.name").toLowerCase(Locale.ROOT) + "/" + System.getProperty("os.arch"));
        String failure = null;
        if (!clientOnly && (explicitCluster() || java.nio.file.Files.isRegularFile(cluster.kubeconfigFiles().get(0)))) {
            try (KubeConnection conn = cluster.connect()) {
                VersionInfo v = conn.call(Access.cluster("get", "/version"), () -> conn.client().getKubernetesVersion());
                ObjectNode server = root.putObject("serverVersion");
                server.put("major", v.getMajor());
                server.put("minor", v.getMinor());
                server.put("gitVersion", v.getGitVersion());
                server.put("gitCommit", v.getGitCommit());
                server.put("gitTreeState", v.getGitTreeState());
                server.put("buildDate", v.getBuildDate() == null ? null : v.getBuildDate().toInstant().toString());
                server.put("goVersion", v.getGoVersion());
                server.put("compiler", v.getCompiler());
                server.put("platform", v.getPlatform());
            } catch (UserFacingException e) {
                if (explicitCluster()) failure = e.getMessage();
            }
        }
        if (output.table()) {
            out.println("Client Version: " + VersionProvider.clientVersion() + " (renders for Kubernetes " + VersionProvider.releases() + ")");
            if (root.has("serverVersion")) out.println("Server Version: " + root.path("serverVersion").path("gitVersion").asString());
            out.flush();
        } else {
            output.print(out, root);
        }
        if (failure != null) {
            err.println("kubejoin: " + failure);
            err.flush();
            return ExitCodes.FAILED;
        }
        return ExitCodes.OK;
    }

    /** A cluster the user named: its failure is an error, not a quiet client-only answer. */
    private boolean explicitCluster() {
        String env = System.getenv("KUBECONFIG");
        return cluster.kubeconfig != null || cluster.inventoryFile() != null || (env != null && !env.isBlank());
    }
}
