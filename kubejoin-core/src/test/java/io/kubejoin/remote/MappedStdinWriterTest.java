package io.kubejoin.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.apache.sshd.core.CoreModuleProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mapped binary's packets are built by {@link MappedStdinWriter}, not MINA's stream: against a node whose window is
 * small and whose maximum packet is small and odd, every byte arrives, in order with the heap bytes around it, and a
 * command that stops reading and exits mid-stream ends the push without a hang.
 */
@Timeout(120)
class MappedStdinWriterTest {
    /** Smaller than a packet of ours and not a multiple of anything: every packet is cut by the peer's limits. */
    static final long WINDOW = 20_011;
    static final long MAX_PACKET = 1_499;

    @TempDir
    static Path keys;
    static Path clientKey;
    static MinaNode node;

    @TempDir
    Path dir;
    SshConnector connector;

    @BeforeAll
    static void startServer() throws Exception {
        clientKey = TestKeys.generate(keys, "ed25519", "");
        node = new MinaNode(List.of(TestKeys.publicKey(clientKey)), null, null);
        // the node's receiving window and maximum packet, as it announces them when a channel opens
        CoreModuleProperties.WINDOW_SIZE.set(node.server, WINDOW);
        CoreModuleProperties.MAX_PACKET_SIZE.set(node.server, MAX_PACKET);
    }

    @AfterAll
    static void stopServer() throws IOException {
        if (node != null) node.close();
    }

