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
     * is-enabled} / {@code is-active} take several units as systemctl does (a line each unless --quiet, exit 0 when any
     * is enabled / active), enable / restart / stop act on each unit named, {@code is-active} prints the state unless --quiet, {@code show -p A,B UNIT} answers ActiveState, SubState,
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
                  enable) for u; do touch "$s/enabled-$u"; done ;;
                  disable) for u; do rm -f "$s/enabled-$u" "$s/active-$u"; done ;;
                  stop) for u; do rm -f "$s/active-$u"; done ;;
                  is-enabled) a=; for u; do if [ -f "$s/enabled-$u" ]; then a=1; [ -n "$q" ] || echo enabled; else [ -n "$q" ] || echo disabled; fi; done; [ -n "$a" ] || exit 1 ;;
                  start|restart) r=0; for u; do if [ -f "$s/fail-$u" ]; then r=1; else touch "$s/active-$u"; fi; done; exit $r ;;
                  is-active) a=; for u; do if [ -f "$s/active-$u" ]; then a=1; [ -n "$q" ] || echo active; else [ -n "$q" ] || echo inactive; fi; done; [ -n "$a" ] || exit 3 ;;
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
        // a node whose openssl does not work (as the sandbox's nodes have none): a push's binary check and a survey's
        // hash go on to sha256sum, as they must on such a node; the shell under test and NodeShell then agree
        write(bin.resolve("openssl"), "#!/bin/sh\necho 'openssl: not usable on this node' >&2\nexit 127\n");
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
