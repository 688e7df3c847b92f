package io.kubejoin.join.phases;

import io.kubejoin.join.NodeContext;
import io.kubejoin.join.NodePhase;
import io.kubejoin.join.PhaseFailure;
import io.kubejoin.join.PhaseResult;
import io.kubejoin.remote.PushResult;
import io.kubejoin.remote.RemoteFile;
import io.kubejoin.remote.TransportException;
import io.kubejoin.render.NodeFiles;
import java.util.List;
import java.util.function.Function;

/**
 * Places a group of rendered files on the node (K3, K5, K7 for kubelet; P2, P4 for kube-proxy): atomically, with
 * their modes, skipping files the node already has byte for byte.
 */
public final class PushFilesPhase implements NodePhase {
    private final String name;
    private final String description;
    private final Function<NodeFiles, List<String>> paths;
    /** A later files phase whose files this one pushes too where {@link #together} says so; null: none. */
    private final PushFilesPhase partner;

    public PushFilesPhase(String name, String description, Function<NodeFiles, List<String>> paths) {
        this(name, description, paths, null);
    }

    private PushFilesPhase(String name, String description, Function<NodeFiles, List<String>> paths, PushFilesPhase partner) {
        this.name = name;
        this.description = description;
        this.paths = paths;
        this.partner = partner;
    }

    /**
     * This phase pushing {@code later}'s files in the same push where the release lets kube-proxy start with the
     * kubelet ({@link #together}); {@code later} then reports its part as done.
     */
    public PushFilesPhase with(PushFilesPhase later) {
        return new PushFilesPhase(name, description, paths, later);
    }

    /** The same phase, its description ending with {@code note} (join's, where the phase may be done by another). */
    public PushFilesPhase noting(String note) {
        return new PushFilesPhase(name, description + note, paths, partner);
    }

    /**
     * Whether kube-proxy's files go with kubelet's: the release's kube-proxy may start before its Node exists
     * ({@code VersionRules}), and kube-proxy-files is not skipped.
     */
    static boolean together(NodeContext ctx, String laterPhase) {
        return io.kubejoin.version.VersionRules.kubeProxyMayStartBeforeItsNode(ctx.inventory().kubernetesVersion())
                && !ctx.skipping(laterPhase);
    }

    /** kubelet's files: CA, bootstrap kubeconfig, KubeletConfiguration, unit (K2-K7). */
    public static PushFilesPhase kubelet() {
        return new PushFilesPhase("kubelet-files",
                "push ca.pem, kubelet-bootstrap.kubeconfig (only while kubelet has no client certificate), "
                        + "kubelet-config.yaml, kubelet.service (K3, K5, K7)",
                KubeletFiles::paths);
    }

    /** kube-proxy's files: certificate and key, kubeconfig, config, unit, modules-load file (P2-P7). */
    public static PushFilesPhase kubeProxy() {
        return new PushFilesPhase("kube-proxy-files",
                "push kube-proxy.pem/-key.pem, kube-proxy.kubeconfig, kube-proxy-config.yaml, kube-proxy.service, "
                        + "modules-load.d file (P2, P4, P6, P7)",
                KubeProxyFiles::paths);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return description;
    }

    public List<String> paths(NodeFiles files) {
        return paths.apply(files);
    }

    @Override
    public PhaseResult run(NodeContext ctx) throws PhaseFailure {
        List<String> wanted = paths.apply(ctx.paths());
        String note = "";
        boolean askResolved = wanted.contains(ctx.paths().kubeletConfig()) && ctx.systemdResolved() == null
                && NodePreflightPhase.asksResolvConf(ctx);
        String bootstrap = ctx.paths().kubeletBootstrapKubeconfig();
        boolean askCredential = wanted.contains(bootstrap) && ctx.clientCredential() == null;
        if (askResolved || askCredential) {
            // node-preflight was skipped: one look of its own (both questions in one command), so kubelet's
            // resolvConf fits this node and a joined node gets no bootstrap kubeconfig all the same
            String look = io.kubejoin.remote.script.PreflightScripts.pushLook(
                    askResolved ? io.kubejoin.render.KubeletConfigRenderer.RESOLVED_RESOLV_CONF : null,
                    askCredential ? ctx.paths() : null);
            io.kubejoin.remote.ExecResult r = io.kubejoin.join.NodeCommands.exec(ctx.transport(), look);
            java.util.Map<String, String> answers = io.kubejoin.join.NodeCommands.sections(r.stdout());
            if (askResolved) note = NodePreflightPhase.useResolvConf(ctx, "present".equals(answers.getOrDefault("resolved", "").strip()));
            if (askCredential) io.kubejoin.join.BootstrapFiles.record(ctx, answers);
        }
        if (wanted.contains(bootstrap) && io.kubejoin.join.BootstrapFiles.skip(ctx)) {
            // kubelet holds its own client certificate: it never reads the bootstrap kubeconfig again
            wanted = wanted.stream().filter(p -> !p.equals(bootstrap)).toList();
        }
        List<String> theirs = partner != null && together(ctx, partner.name) ? partner.paths.apply(ctx.paths()) : List.of();
        List<String> all = new java.util.ArrayList<>(wanted);
        all.addAll(theirs);
        List<RemoteFile> files = ctx.files(all).stream().map(RemoteFile::of).toList();
        PushResult result;
        try {
            result = ctx.transport().push(files);
        } catch (TransportException e) {
            throw new PhaseFailure("pushing files to " + ctx.transport().target() + " failed: " + e.getMessage(),
                    "no destination file is left half-written; run the join again", List.of(), e.isTransient(), e);
        }
        ctx.recordChanged(result.changed());
        if (!theirs.isEmpty()) {
            // one push for both: the later phase's part is reported under its own name
            List<String> changed = result.changed().stream().filter(theirs::contains).toList();
            ctx.settle(partner.name, new PhaseResult(!changed.isEmpty(), summary(changed, theirs.size())
                    + " (pushed with " + name + ")", changed));
        }
        List<String> changed = result.changed().stream().filter(wanted::contains).toList();
        return new PhaseResult(!changed.isEmpty(), summary(changed, wanted.size()) + note, changed);
    }

    private static String summary(List<String> changed, int files) {
        return changed.isEmpty() ? files + " files unchanged" : changed.size() + " of " + files + " files changed";
    }

    /** Which destination paths belong to kubelet. */
    public static final class KubeletFiles {
        private KubeletFiles() {
        }

        public static List<String> paths(NodeFiles f) {
            return List.of(f.caCert(), f.kubeletBootstrapKubeconfig(), f.kubeletConfig(), f.kubeletUnit());
        }
    }

    /** Which destination paths belong to kube-proxy. */
    public static final class KubeProxyFiles {
        private KubeProxyFiles() {
        }

        public static List<String> paths(NodeFiles f) {
            return List.of(f.kubeProxyCert(), f.kubeProxyKey(), f.kubeProxyKubeconfig(), f.kubeProxyConfig(),
                    f.kubeProxyUnit(), f.modulesLoadConf());
        }
    }
}
