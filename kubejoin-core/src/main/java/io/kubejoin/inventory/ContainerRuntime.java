package io.kubejoin.inventory;

/**
 * The container runtime kubelet talks to.
 *
 * @param kind     containerd, docker (dockershim, removed in 1.24) or any other CRI runtime named by endpoint
 * @param endpoint CRI endpoint (unix:///...); null for docker, whose shim is built into kubelet before 1.24
 */
public record ContainerRuntime(Kind kind, String endpoint) {
    public enum Kind { CONTAINERD, DOCKER, CRI }

    public static final String CONTAINERD_ENDPOINT = "unix:///run/containerd/containerd.sock";

    public static ContainerRuntime containerd() {
        return new ContainerRuntime(Kind.CONTAINERD, CONTAINERD_ENDPOINT);
    }

    public static ContainerRuntime docker() {
        return new ContainerRuntime(Kind.DOCKER, null);
    }

    /** systemd unit kubelet must start after, or null for an explicit CRI endpoint whose unit we do not know. */
    public String systemdUnit() {
        return switch (kind) {
            case CONTAINERD -> "containerd.service";
            case DOCKER -> "docker.service";
            case CRI -> null;
        };
    }
}
