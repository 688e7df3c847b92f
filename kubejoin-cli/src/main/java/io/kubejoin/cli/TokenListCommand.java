package io.kubejoin.cli;

import io.kubejoin.util.ExitCodes;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.cluster.TokenInfo;
import io.kubejoin.cluster.TokenService;
import io.kubejoin.util.GoDuration;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** kubejoin token list: the cluster's bootstrap tokens, never their secrets. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List the cluster's bootstrap tokens (as <id>.****: secrets are never shown).")
public class TokenListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Mixin
    OutputFormat output;

    @Override
    public Integer call() {
        List<TokenInfo> tokens;
        try (KubeConnection conn = cluster.connect()) {
            tokens = new TokenService(conn, Clock.systemUTC(), new SecureRandom()).list();
        }
        PrintWriter out = spec.commandLine().getOut();
        Instant now = Clock.systemUTC().instant();
        if (output.structured()) {
            output.print(out, OutputFormat.tree(rows(tokens)));
        } else {
            out.print(table(tokens, now));
        }
        out.flush();
        return ExitCodes.OK;
    }

    static String json(List<TokenInfo> tokens) {
        return OutputFormat.render(OutputFormat.Format.json, OutputFormat.tree(rows(tokens)));
    }

    /** The tokens as -o json / yaml print them: the secret never, the id and its redacted form. */
    static List<Map<String, Object>> rows(List<TokenInfo> tokens) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (TokenInfo t : tokens) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", t.id());
            row.put("token", t.redacted());
            row.put("node", t.node());
            row.put("expiration", t.expiration() == null ? null : t.expiration().toString());
            row.put("usages", t.usages());
            row.put("groups", t.groups());
            row.put("description", t.description());
            rows.add(row);
        }
        return rows;
    }

    static String table(List<TokenInfo> tokens, Instant now) {
        Table table = new Table("TOKEN", "NODE", "TTL", "EXPIRES", "USAGES", "GROUPS", "DESCRIPTION");
        for (TokenInfo t : tokens) {
            table.row(t.redacted(), t.node() == null ? "<none>" : t.node(), ttl(t.expiration(), now),
                    t.expiration() == null ? "<never>" : t.expiration().truncatedTo(ChronoUnit.SECONDS).toString(),
                    t.usages().isEmpty() ? "<none>" : String.join(",", t.usages()),
                    t.groups().isEmpty() ? "<none>" : String.join(",", t.groups()),
                    t.description() == null ? "" : t.description());
        }
        return table.toString();
    }

    private static String ttl(Instant expiration, Instant now) {
        if (expiration == null) return "<forever>";
        Duration left = Duration.between(now, expiration).truncatedTo(ChronoUnit.SECONDS);
        return left.isNegative() || left.isZero() ? "<expired>" : GoDuration.format(left);
    }
}
