package io.kubejoin.remote;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * OpenSSH's real ssh-agent on a Unix socket in a test folder ({@code ssh-agent -D -a SOCK}: in the foreground, a
 * child of the test JVM, stopped by its own PID), keys loaded with the real {@code ssh-add}.
 */
final class OpenSshAgent implements AutoCloseable {
    static final Path AGENT = Path.of("/usr/bin/ssh-agent");

    final Path socket;
    private final Process process;

    /** Skips where ssh-agent is not installed, except in CI (CI=true), where its absence is a failure. */
    static void requireAgent() {
        boolean present = Files.isExecutable(AGENT) && Files.isExecutable(Path.of("/usr/bin/ssh-add"));
        if ("true".equals(System.getenv("CI"))) {
            if (!present) throw new AssertionError(AGENT + " is missing; .ci/run must install openssh-client");
        } else {
            Assumptions.assumeTrue(present, AGENT + " not installed (apt-get install openssh-client): skipping");
        }
    }

    OpenSshAgent(Path dir) throws Exception {
        requireAgent();
        socket = dir.resolve("agent.sock");
        process = new ProcessBuilder(AGENT.toString(), "-D", "-a", socket.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("agent.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!Files.exists(socket)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("ssh-agent did not start: " + Files.readString(dir.resolve("agent.log")));
            }
            Thread.sleep(20);
        }
    }

    /** ssh-add KEY against this agent only. */
    void add(Path privateKey) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("ssh-add", privateKey.toString()).redirectErrorStream(true);
        pb.environment().put("SSH_AUTH_SOCK", socket.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) throw new AssertionError("ssh-add: " + out);
    }

    /** ssh-add -l: the fingerprints the agent holds. */
    List<String> list() throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("ssh-add", "-l").redirectErrorStream(true);
        pb.environment().put("SSH_AUTH_SOCK", socket.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(10, TimeUnit.SECONDS);
        return out.lines().toList();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM to the agent we started, by its PID
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
    }
}
