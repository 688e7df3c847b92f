package io.kubejoin.remote.script;

import static io.kubejoin.remote.script.Sh.quote;

import io.kubejoin.render.NodeFiles;

/**
 * The bootstrap kubeconfig's questions and its removal (see {@code join.BootstrapFiles} for why): whether kubelet
 * holds its own client credential, whether a bootstrap kubeconfig is left, and the guarded removal once Ready.
 */
public final class BootstrapScripts {
    /** The two questions' section names in node-preflight's and push-files' looks ({@link PreflightScripts}). */
    public static final String CLIENT = "client";
    public static final String BOOTSTRAP = "bootstrap";

    private BootstrapScripts() {
    }

    /** Section {@link #CLIENT}: "present" when kubelet.kubeconfig and the client certificate it names both exist. */
    static String clientPresent(NodeFiles f) {
        return "test -f " + quote(f.kubeletKubeconfig()) + " && test -f " + quote(f.kubeletClientCurrent()) + " && echo present";
    }

    /** Section {@link #BOOTSTRAP}: "present" when a bootstrap kubeconfig (or its push backup) is left. */
    static String bootstrapPresent(NodeFiles f) {
        return "{ test -e " + quote(f.kubeletBootstrapKubeconfig()) + " || test -e "
                + quote(PushScripts.bak(f.kubeletBootstrapKubeconfig())) + "; } && echo present";
    }

    /**
     * One command: removes the bootstrap kubeconfig and its push backup only when kubelet's own credential is in
     * place (a Ready node has it; this is the guard, not a wait). Prints "removed" when it removed something, "kept"
     * when the credential was not there.
     */
    public static String remove(NodeFiles f) {
        String b = quote(f.kubeletBootstrapKubeconfig());
        String bak = quote(PushScripts.bak(f.kubeletBootstrapKubeconfig()));
        return "if test -f " + quote(f.kubeletKubeconfig()) + " && test -f " + quote(f.kubeletClientCurrent()) + "; then "
                + "if test -e " + b + " || test -e " + bak + "; then rm -f -- " + b + " " + bak + " && echo removed; fi; "
                + "else echo kept; fi";
    }
}