    @BeforeEach
    void setUp() throws IOException {
        connector = new SshConnector(SshOptions.defaults().withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5)));
    }

    @AfterEach
    void tearDown() {
        connector.close();
    }

    SshTransport open() throws Exception {
        Path knownHosts = dir.resolve("known_hosts");
        Files.writeString(knownHosts, node.knownHostsLine());
        return connector.open(new SshTarget("127.0.0.1", node.port(), "root", clientKey, knownHosts));
    }

    FileBytes mapped(int size, long seed) throws IOException {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return FileBytes.map(Files.write(dir.resolve("source-" + seed), bytes));
    }

    @Test
    void everyByteArrivesInOrderThroughASmallWindowAndSmallPackets() throws Exception {
        FileBytes a = mapped(3 * 1024 * 1024 + 777, 1);
        FileBytes b = mapped(MappedStdinWriter.MAX_PAYLOAD * MappedStdinWriter.POOL * 3 + 1, 2);
        byte[] head = "head\n".getBytes(StandardCharsets.UTF_8);
        byte[] middle = "middle\n".getBytes(StandardCharsets.UTF_8);
        Path out = dir.resolve("out");
        try (SshTransport t = open()) {
            ExecResult r = t.execRaw("cat > " + out, List.of(SshTransport.bytes(head), new SshTransport.Mapped(a),
                    SshTransport.bytes(middle), new SshTransport.Mapped(b)), Duration.ofSeconds(60));
            assertThat(r.ok()).as(r.summary()).isTrue();
        }
        byte[] got = Files.readAllBytes(out);
        assertThat(got).hasSize(head.length + (int) a.size() + middle.length + (int) b.size());
        java.io.ByteArrayOutputStream want = new java.io.ByteArrayOutputStream();
        want.write(head);
        want.write(a.readAllBytes());
        want.write(middle);
        want.write(b.readAllBytes());
        assertThat(got).isEqualTo(want.toByteArray());
    }

    /** The whole push: survey, the finishing command's stdin, its sha256 check, the rename. */
    @Test
    void aPushedBinaryMatchesThroughTheNodesLimits() throws Exception {
        FileBytes bin = mapped(2 * SshTransport.INLINE_MAX + 4321, 3);
        Path dest = dir.resolve("opt/bin/kubelet");
        try (SshTransport t = open()) {
            PushResult r = t.push(List.of(new RemoteFile(dest.toString(), 0755, bin, bin.sha256()),
                    new RemoteFile(dir.resolve("etc/k.conf").toString(), 0600, "k\n".getBytes(StandardCharsets.UTF_8))));
            assertThat(r.changed()).hasSize(2);
        }
        assertThat(Files.readAllBytes(dest)).isEqualTo(bin.readAllBytes());
    }

    /**
     * The command reads a little, then exits: the node closes the channel while the binary is still being written.
     * The writer stops (the window is closed, or its packets fail), the exit status is the command's, and the
     * connection serves the next command.
     */
    @Test
    void aChannelClosedMidPushEndsTheWriteAndTheConnectionGoesOn() throws Exception {
        FileBytes bin = mapped(8 * 1024 * 1024, 4);
        try (SshTransport t = open()) {
            ExecResult r = t.execRaw("head -c 100000 > /dev/null; exit 3", List.of(new SshTransport.Mapped(bin)),
                    Duration.ofSeconds(60));
            assertThat(r.exitCode()).as(r.summary()).isEqualTo(3);
            assertThat(t.isConnected()).isTrue();
            ExecResult next = t.execRaw("wc -c", List.of(new SshTransport.Mapped(mapped(100_000, 5))),
                    Duration.ofSeconds(60));
            assertThat(next.ok()).as(next.summary()).isTrue();
            assertThat(next.stdout().strip()).isEqualTo("100000");
        }
    }

    /** The limit only for OpenSSH, whose rule for giving window back is known; at least 8 of its packets. */
    @Test
    void theInFlightLimitIsForOpenSshOnly() {
        assertThat(MappedStdinWriter.inFlightLimit("SSH-2.0-APACHE-SSHD-2.20.0", 32768)).isZero();
        assertThat(MappedStdinWriter.inFlightLimit("SSH-2.0-dropbear_2022.83", 32768)).isZero();
        assertThat(MappedStdinWriter.inFlightLimit(null, 32768)).isZero();
        String openssh = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3";
        assertThat(MappedStdinWriter.inFlightLimit(openssh, 32768)).isEqualTo(MappedStdinWriter.IN_FLIGHT);
        assertThat(MappedStdinWriter.inFlightLimit(openssh, 256 * 1024)).as("8 packets").isEqualTo(8 * 256 * 1024);
    }

    /**
     * A node that says it is OpenSSH (MINA gives window back by the same rule): as its command reads, at most the
     * limit is in flight; when its command reads nothing for longer than the limit's wait, the writer drops the limit
     * (the whole window, as without one) rather than wait on, and every byte arrives either way.
     */
    @Test
    void theLimitHoldsWhileTheNodeReadsAndIsDroppedWhenItStopsReading() throws Exception {
        MinaNode openssh = new MinaNode(List.of(TestKeys.publicKey(clientKey)), null, null);
        try {
            CoreModuleProperties.SERVER_IDENTIFICATION.set(openssh.server, "OpenSSH_9.2p1 Debian-2+deb12u3");
            CoreModuleProperties.WINDOW_SIZE.set(openssh.server, 2L * 1024 * 1024);
            FileBytes a = mapped(6 * 1024 * 1024 + 5, 5);
            Path knownHosts = dir.resolve("known_hosts_openssh");
            Files.writeString(knownHosts, openssh.knownHostsLine());
            try (SshTransport t = connector.open(new SshTarget("127.0.0.1", openssh.port(), "root", clientKey, knownHosts))) {
                Path reads = dir.resolve("reads");
                ExecResult r = t.execRaw("cat > " + reads, List.of(new SshTransport.Mapped(a)), Duration.ofSeconds(60));
                assertThat(r.ok()).as(r.summary()).isTrue();
                SshTransport.StdinPacing p = t.lastPacing();
                assertThat(p.limit()).isEqualTo(MappedStdinWriter.IN_FLIGHT);
                assertThat(p.limitDropped()).isFalse();
                assertThat(p.maxInFlight()).isPositive().isLessThanOrEqualTo(p.limit());
                assertThat(Files.readAllBytes(reads)).isEqualTo(a.readAllBytes());

                Path late = dir.resolve("late");
                long waitMillis = MappedStdinWriter.LIMIT_WAIT.toMillis() + 1500;
                r = t.execRaw("sleep " + waitMillis / 1000.0 + "; cat > " + late, List.of(new SshTransport.Mapped(a)),
                        Duration.ofSeconds(60));
                assertThat(r.ok()).as(r.summary()).isTrue();
                p = t.lastPacing();
                assertThat(p.limitDropped()).isTrue();
                assertThat(p.maxInFlight()).isGreaterThan(p.limit());
                assertThat(Files.readAllBytes(late)).isEqualTo(a.readAllBytes());
            }
        } finally {
            openssh.close();
        }
    }
}
