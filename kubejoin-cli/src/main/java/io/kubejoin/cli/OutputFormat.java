package io.kubejoin.cli;

import java.io.FilterWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.util.DefaultIndenter;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.core.util.Separators;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

/**
 * {@code -o table|json|yaml}, the same option on every command that prints results (picocli mixin), and the one
 * place that writes JSON and YAML. JSON looks like {@code kubectl get -o json}'s (Go's
 * {@code json.MarshalIndent(obj, "", "    ")}): four spaces per level, {@code "key": value}, every array element on
 * its own line, {@code []} and {@code {}} when empty. YAML is block style without the {@code ---} document start, as
 * {@code kubectl -o yaml} prints one object.
 */
public class OutputFormat {
    /** The formats; {@code text} is accepted as another name for table (doctor's earlier name for it). */
    public enum Format { table, json, yaml }

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table", converter = FormatConverter.class,
            description = "Output format: table, json or yaml (default: ${DEFAULT-VALUE}).")
    Format format = Format.table;

    public Format format() {
        return format;
    }

    public boolean table() {
        return format == Format.table;
    }

    /** json or yaml: standard output carries that document alone (progress and notes go to standard error). */
    public boolean structured() {
        return format != Format.table;
    }

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final ObjectMapper YAML = YAMLMapper.builder()
            .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
            .enable(YAMLWriteFeature.MINIMIZE_QUOTES)
            .build();

    /** kubectl's JSON layout: Go's MarshalIndent with four spaces. */
    static DefaultPrettyPrinter kubectlPrettyPrinter() {
        DefaultIndenter fourSpaces = new DefaultIndenter("    ", "\n");
        Separators separators = Separators.createDefaultInstance()
                .withObjectNameValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("")
                .withArrayEmptySeparator("");
        return new DefaultPrettyPrinter(separators).withObjectIndenter(fourSpaces).withArrayIndenter(fourSpaces);
    }

    /** A tree to fill, for {@link #print}. */
    public static ObjectNode object() {
        return JSON.createObjectNode();
    }

    /** A record, list or map as a tree (a record's components by name, in order). */
    public static JsonNode tree(Object value) {
        return JSON.valueToTree(value);
    }

    /** The document in json or yaml; ends with a newline. */
    public String render(JsonNode tree) {
        return render(format, tree);
    }

    static String render(Format format, JsonNode tree) {
        return switch (format) {
            case json -> jsonWriter().writeValueAsString(tree) + "\n";
            case yaml -> YAML.writeValueAsString(tree);
            case table -> throw new IllegalStateException("a table is printed by its command");
        };
    }

    /** Prints the document in json or yaml and flushes. */
    public void print(PrintWriter out, JsonNode tree) {
        out.print(render(tree));
        out.flush();
    }

    private static ObjectWriter jsonWriter() {
        return JSON.writer().with(kubectlPrettyPrinter());
    }

    /**
     * A generator writing json or yaml to {@code w} as it goes (a document of ten thousand nodes is never one tree in
     * memory). Closing it flushes {@code w} but leaves it open: it stands for standard output.
     */
    public JsonGenerator generator(Writer w) {
        Writer keepOpen = new FilterWriter(w) {
            @Override
            public void close() throws IOException {
                flush();
            }
        };
        return switch (format) {
            case json -> jsonWriter().createGenerator(keepOpen);
            case yaml -> YAML.writer().createGenerator(keepOpen);
            case table -> throw new IllegalStateException("a table is printed by its command");
        };
    }

    /** Accepts the formats by name; anything else is a usage error naming them (exit 2). */
    public static final class FormatConverter implements ITypeConverter<Format> {
        @Override
        public Format convert(String value) {
            if (value.equals("text")) return Format.table;
            for (Format f : Format.values()) {
                if (f.name().equals(value)) return f;
            }
            throw new TypeConversionException("'" + value + "' is not an output format: use table, json or yaml");
        }
    }

    /** The format names, for messages. */
    public static List<String> names() {
        return List.of("table", "json", "yaml");
    }
}
