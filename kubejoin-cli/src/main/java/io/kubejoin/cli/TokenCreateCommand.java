package io.kubejoin.cli;

import io.kubejoin.util.UserFacingException;
import io.kubejoin.util.ExitCodes;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.cluster.TokenService;
import io.kubejoin.inventory.Defaults;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.token.BootstrapToken;
import io.kubejoin.util.Suggestions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** kubejoin token create: one new bootstrap token, printed once on stdout (and nothing else there), as kubeadm does. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = {"Create a bootstrap token in the cluster and print it (<id>.<secret>) on stdout.",
                "It is shown only this once; 'kubejoin token list' shows <id>.**** from then on."})
public class TokenCreateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--node", paramLabel = "NAME", description = "The node the token is for (label kubejoin.io/node).")
    String node;

    @Option(names = "--ttl", paramLabel = "DURATION", converter = ClusterOptions.GoDurationConverter.class,
            description = "How long the token is valid, e.g. 1h, 30m (default: the inventory's bootstrap.tokenTTL, else 1h).")
    Duration ttl;

    @Option(names = "--group", paramLabel = "GROUP",
            description = "Extra group suffix: the token gets group system:bootstrappers:GROUP (default: the inventory's bootstrap.group, else kubejoin).")
    String group;

    @Option(names = "--description", paramLabel = "TEXT", description = "Description stored with the token.")
    String description;

    @Override
    public Integer call() {
        Inventory inv = cluster.inventory();
        if (inv != null && node != null && inv.node(node).isEmpty()) {
            var names = inv.nodes().stream().map(io.kubejoin.inventory.Node::name).toList();
            throw new UserFacingException("node '" + node + "' is not in " + inv.source()
                    + ": " + Suggestions.didYouMean(node, names, "the nodes are " + String.join(", ", names)), ExitCodes.BAD_INPUT);
        }
        Duration effectiveTtl = ttl != null ? ttl : inv != null ? inv.bootstrap().tokenTTL() : Defaults.TOKEN_TTL;
        String effectiveGroup = group != null ? group : inv != null ? inv.bootstrap().group() : Defaults.BOOTSTRAP_GROUP;
        try (KubeConnection conn = cluster.connect()) {
            TokenService tokens = new TokenService(conn, Clock.systemUTC(), new SecureRandom());
            BootstrapToken token = tokens.create(new TokenService.Request(node, effectiveTtl, effectiveGroup, description));
            // the one place the secret is shown: stdout only, so 'TOKEN=$(kubejoin token create)' works
            spec.commandLine().getOut().println(token.value());
            spec.commandLine().getOut().flush();
        }
        return ExitCodes.OK;
    }
}
