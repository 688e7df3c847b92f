package io.kubejoin.cli;

import io.kubejoin.join.JoinRunner;
import io.kubejoin.remote.LocalTransport;
import io.kubejoin.remote.SshConnector;
import io.kubejoin.remote.SshOptions;
import io.kubejoin.remote.SshTarget;
import picocli.CommandLine.Option;

/** How commands reach the nodes (picocli mixin): SSH with verified host keys, or --local on the node itself. */
public class NodeAccessOptions {
    @Option(names = "--local", description = "Run on the node itself (the inventory must list exactly this one node).")
    boolean local;

    @Option(names = "--accept-new-host-keys",
            description = "Trust a node's unknown SSH host key on first use and record it in known_hosts "
                    + "(a changed key is always refused).")
    boolean acceptNewHostKeys;

    @Option(names = {"-K", "--ask-become-pass"},
            description = "Ask once for the sudo password of a non-root SSH user whose sudo is not NOPASSWD (not "
                    + "echoed; or set " + SshOptions.BECOME_PASSWORD_ENV + "). It reaches sudo on stdin, never on a "
                    + "command line, and is never logged.")
    boolean askBecomePass;

    /** Transports to the nodes; close it when done (it holds the shared SSH client). */
    public Access open() {
        SshConnector ssh = local ? null : new SshConnector(SshOptions.defaults().withAcceptNewHostKeys(acceptNewHostKeys)
                .withPassphrase(passphrase(System.getenv(SshOptions.PASSPHRASE_ENV), System.console()))
                .withBecomePassword(becomePassword(System.getenv(SshOptions.BECOME_PASSWORD_ENV), askBecomePass,
                        System.console())));
        return new Access(ssh, local);
    }

    /**
     * The sudo password: from the environment, else with --ask-become-pass asked once on the terminal (not echoed)
     * when the first node's sudo wants one, else none (sudo -n, as before).
     */
    static java.util.function.Supplier<String> becomePassword(String fromEnv, boolean ask, java.io.Console console) {
        if (fromEnv != null && !fromEnv.isEmpty()) return () -> fromEnv;
        if (!ask) return null;
        if (console == null) {
            throw new io.kubejoin.inventory.InvalidInputException(new io.kubejoin.inventory.Problem(null, 0,
                    "--ask-become-pass", "there is no terminal to ask on", "set " + SshOptions.BECOME_PASSWORD_ENV
                            + " in the environment instead"));
        }
        return new java.util.function.Supplier<>() {
            private String answer;
            private boolean asked;

            @Override
            public synchronized String get() {
                if (!asked) {
                    asked = true;
                    char[] typed = console.readPassword("BECOME password (sudo) for the SSH user: ");
                    answer = typed == null ? null : new String(typed);
                    if (typed != null) java.util.Arrays.fill(typed, ' ');
                }
                return answer;
            }
        };
    }

    /**
     * The key's passphrase: from the environment, else asked once on the terminal (not echoed) when an encrypted key
     * is first read, else none (the key then fails to load with a message naming the variable).
     */
    static java.util.function.Supplier<String> passphrase(String fromEnv, java.io.Console console) {
        if (fromEnv != null && !fromEnv.isEmpty()) return () -> fromEnv;
        if (console == null) return () -> null;
        return new java.util.function.Supplier<>() {
            private String answer;
            private boolean asked;

            @Override
            public synchronized String get() {
                if (!asked) {
                    asked = true;
                    char[] typed = console.readPassword("Passphrase for the SSH key (or set %s): ", SshOptions.PASSPHRASE_ENV);
                    answer = typed == null ? null : new String(typed);
                    if (typed != null) java.util.Arrays.fill(typed, ' ');
                }
                return answer;
            }
        };
    }

    public boolean local() {
        return local;
    }

    /** The factory and the SSH client behind it. */
    public static final class Access implements AutoCloseable {
        private final SshConnector ssh;
        private final boolean local;

        Access(SshConnector ssh, boolean local) {
            this.ssh = ssh;
            this.local = local;
        }

        public JoinRunner.TransportFactory transports() {
            return local ? node -> LocalTransport.onThisMachine() : node -> ssh.open(SshTarget.of(node));
        }

        @Override
        public void close() {
            if (ssh != null) ssh.close();
        }
    }
}
