package io.kubejoin.join;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which mounts reset --full unmounts before removing kubelet's root dir, read from /proc/mounts as kubeadm reset does. */
class ResetMountsTest {
    @Test
    void onlyMountsBelowTheFolderDeepestFirstWithOctalEscapesDecoded() {
        String mounts = """
                /dev/vda1 / ext4 rw,relatime 0 0
                /dev/vdb1 /var/lib/kubelet ext4 rw 0 0
                tmpfs /var/lib/kubelet/pods/a/volumes/kubernetes.io~projected/kube-api-access-1 tmpfs rw 0 0
                /dev/sdc /var/lib/kubelet/pods/a/volumes/kubernetes.io~csi/pv\\0401/mount ext4 rw 0 0
                tmpfs /var/lib/kubelet-other/x tmpfs rw 0 0
                tmpfs /var/lib/kubelet/pods/a/volumes/kubernetes.io~projected/kube-api-access-1/sub tmpfs rw 0 0
                """;
        assertThat(Reset.mountsBelow(mounts, "/var/lib/kubelet")).containsExactly(
                "/var/lib/kubelet/pods/a/volumes/kubernetes.io~projected/kube-api-access-1/sub",
                "/var/lib/kubelet/pods/a/volumes/kubernetes.io~projected/kube-api-access-1",
                "/var/lib/kubelet/pods/a/volumes/kubernetes.io~csi/pv 1/mount");
        assertThat(Reset.mountsBelow("/dev/vda1 / ext4 rw 0 0\n", "/var/lib/kubelet/")).isEmpty();
    }
}
