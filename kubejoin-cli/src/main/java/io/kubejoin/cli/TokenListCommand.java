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
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** kubejoin token list: the cluster's bootstrap tokens, never their secrets. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List the cluster's bootstrap tokens (as <id>.****: secrets are never shown).")
public class TokenListCommand implements Callable<Integer> {
    public enum Format { table, json }

    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table or json (default: ${DEFAULT-VALUE}).")
    Format format;

    @Override
    public Integer call() {
        List<TokenInfo> tokens;
        try (KubeConnection conn = cluster.connect()) {
            tokens = new TokenService(conn, Clock.systemUTC(), new SecureRandom()).list();
        }
        PrintWriter out = spec.commandLine().getOut();
        Instant now = Clock.systemUTC().instant();
        if (format == Format.json) {
            out.println(json(tokens));
        } else {
            out.print(table(tokens, now));
        }
        out.flush();
        return ExitCodes.OK;
    }

    static String json(List<TokenInfo> tokens) {
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
        return JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build().writeValueAsString(rows);
    }

    static String table(List<TokenInfo> tokens, Instant now) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"TOKEN", "NODE", "TTL", "EXPIRES", "USAGES", "GROUPS", "DESCRIPTION"});
        for (TokenInfo t : tokens) {
            rows.add(new String[]{t.redacted(), t.node() == null ? "<none>" : t.node(), ttl(t.expiration(), now),
                    t.expiration() == null ? "<never>" : t.expiration().truncatedTo(ChronoUnit.SECONDS).toString(),
                    t.usages().isEmpty() ? "<none>" : String.join(",", t.usages()),
                    t.groups().isEmpty() ? "<none>" : String.join(",", t.groups()),
                    t.description() == null ? "" : t.description()});
        }
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) for (int i = 0; i < r.length; i++) width[i] = Math.max(width[i], r[i].length());
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) line.append(" ".repeat(width[i] - r[i].length() + 3));
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    private static String ttl(Instant expiration, Instant now) {
        if (expiration == null) return "<forever>";
        Duration left = Duration.between(now, expiration).truncatedTo(ChronoUnit.SECONDS);
        return left.isNegative() || left.isZero() ? "<expired>" : GoDuration.format(left);
    }
}
