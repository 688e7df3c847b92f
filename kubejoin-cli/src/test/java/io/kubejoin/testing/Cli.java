package io.kubejoin.testing;

import io.kubejoin.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Runs kubejoin's command line in this JVM, as a user would, capturing its output. */
public final class Cli {
    private Cli() {
    }

    public record Run(int exit, String out, String err) {
        public JsonNode json() {
            return JsonMapper.builder().build().readTree(out);
        }

        /** The element of the JSON output's {@code nodes} array whose {@code node} is {@code name}. */
        public JsonNode node(String name) {
            for (JsonNode n : json().path("nodes")) {
                if (n.path("node").asString().equals(name)) return n;
            }
            throw new AssertionError("no report for " + name + " in " + this);
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    public static Run kubejoin(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(exit, out.toString(), err.toString());
    }
}
