package io.kubejoin.cli;

import io.kubejoin.cluster.ClusterIdentity;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.cluster.KubeconfigLoader;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.InventoryLoader;
import io.kubejoin.state.RenderInputs;
import io.kubejoin.util.GoDuration;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * The options of every command that talks to the cluster (picocli mixin): where admin credentials come from
 * (--kubeconfig, else $KUBECONFIG, else the inventory's kubeconfig, else ~/.kube/config), an optional inventory,
 * and how long one request may take.
 */
public class ClusterOptions {
    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "Admin kubeconfig (default: $KUBECONFIG, a list of files merged as kubectl does, else the "
                    + "inventory's 'kubeconfig', else ~/.kube/config).")
    Path kubeconfig;

    @Option(names = "--context", paramLabel = "NAME",
            description = "The kubeconfig context to use (default: its current-context).")
    String context;

    @Option(names = {"-f", "--inventory"}, paramLabel = "FILE",
            description = "Inventory YAML file (optional here: supplies the kubeconfig and bootstrap defaults).")
    Path inventoryFile;

    @Option(names = "--request-timeout", paramLabel = "DURATION", defaultValue = "10s",
            converter = GoDurationConverter.class,
            description = "How long one API request may take, e.g. 10s, 1m (default: ${DEFAULT-VALUE}).")
    Duration requestTimeout;

    private Inventory inventory;
    private boolean inventoryLoaded;

    /**
     * The inventory named with -f, loaded once; null when none was given. Bad input exits 2, a CA that is not
     * usable (key of another CA, expired, not a CA) included: every command checks it before its first request.
     */
    public Inventory inventory() {
        if (!inventoryLoaded) {
            inventory = inventoryFile == null ? null : InventoryLoader.load(inventoryFile);
            if (inventory != null) RenderInputs.checkPki(inventory, Instant.now());
            inventoryLoaded = true;
        }
        return inventory;
    }

    /** The -f path as given, or null. */
    public Path inventoryFile() {
        return inventoryFile;
    }

    /** The kubeconfig files to merge, in kubectl's precedence (see {@link KubeconfigLoader#files}). */
    public java.util.List<Path> kubeconfigFiles() {
        Inventory inv = inventory();
        return KubeconfigLoader.files(kubeconfig, System.getenv("KUBECONFIG"), inv == null ? null : inv.kubeconfig());
    }

    public Duration requestTimeout() {
        return requestTimeout;
    }

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /**
     * Opens the admin connection. With an inventory, first proves that it reaches the inventory's cluster
     * ({@link ClusterIdentity}; exit 2 otherwise), so no command writes to another cluster. Nothing is written.
     */
    public KubeConnection connect() {
        KubeConnection conn = KubeConnection.open(kubeconfigFiles(), context, requestTimeout);
        Inventory inv = inventory();
        if (inv == null) return conn;
        try {
            ClusterIdentity.verify(inv, conn, line -> {
                if (mixee == null) return;
                mixee.commandLine().getErr().println("warning: " + line);
                mixee.commandLine().getErr().flush();
            });
        } catch (RuntimeException e) {
            conn.close();
            throw e;
        }
        return conn;
    }

    /** Go-style durations for options ("10s", "1h30m"); picocli turns a bad one into a usage error (exit 2). */
    public static final class GoDurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                Duration d = GoDuration.parse(value.trim());
                if (d.isNegative() || d.isZero()) throw new TypeConversionException("'" + value + "' must be positive");
                return d;
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
