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

    /**
     * Writes the three scripts into {@code bin}; state and the call log go to {@code state}. {@code systemctl
     * is-active} prints the state unless --quiet, {@code show -p A,B UNIT} answers ActiveState, SubState,
     * UnitFileState and NRestarts from the same files.
     */
    public static void install(Path bin, Path state) throws IOException {
        Files.createDirectories(bin);
        Files.createDirectories(state);
        String s = "s='" + state + "'; [ -d \"$s\" ] || mkdir -p \"$s\"; ";
        write(bin.resolve("systemctl"), "#!/bin/sh\n" + s + """
                echo "systemctl $*" >> "$s/log"
                cmd="$1"; shift; q=; [ "$1" = "--quiet" ] && { q=1; shift; }; [ "$1" = "--now" ] && shift
                case "$cmd" in
                  daemon-reload) ;;
                  enable) touch "$s/enabled-$1" ;;
                  disable) rm -f "$s/enabled-$1" "$s/active-$1" ;;
                  stop) rm -f "$s/active-$1" ;;
                  is-enabled) if [ -f "$s/enabled-$1" ]; then [ -n "$q" ] || echo enabled; else [ -n "$q" ] || echo disabled; exit 1; fi ;;
                  start|restart) if [ -f "$s/fail-$1" ]; then exit 1; fi; touch "$s/active-$1" ;;
                  is-active) if [ -f "$s/active-$1" ]; then [ -n "$q" ] || echo active; else [ -n "$q" ] || echo inactive; exit 3; fi ;;
                  show) u=; p=; for a in "$@"; do case "$a" in -p) ;; -*) ;; *) if [ "$prev" = -p ]; then p="$p,$a"; else u="$a"; fi ;; esac; prev="$a"; done
                        for k in $(echo "$p" | tr ',' ' '); do case "$k" in
                          ActiveState) if [ -f "$s/active-$u" ]; then echo ActiveState=active; else echo ActiveState=inactive; fi ;;
                          SubState) if [ -f "$s/active-$u" ]; then echo SubState=running; else echo SubState=dead; fi ;;
                          UnitFileState) if [ -f "$s/enabled-$u" ]; then echo UnitFileState=enabled; else echo UnitFileState=disabled; fi ;;
                          NRestarts) echo NRestarts=0 ;;
                          *) echo "$k=" ;;
                        esac; done ;;
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
