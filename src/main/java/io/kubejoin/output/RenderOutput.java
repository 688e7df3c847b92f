package io.kubejoin.output;

import io.kubejoin.render.RenderedFile;
import io.kubejoin.state.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes rendered files as {@code DIR/<node>/<absolute destination path>} and {@code DIR/cluster/<name>},
 * each with its destination's mode, plus {@code DIR/manifest.json} listing node, destination, mode and sha256.
 * Files a previous render listed but this one does not (a node removed from the inventory) are deleted,
 * so the folder always matches the manifest.
 */
public final class RenderOutput {
    public static final String MANIFEST = "manifest.json";
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private RenderOutput() {
    }

    public static void write(Path outDir, List<RenderedFile> files) throws IOException {
        Files.createDirectories(outDir);
        Set<Path> previous = previousFiles(outDir);
        ArrayNode entries = JSON.createArrayNode();
        Set<Path> written = new HashSet<>();
        for (RenderedFile f : files) {
            Path target = localPath(outDir, f);
            byte[] content = f.content();
            // an unchanged file is left alone, so mtimes tell a person what a re-render changed
            if (!(Files.isRegularFile(target) && java.util.Arrays.equals(Files.readAllBytes(target), content)
                    && SecureFiles.mode(target) == f.mode())) {
                SecureFiles.writeAtomically(target, content, f.mode());
            }
            written.add(target.normalize());
            ObjectNode e = entries.addObject();
            e.put("node", f.node());
            e.put("destination", f.path());
            e.put("mode", f.modeString());
            e.put("sha256", f.sha256());
            e.put("size", content.length);
        }
        for (Path stale : previous) {
            if (!written.contains(stale)) Files.deleteIfExists(stale);
        }
        ObjectNode root = JSON.createObjectNode();
        root.set("files", entries);
        SecureFiles.writeAtomically(outDir.resolve(MANIFEST),
                (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n").getBytes(), 0644);
    }

    /** Where a rendered file goes under the output folder. */
    public static Path localPath(Path outDir, RenderedFile f) {
        String relative = f.path().startsWith("/") ? f.path().substring(1) : f.path();
        Path p = outDir.resolve(f.node()).resolve(relative).normalize();
        if (!p.startsWith(outDir.normalize())) {
            throw new IllegalArgumentException("destination escapes the output folder: " + f.path());
        }
        return p;
    }

    private static Set<Path> previousFiles(Path outDir) {
        Set<Path> files = new HashSet<>();
        Path manifest = outDir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) return files;
        try {
            JsonNode root = JSON.readTree(Files.readString(manifest));
            for (JsonNode e : root.path("files")) {
                files.add(localPath(outDir, new RenderedFile(e.path("node").asString(),
                        e.path("destination").asString(), 0, new byte[0])));
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable old manifest only means stale files stay; the new manifest is still right
        }
        return files;
    }
}
