package io.kubejoin.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GatheringNio2}: several channels of one session writing at once share the session's socket writes, and each
 * command still gets exactly its own bytes, in order (MINA's sequence numbers would fail the connection otherwise);
 * the writes were in fact gathered.
 */
@Timeout(120)
class GatheringNio2Test {
    @TempDir
    static Path keys;
    static Path clientKey;
    static MinaNode node;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        clientKey = TestKeys.generate(keys, "ed25519", "");
        node = new MinaNode(List.of(TestKeys.publicKey(clientKey)), null, null);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (node != null) node.close();
    }

    @Test
    void channelsWritingAtOnceEachGetTheirOwnBytesInOrderAndThePacketsShareWrites() throws Exception {
        Path knownHosts = dir.resolve("known_hosts");
        Files.writeString(knownHosts, node.knownHostsLine());
        int channels = 6;
        List<FileBytes> binaries = new ArrayList<>();
        for (int i = 0; i < channels; i++) {
            byte[] b = new byte[4 * 1024 * 1024 + 1000 * i + 7];
            new Random(i).nextBytes(b);
            binaries.add(FileBytes.map(Files.write(dir.resolve("source-" + i), b)));
        }
        long batches0 = GatheringNio2.BATCHES.get();
        long packets0 = GatheringNio2.PACKETS.get();
        ExecutorService pool = Executors.newFixedThreadPool(channels);
        try (SshConnector connector = new SshConnector(
                SshOptions.defaults().withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5)));
             SshTransport t = connector.open(new SshTarget("127.0.0.1", node.port(), "root", clientKey, knownHosts))) {
            assertThat(t.execRaw("true", Duration.ofSeconds(30)).ok()).isTrue(); // connected before the threads start
            List<Future<ExecResult>> runs = new ArrayList<>();
            for (int i = 0; i < channels; i++) {
                int n = i;
                runs.add(pool.submit(() -> t.execRaw("cat > " + dir.resolve("out-" + n), List.of(
                        SshTransport.bytes(("head " + n + "\n").getBytes(StandardCharsets.UTF_8)),
                        new SshTransport.Mapped(binaries.get(n)),
                        SshTransport.bytes(("tail " + n + "\n").getBytes(StandardCharsets.UTF_8))), Duration.ofSeconds(90))));
            }
            for (Future<ExecResult> r : runs) assertThat(r.get().ok()).as(r.get().summary()).isTrue();
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < channels; i++) {
            ByteArrayOutputStream want = new ByteArrayOutputStream();
            want.write(("head " + i + "\n").getBytes(StandardCharsets.UTF_8));
            want.write(binaries.get(i).readAllBytes());
            want.write(("tail " + i + "\n").getBytes(StandardCharsets.UTF_8));
            assertThat(Files.readAllBytes(dir.resolve("out-" + i))).as("channel " + i).isEqualTo(want.toByteArray());
        }
        long batches = GatheringNio2.BATCHES.get() - batches0;
        long packets = GatheringNio2.PACKETS.get() - packets0;
        assertThat(packets).as("the pushes went through GatheringNio2's sessions").isGreaterThan(channels * 100L);
        assertThat(batches).as("some writes carried several packets").isLessThan(packets);
    }
}
