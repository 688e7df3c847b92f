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
        return connector.open(new SshTarget("127.0.0.1", node.port(), "root", clientKey, knownHosts, null));
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
}
