package io.kubejoin.cli;

import io.kubejoin.util.ExitCodes;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.util.UnsafePathException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** How Main ends a command that failed in a way no command handles itself. */
class MainTest {
    @Command(name = "kubejoin")
    static class Boom implements Callable<Integer> {
        final Throwable thrown;
        @CommandLine.Parameters
        java.util.List<String> args;
        @CommandLine.Option(names = "-f")
        String inventory;

        Boom(Throwable thrown) {
            this.thrown = thrown;
        }

        @Override
        public Integer call() throws Exception {
            if (thrown instanceof Error e) throw e;
            throw (Exception) thrown;
        }
    }

    record Ended(int exit, String err) {
    }

    private static Ended run(Throwable thrown) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintWriter errWriter = new PrintWriter(err, true);
        CommandLine cli = Main.commandLine(new Boom(thrown), new PrintWriter(out, true), errWriter);
        return new Ended(Main.execute(cli, errWriter, "render", "-f", "inventory.yaml"), err.toString());
    }

    @Tag("hostile")
    @Test
    void outOfMemoryIsOneLineWithTheFix() {
        Ended e = run(new OutOfMemoryError("Java heap space"));
        assertThat(e.exit()).isEqualTo(ExitCodes.FAILED);
        long heapMiB = Runtime.getRuntime().maxMemory() / (1024 * 1024);
        assertThat(e.err()).hasLineCount(1).startsWith("kubejoin: out of memory (heap " + heapMiB + " MiB) while running 'render'")
                .contains("KUBEJOIN_JAVA_OPTS=-Xmx").contains("java -Xmx").doesNotContain("\tat ");
    }

    /** A join in a heap too small ran out while a library's class initialised: an Error wrapping the OutOfMemoryError. */
    @Tag("hostile")
    @Test
    void outOfMemoryInAClassInitializerIsTheSameLine() {
        Ended e = run(new ExceptionInInitializerError(new IllegalArgumentException("Failed to register BC as a JCE provider",
                new OutOfMemoryError("Java heap space"))));
        assertThat(e.exit()).isEqualTo(ExitCodes.FAILED);
        assertThat(e.err()).hasLineCount(1).startsWith("kubejoin: out of memory (heap ").contains("KUBEJOIN_JAVA_OPTS=-Xmx")
                .doesNotContain("\tat ");
    }

    /** Out of heap on a thread that is not the command's (the approver's CSR worker): the line, then exit 1 at once. */
    @Tag("hostile")
    @Test
    void outOfMemoryOnABackgroundThreadEndsTheProcessWithTheSameLine() throws Exception {
        StringWriter err = new StringWriter();
        java.util.concurrent.atomic.AtomicInteger halted = new java.util.concurrent.atomic.AtomicInteger(-1);
        Thread t = new Thread(() -> {
            Error e = new NoClassDefFoundError("Could not initialize class X");
            e.initCause(new ExceptionInInitializerError(new OutOfMemoryError("Java heap space")));
            throw e;
        }, "kubejoin-csr-worker");
        t.setUncaughtExceptionHandler(Main.outOfMemoryExit(new PrintWriter(err, true), halted::set, "join", "-f", "x.yaml"));
        t.start();
        t.join();
        assertThat(halted.get()).isEqualTo(ExitCodes.FAILED);
        assertThat(err.toString()).hasLineCount(1).startsWith("kubejoin: out of memory (heap ")
                .contains("while running 'join'").contains("KUBEJOIN_JAVA_OPTS=-Xmx");

        // anything else: printed as the JVM does, the process goes on
        StringWriter other = new StringWriter();
        AtomicInteger otherHalt = new AtomicInteger(-1);
        Thread u = new Thread(() -> {
            throw new IllegalStateException("boom");
        }, "worker");
        u.setUncaughtExceptionHandler(Main.outOfMemoryExit(new PrintWriter(other, true), otherHalt::set, "join"));
        u.start();
        u.join();
        assertThat(otherHalt.get()).isEqualTo(-1);
        assertThat(other.toString()).startsWith("Exception in thread \"worker\" java.lang.IllegalStateException: boom");
    }

    @Tag("hostile")
    @Test
    void outOfMemoryOnAnotherThreadReachingTheCommandAsACauseIsTheSameLine() {
        Ended e = run(new IllegalStateException("kubejoin-render task failed", new OutOfMemoryError("Java heap space")));
        assertThat(e.exit()).isEqualTo(ExitCodes.FAILED);
        assertThat(e.err()).hasLineCount(1).startsWith("kubejoin: out of memory (heap ").doesNotContain("internal error");
    }

    @Tag("hostile")
    @Test
    void aRefusedPathIsBadInputNamingThePathAndTheFix() {
        Ended e = run(new java.io.UncheckedIOException("cannot write state file",
                new UnsafePathException(Path.of("/srv/out/n"), "is a symbolic link (to /tmp/x)", "remove the link")));
        assertThat(e.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(e.err()).hasLineCount(1)
                .isEqualTo("kubejoin: refusing to write: /srv/out/n is a symbolic link (to /tmp/x) — remove the link\n");
    }
}
