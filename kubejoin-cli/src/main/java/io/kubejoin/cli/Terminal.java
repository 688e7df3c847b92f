package io.kubejoin.cli;

import java.io.Console;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;

/**
 * What standard output is: a terminal (live redraws allowed) and whether colour is wanted. Colour and redraws only on
 * a terminal, colour never when {@code NO_COLOR} is set to anything non-empty (no-color.org).
 *
 * <p>Why not {@code System.console() != null}: on JDK 17 that is true only when standard input <em>and</em> output
 * are both terminals (so {@code kubejoin join < /dev/null} on a terminal would lose its live display), and from JDK 22
 * it is never null. kubejoin runs on Linux, where {@code /proc/self/fd/1} is a link to the device behind standard
 * output: a terminal is a {@code /dev/pts/N} or {@code /dev/ttyN}, a pipe or file is anything else — the isatty(1)
 * test without native code, on every JDK. Where /proc cannot be read, {@code Console.isTerminal()} (JDK 22+, by
 * reflection: kubejoin compiles for 17) and else {@code System.console() != null} decide.
 */
public record Terminal(boolean interactive, boolean colour) {
    /** Not a terminal: tests, pipes, files. */
    public static final Terminal NONE = new Terminal(false, false);

    /** Standard output of this process, and the environment's NO_COLOR. */
    public static Terminal detect() {
        return of(stdoutIsTerminal(), System.getenv("NO_COLOR"));
    }

    static Terminal of(boolean tty, String noColor) {
        return new Terminal(tty, tty && (noColor == null || noColor.isEmpty()));
    }

    static boolean stdoutIsTerminal() {
        Path fd1 = Path.of("/proc/self/fd/1");
        try {
            return isTerminalDevice(Files.readSymbolicLink(fd1).toString());
        } catch (Exception noProc) {
            Console console = System.console();
            if (console == null) return false;
            try {
                Method isTerminal = Console.class.getMethod("isTerminal");
                return (Boolean) isTerminal.invoke(console);
            } catch (ReflectiveOperationException jdk17) {
                return true; // JDK 17's console exists only when both ends are terminals
            }
        }
    }

    /** A pseudo-terminal or a virtual/serial console, as /proc/self/fd names them. */
    static boolean isTerminalDevice(String target) {
        return target.startsWith("/dev/pts/") || target.matches("/dev/tty[A-Za-z]*[0-9]+") || target.equals("/dev/console");
    }

    /** The terminal of the command tree this command belongs to ({@link #NONE} when run outside {@link Main}). */
    static Terminal of(CommandSpec spec) {
        Object root = spec.root().userObject();
        return root instanceof KubejoinCommand k && k.terminal != null ? k.terminal : NONE;
    }

    public String green(String s) {
        return paint("32", s);
    }

    public String red(String s) {
        return paint("1;31", s);
    }

    public String yellow(String s) {
        return paint("33", s);
    }

    private String paint(String code, String s) {
        return colour && !s.isEmpty() ? "\033[" + code + "m" + s + "\033[0m" : s;
    }
}
