package io.kubejoin.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.sandbox.SandboxNode;
import io.kubejoin.sandbox.kubelet.SimulatedKubelet;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Tests that restart a joined sandbox node's kubelet and need it healthy again afterwards. */
public final class KubeletRestarts {
    private KubeletRestarts() {
    }

    /**
     * systemctl restart kubelet, then its new serving CSR approved (kubejoin approve --once, as a join would) until
     * the node's serving certificate is written: the node is healthy again.
     */
    public static void restartAndApprove(SandboxNode n, Path inventory) throws Exception {
        assertThat(n.exec("systemctl restart kubelet").exitCode()).isZero();
        assertThat(n.kubelet().awaitSettled(20, TimeUnit.SECONDS)).isEqualTo(SimulatedKubelet.State.READY);
        for (int i = 0; i < 100 && !n.kubelet().servingCertificateWritten(); i++) {
            if (n.kubelet().servingCsrName() != null) {
                Cli.Run a = Cli.kubejoin("approve", "--once", "-f", inventory.toString());
                assertThat(a.exit()).as(a.toString()).isZero();
            }
            Thread.sleep(100);
        }
        assertThat(n.kubelet().servingCertificateWritten()).isTrue();
    }
}
