package io.kubejoin.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * systemctl, journalctl and modprobe stand-ins for test nodes: they record every call and keep service state in
 * files under a state folder, so no test ever touches this machine's systemd or kernel.
 */
public final class ShimScripts {
    private ShimScripts() {
    }

    /** Writes the three scripts into {@code bin}; state and the call log go to {@code state}. */
    public static void install(Path bin, Path state) throws IOException {
        Files.createDirectories(bin);
        Files.createDirectories(state);
        String s = "s='" + state + "'; mkdir -p \"$s\"; ";
        write(bin.resolve("systemctl"), "#!/bin/sh\n" + s + """
                echo "systemctl $*" >> "$s/log"
                cmd="$1"; shift; [ "$1" = "--quiet" ] && shift; [ "$1" = "--now" ] && shift
                case "$cmd" in
                  daemon-reload) ;;
                  enable) touch "$s/enabled-$1" ;;
                  disable) rm -f "$s/enabled-$1" "$s/active-$1" ;;
                  stop) rm -f "$s/active-$1" ;;
                  is-enabled) if [ -f "$s/enabled-$1" ]; then echo enabled; else echo disabled; exit 1; fi ;;
                  start|restart) if [ -f "$s/fail-$1" ]; then exit 1; fi; touch "$s/active-$1" ;;
                  is-active) [ -f "$s/active-$1" ] || exit 3 ;;
                  *) echo "shim systemctl: unsupported: $cmd" >&2; exit 2 ;;
                esac
                """);
        write(bin.resolve("journalctl"), "#!/bin/sh\n" + s + """
                echo "journalctl $*" >> "$s/log"
                [ -f "$s/journal-$2" ] && cat "$s/journal-$2"; exit 0
                """);
        write(bin.resolve("modprobe"), "#!/bin/sh\n" + s + "echo \"modprobe $*\" >> \"$s/log\"\n");
    }

    /** The calls recorded so far, in order. */
    public static List<String> log(Path state) throws IOException {
        Path log = state.resolve("log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    private static void write(Path p, String script) throws IOException {
        Files.writeString(p, script);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
