package io.kubejoin.cli;

import io.kubejoin.util.ExitCodes;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.InventoryLoader;
import io.kubejoin.output.RenderOutput;
import io.kubejoin.render.Renderer;
import io.kubejoin.state.RenderInputs;
import io.kubejoin.state.StateStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** kubejoin render: every file each node needs, written offline to a folder. */
@Command(name = "render", mixinStandardHelpOptions = true,
        description = {
                "Render every file the inventory's nodes need into a folder, offline: DIR/<node>/<absolute path>, "
                        + "DIR/cluster/*.yaml (bootstrap-token Secrets, ClusterRoleBindings) and DIR/manifest.json.",
                "Bootstrap tokens and kube-proxy's certificate are made once and kept in the state folder, "
                        + "so rendering again gives identical files."})
public class RenderCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RenderCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = {"-f", "--inventory"}, required = true, paramLabel = "FILE", description = "Inventory YAML file.")
    Path inventory;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Output folder.")
    Path output;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where generated secrets are kept (default: .kubejoin/<inventory name>/ beside the inventory).")
    Path stateDir;

    @Override
    public Integer call() throws IOException {
        long start = System.nanoTime();
        Inventory inv = InventoryLoader.load(inventory);
        long loaded = System.nanoTime();
        StateStore state = new StateStore(stateDir != null ? stateDir : StateStore.defaultDirFor(inventory));
        RenderInputs.Prepared inputs = RenderInputs.prepare(inv, state, Clock.systemUTC().instant(), new SecureRandom());
        long prepared = System.nanoTime();
        // node by node: each node's files are written and dropped as they are made (memory flat in the nodes)
        Renderer.Units units = Renderer.units(inv, inputs.material(), inputs.tokens());
        RenderOutput.Written written = RenderOutput.write(output, units.names(), units::render);
        log.debug("timings: load+validate {} ms, secrets {} ms, render and write {} ms",
                ms(loaded - start), ms(prepared - loaded), ms(System.nanoTime() - prepared));

        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        inputs.notes().forEach(out::println);
        units.warnings().forEach(w -> err.println("warning: " + w));
        log.debug("state folder {}", state.dir());
        out.printf("Rendered %d files for %d node(s) of Kubernetes %s, and %d cluster manifests, into %s (%d ms)%n",
                written.nodeFiles(), inv.nodes().size(), inv.kubernetesVersion(),
                written.clusterFiles(), output, ms(System.nanoTime() - start));
        out.printf("Manifest: %s; secrets kept in %s%n", output.resolve(RenderOutput.MANIFEST), state.dir());
        return ExitCodes.OK;
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}
