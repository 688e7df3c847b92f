package io.kubejoin.cluster;

import io.kubejoin.util.ExitCodes;
import io.fabric8.kubernetes.api.model.AuthInfo;
import io.fabric8.kubernetes.api.model.Cluster;
import io.fabric8.kubernetes.api.model.NamedAuthInfo;
import io.fabric8.kubernetes.api.model.NamedCluster;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;
import io.fabric8.kubernetes.client.utils.Serialization;

import io.kubejoin.util.UserFacingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads admin credentials the way kubectl does (client-go's clientcmd loading rules), because fabric8's own
 * {@code Config.fromKubeconfig} silently falls back to another context (or to in-cluster defaults) when the one
 * asked for does not exist, and reads one file only:
 * <ul>
 * <li>$KUBECONFIG is a list of files; missing ones are skipped, but at least one must exist;</li>
 * <li>clusters, users and contexts merge by name, the first file that defines a name wins; current-context
 *     comes from the first file that sets it;</li>
 * <li>relative paths in a file (certificate-authority, client-certificate, client-key, tokenFile) are relative
 *     to that file;</li>
 * <li>{@code --context} overrides current-context; a context, or the cluster or user it names, that does not
 *     exist is an error naming it and the files.</li>
 * </ul>
 */
public final class KubeconfigLoader {
    private KubeconfigLoader() {
    }

    /** The chosen context's settings, with where they came from (for messages). */
    public record Loaded(Config config, String context, List<Path> files) {
        /** "kubeconfig FILE" or "kubeconfig A:B", with the context when more than one was possible. */
        public String source() {
            String names = files.stream().map(Path::toString).collect(Collectors.joining(java.io.File.pathSeparator));
            return "kubeconfig " + names + " (context " + context + ")";
        }
    }

    /**
     * The files kubectl would read: --kubeconfig alone (it must exist); else every $KUBECONFIG entry that exists
     * (duplicates dropped; none existing is an error); else the inventory's kubeconfig, else ~/.kube/config.
     */
    public static List<Path> files(Path option, String kubeconfigEnv, Path inventoryKubeconfig) {
        if (option != null) return List.of(option);
        if (kubeconfigEnv != null && !kubeconfigEnv.isBlank()) {
            LinkedHashSet<Path> listed = new LinkedHashSet<>();
            for (String entry : kubeconfigEnv.split(java.io.File.pathSeparator)) {
                if (!entry.isBlank()) listed.add(Path.of(entry.trim()));
            }
            if (!listed.isEmpty()) {
                List<Path> existing = listed.stream().filter(Files::isRegularFile).toList();
                if (existing.isEmpty()) {
                    throw new UserFacingException("none of the files in KUBECONFIG exists (" + kubeconfigEnv + "): fix "
                            + "KUBECONFIG or pass --kubeconfig FILE", ExitCodes.BAD_INPUT);
                }
                return existing;
            }
        }
        if (inventoryKubeconfig != null) return List.of(inventoryKubeconfig);
        return List.of(Path.of(System.getProperty("user.home"), ".kube", "config"));
    }

    /** Merges {@code files} (in precedence order) and resolves {@code contextOverride} or the current context. */
    public static Loaded load(List<Path> files, String contextOverride) {
        List<io.fabric8.kubernetes.api.model.Config> parsed = new ArrayList<>();
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new UserFacingException("kubeconfig " + f + " does not exist: pass --kubeconfig FILE, "
                        + "set KUBECONFIG, or set 'kubeconfig:' in the inventory", ExitCodes.BAD_INPUT);
            }
            try {
                parsed.add(KubeConfigUtils.parseConfig(f.toFile()));
            } catch (RuntimeException e) {
                // fabric8's messages here can quote file content (a token): say where the YAML breaks, in our words
                throw new UserFacingException("cannot read kubeconfig " + f + ": it is not a valid kubeconfig ("
                        + KubeConnection.yamlProblem(f) + ")", ExitCodes.BAD_INPUT);
            }
        }
        String where = files.stream().map(Path::toString).collect(Collectors.joining(", "));
        // first file wins for every name and for current-context
        Map<String, Sourced<NamedContext>> contexts = new LinkedHashMap<>();
        Map<String, Sourced<NamedCluster>> clusters = new LinkedHashMap<>();
        Map<String, Sourced<NamedAuthInfo>> users = new LinkedHashMap<>();
        String current = null;
        Path currentFrom = null;
        for (int i = 0; i < parsed.size(); i++) {
            io.fabric8.kubernetes.api.model.Config c = parsed.get(i);
            Path f = files.get(i);
            if (c == null) continue;
            if (current == null && c.getCurrentContext() != null && !c.getCurrentContext().isEmpty()) {
                current = c.getCurrentContext();
                currentFrom = f;
            }
            if (c.getContexts() != null) c.getContexts().forEach(x -> { if (x.getName() != null) contexts.putIfAbsent(x.getName(), new Sourced<>(x, f)); });
            if (c.getClusters() != null) c.getClusters().forEach(x -> { if (x.getName() != null) clusters.putIfAbsent(x.getName(), new Sourced<>(x, f)); });
            if (c.getUsers() != null) c.getUsers().forEach(x -> { if (x.getName() != null) users.putIfAbsent(x.getName(), new Sourced<>(x, f)); });
        }
        String known = contexts.isEmpty() ? "it defines no context" : "its contexts: " + String.join(", ", contexts.keySet());
        String name;
        String chosenBy;
        if (contextOverride != null && !contextOverride.isBlank()) {
            name = contextOverride.trim();
            chosenBy = "--context";
        } else if (current != null) {
            name = current;
            chosenBy = "current-context of " + currentFrom;
        } else {
            throw new UserFacingException("kubeconfig " + where + " sets no current-context (" + known + "): pass --context NAME "
                    + "or run 'kubectl config use-context NAME'", ExitCodes.BAD_INPUT);
        }
        Sourced<NamedContext> ctx = contexts.get(name);
        if (ctx == null || ctx.value().getContext() == null) {
            throw new UserFacingException("context '" + name + "' (" + chosenBy + ") does not exist in kubeconfig " + where
                    + " (" + known + "): pass --context with one of them or fix current-context", ExitCodes.BAD_INPUT);
        }
        String clusterName = ctx.value().getContext().getCluster();
        Sourced<NamedCluster> cluster = clusterName == null ? null : clusters.get(clusterName);
        if (cluster == null || cluster.value().getCluster() == null) {
            throw new UserFacingException("context '" + name + "' in " + ctx.file() + " names cluster '" + clusterName
                    + "', which does not exist in kubeconfig " + where + ": add it or fix the context", ExitCodes.BAD_INPUT);
        }
        String server = cluster.value().getCluster().getServer();
        if (server == null || server.isBlank()) {
            throw new UserFacingException("cluster '" + clusterName + "' in kubeconfig " + cluster.file()
                    + " names no server: set its 'server:'", ExitCodes.BAD_INPUT);
        }
        String userName = ctx.value().getContext().getUser();
        Sourced<NamedAuthInfo> user = userName == null || userName.isEmpty() ? null : users.get(userName);
        if (userName != null && !userName.isEmpty() && user == null) {
            throw new UserFacingException("context '" + name + "' in " + ctx.file() + " names user '" + userName
                    + "', which does not exist in kubeconfig " + where + ": add it or fix the context", ExitCodes.BAD_INPUT);
        }
        List<Path> used = new ArrayList<>(new LinkedHashSet<>(java.util.stream.Stream.of(ctx.file(), cluster.file(),
                user == null ? ctx.file() : user.file()).toList()));
        Config config;
        try {
            if (used.size() == 1) {
                // all from one file: fabric8 reads that file itself (relative paths, credential refresh)
                Path f = used.get(0);
                config = Config.fromKubeconfig(name, Files.readString(f), f.toString());
            } else {
                config = Config.fromKubeconfig(name, Serialization.asJson(merged(ctx, cluster, user)), null);
            }
        } catch (IOException | RuntimeException e) {
            // no exception class name or fabric8 message (it can quote a credential): what is wrong, in our words
            throw new UserFacingException("cannot read kubeconfig " + where + ": context '" + name + "' does not make a "
                    + "valid kubeconfig (check its cluster's server and certificate-authority data and its user's "
                    + "credentials)", ExitCodes.BAD_INPUT);
        }
        if (config.getMasterUrl() == null || config.getMasterUrl().isBlank()) {
            throw new UserFacingException("kubeconfig " + where + " names no server for context '" + name + "'", ExitCodes.BAD_INPUT);
        }
        return new Loaded(config, name, List.copyOf(used));
    }

    private record Sourced<T>(T value, Path file) {
    }

    /** One kubeconfig holding the chosen context, its cluster and user, with paths made absolute. */
    private static io.fabric8.kubernetes.api.model.Config merged(Sourced<NamedContext> ctx, Sourced<NamedCluster> cluster,
                                                                Sourced<NamedAuthInfo> user) {
        io.fabric8.kubernetes.api.model.Config out = new io.fabric8.kubernetes.api.model.Config();
        out.setApiVersion("v1");
        out.setKind("Config");
        out.setCurrentContext(ctx.value().getName());
        out.setContexts(List.of(ctx.value()));
        Cluster c = cluster.value().getCluster();
        c.setCertificateAuthority(absolute(c.getCertificateAuthority(), cluster.file()));
        out.setClusters(List.of(cluster.value()));
        if (user != null) {
            AuthInfo a = user.value().getUser();
            if (a != null) {
                a.setClientCertificate(absolute(a.getClientCertificate(), user.file()));
                a.setClientKey(absolute(a.getClientKey(), user.file()));
                a.setTokenFile(absolute(a.getTokenFile(), user.file()));
            }
            out.setUsers(List.of(user.value()));
        } else {
            out.setUsers(List.of());
        }
        return out;
    }

    private static String absolute(String path, Path file) {
        if (path == null || path.isEmpty() || Path.of(path).isAbsolute()) return path;
        Path dir = file.toAbsolutePath().getParent();
        return (dir == null ? Path.of(path) : dir.resolve(path)).normalize().toString();
    }
}
