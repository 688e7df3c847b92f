package io.kubejoin.cli;

import io.kubejoin.util.UserFacingException;
import io.kubejoin.util.ExitCodes;
import io.kubejoin.sandbox.Sandbox;
import io.kubejoin.version.KubeVersion;
import picocli.CommandLine.Option;

/** The simulated cluster's shape, shared by sandbox up, demo and bench. */
public class SandboxOptions {
    @Option(names = "--kubernetes-version", defaultValue = "1.34.2", paramLabel = "VERSION",
            description = "Kubernetes release of the simulated cluster, 1.17 to 1.35 (default: ${DEFAULT-VALUE}).")
    String version;

    @Option(names = "--runtime", defaultValue = "containerd",
            description = "containerd or docker (docker before 1.24 only) (default: ${DEFAULT-VALUE}).")
    String runtime;

    @Option(names = "--proxy-mode", defaultValue = "nftables",
            description = "kube-proxy mode: iptables, ipvs or nftables (nftables from 1.29) (default: ${DEFAULT-VALUE}).")
    String proxyMode;

    @Option(names = "--api-server-version", paramLabel = "VERSION",
            description = "The control plane's release when it is newer than the nodes' (--kubernetes-version): the "
                    + "starting point of an upgrade (default: the same).")
    String apiServerVersion;

    @Option(names = "--article", description = "The article's cluster: 1.17.2, docker, ipvs (overrides the three above).")
    boolean article;

    Sandbox.Options options(int nodes) {
        if (article) return Sandbox.Options.article(nodes);
        KubeVersion v;
        try {
            v = KubeVersion.parse(version);
        } catch (IllegalArgumentException e) {
            throw new UserFacingException("--kubernetes-version " + version + ": " + e.getMessage(), ExitCodes.BAD_INPUT, e);
        }
        if (!v.isSupported()) {
            throw new UserFacingException("--kubernetes-version " + version + ": kubejoin supports 1.17 to 1.35", ExitCodes.BAD_INPUT, null);
        }
        if (!runtime.equals("containerd") && !runtime.equals("docker")) {
            throw new UserFacingException("--runtime takes containerd or docker", ExitCodes.BAD_INPUT, null);
        }
        if (!proxyMode.equals("iptables") && !proxyMode.equals("ipvs") && !proxyMode.equals("nftables")) {
            throw new UserFacingException("--proxy-mode takes iptables, ipvs or nftables", ExitCodes.BAD_INPUT, null);
        }
        String mode = proxyMode;
        // nftables exists from 1.29: an older cluster gets the article's ipvs unless a mode was asked for
        if (mode.equals("nftables") && !v.atLeast(29)) mode = "ipvs";
        if (apiServerVersion != null) {
            KubeVersion api;
            try {
                api = KubeVersion.parse(apiServerVersion);
            } catch (IllegalArgumentException e) {
                throw new UserFacingException("--api-server-version " + apiServerVersion + ": " + e.getMessage(), ExitCodes.BAD_INPUT, e);
            }
            if (!api.isSupported() || api.compareTo(v) < 0) {
                throw new UserFacingException("--api-server-version " + apiServerVersion + ": give a release from "
                        + version + " (the nodes') to 1.35", ExitCodes.BAD_INPUT, null);
            }
        }
        return new Sandbox.Options(nodes, version, runtime, mode, 0, apiServerVersion);
    }
}
