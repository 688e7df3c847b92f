package io.kubejoin.output;

import io.kubejoin.render.RenderedFile;
import io.kubejoin.util.SecureFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes rendered files as {@code DIR/<node>/<absolute destination path>} and {@code DIR/cluster/<name>},
 * each with its destination's mode, plus {@code DIR/manifest.json} listing node, destination, mode and sha256.
 * Files a previous render listed but this one does not (a node removed from the inventory) are deleted,
 * so the folder always matches the manifest.
 *
 * <p>It streams: one unit (a node, or the cluster manifests) is rendered, written and dropped at a time on each
 * writer thread, and the manifest is written entry by entry, so memory stays flat in the number of nodes.
 *
 * <p>The folder holds bootstrap tokens and keys, so it is 0700 and must be this user's: no other local user can
 * then plant anything in it, and a symbolic link found inside (left from before) is refused, never written through.
 */
public final class RenderOutput {
    public static final String MANIFEST = "manifest.json";
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final int WRITER_THREADS = 8;
    /** Units rendered or being written at once: enough to keep every writer thread busy, few enough to stay small. */
    private static final int IN_FLIGHT = 2 * WRITER_THREADS;
    private static final int FOLDER_MODE = 0700;

    private RenderOutput() {
    }

    /** Renders one unit: a node's files, or for {@link RenderedFile#CLUSTER} the cluster manifests. */
    @FunctionalInterface
    public interface UnitRenderer {
        List<RenderedFile> render(String unit);
    }

    /** What was written: how many node files and cluster manifests. */
    public record Written(long nodeFiles, long clusterFiles) {
    }

    /** All files at once (tests, small sets): grouped by node and written as {@link #write(Path, List, UnitRenderer)} does. */
    public static Written write(Path outDir, List<RenderedFile> files) throws IOException {
        Map<String, List<RenderedFile>> byUnit = new LinkedHashMap<>();
        for (RenderedFile f : files) byUnit.computeIfAbsent(f.node(), n -> new ArrayList<>()).add(f);
        return write(outDir, new ArrayList<>(byUnit.keySet()), byUnit::get);
    }

    /**
     * Renders each unit with {@code render} on a few threads and writes its files as soon as they are made; the
     * manifest lists them sorted by node, then destination, whatever the order of {@code units}.
     */
    public static Written write(Path outDir, List<String> units, UnitRenderer render) throws IOException {
        SecureFiles.createPrivateDirectory(outDir, FOLDER_MODE);
        List<String> sorted = units.stream().distinct().sorted().toList();
        // each node's set of destinations, shared between nodes that have the same one: what the old manifest is
        // compared with, a few bytes per node
        Map<String, Set<String>> writtenPaths = new HashMap<>();
        Map<Set<String>, Set<String>> canonical = new HashMap<>();
        long[] counts = new long[2];
        try (SecureFiles.AtomicFile manifest = SecureFiles.create(outDir.resolve(MANIFEST), 0644, false)) {
            java.io.OutputStream out = manifest.out();
            try (JsonGenerator gen = JSON.writerWithDefaultPrettyPrinter().createGenerator(out)) {
                gen.writeStartObject();
                gen.writeName("files");
                gen.writeStartArray();
                writeUnits(outDir, sorted, render, unitEntries -> {
                    Set<String> paths = new HashSet<>();
                    for (Entry e : unitEntries) {
                        gen.writeStartObject();
                        gen.writeStringProperty("node", e.node());
                        gen.writeStringProperty("destination", e.destination());
                        gen.writeStringProperty("mode", e.mode());
                        gen.writeStringProperty("sha256", e.sha256());
                        gen.writeNumberProperty("size", e.size());
                        gen.writeEndObject();
                        paths.add(e.destination());
                        counts[e.node().equals(RenderedFile.CLUSTER) ? 1 : 0]++;
                    }
                    if (!unitEntries.isEmpty()) {
                        writtenPaths.put(unitEntries.get(0).node(), canonical.computeIfAbsent(paths, p -> p));
                    }
                });
                gen.writeEndArray();
                gen.writeEndObject();
            }
            out.write('\n');
            out.close();
            deleteStale(outDir, writtenPaths); // reads the old manifest, which the commit replaces
            manifest.commit();
        }
        return new Written(counts[0], counts[1]);
    }

    /** One manifest line: what the manifest says of a written file (its bytes already dropped). */
    private record Entry(String node, String destination, String mode, String sha256, int size) {
    }

    private interface EntrySink {
        void accept(List<Entry> unitEntries) throws IOException;
    }

    /**
     * Units on a few threads, at most {@link #IN_FLIGHT} at once, their entries handed on in the units' order.
     * Creating files and folders costs a synchronous metadata round trip in the kernel each (measured: ~0.6 ms per
     * file on this machine's disk), so overlapping them pays off even on two cores.
     */
    private static void writeUnits(Path outDir, List<String> units, UnitRenderer render, EntrySink sink) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(WRITER_THREADS, r -> {
            Thread t = new Thread(r, "kubejoin-render-writer");
            t.setDaemon(true);
            return t;
        });
        try {
            ArrayDeque<Future<List<Entry>>> pending = new ArrayDeque<>();
            int next = 0;
            while (next < units.size() || !pending.isEmpty()) {
                while (next < units.size() && pending.size() < IN_FLIGHT) {
                    String unit = units.get(next++);
                    pending.add(pool.submit(() -> writeUnit(outDir, unit, render.render(unit))));
                }
                sink.accept(await(pending.poll(), outDir));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<Entry> await(Future<List<Entry>> f, Path outDir) throws IOException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing " + outDir, e);
        }
    }

    /** Writes one unit's files (sorted by destination) and returns their manifest entries. */
    private static List<Entry> writeUnit(Path outDir, String unit, List<RenderedFile> files) throws IOException {
        List<RenderedFile> sorted = new ArrayList<>(files);
        sorted.sort(Comparator.comparing(RenderedFile::path));
        Set<Path> folders = new HashSet<>(); // checked already for this unit
        List<Entry> entries = new ArrayList<>(sorted.size());
        for (RenderedFile f : sorted) {
            if (!f.node().equals(unit)) throw new IllegalArgumentException(f.node() + "'s file " + f.path() + " rendered as " + unit + "'s");
            Path target = localPath(outDir, f);
            createFolders(outDir, target.getParent(), folders);
            writeIfChanged(target, f);
            entries.add(new Entry(f.node(), f.path(), f.modeString(), f.sha256(), f.content().length));
        }
        return entries;
    }

    /** Every folder from the output folder down to {@code dir}: created 0700, or checked to be a real folder. */
    private static void createFolders(Path outDir, Path dir, Set<Path> checked) throws IOException {
        Path root = outDir.normalize();
        if (dir.equals(root) || checked.contains(dir)) return;
        createFolders(outDir, dir.getParent(), checked);
        SecureFiles.createSubdirectory(dir, FOLDER_MODE);
        checked.add(dir);
    }

    /** An unchanged file is left alone, so mtimes tell a person what a re-render changed. */
    private static void writeIfChanged(Path target, RenderedFile f) throws IOException {
        // a symbolic link at the destination is replaced, never followed nor kept, even if it points at the same bytes
        if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && SecureFiles.modeNoFollow(target) == f.mode()
                && Files.size(target) == f.content().length && Arrays.equals(Files.readAllBytes(target), f.content())) {
            return;
        }
        SecureFiles.writeAtomically(target, f.content(), f.mode());
    }

    /** Where a rendered file goes under the output folder. */
    public static Path localPath(Path outDir, RenderedFile f) {
        return localPath(outDir, f.node(), f.path());
    }

    private static Path localPath(Path outDir, String node, String destination) {
        String relative = destination.startsWith("/") ? destination.substring(1) : destination;
        Path p = outDir.resolve(node).resolve(relative).normalize();
        if (!p.startsWith(outDir.normalize())) {
            throw new IllegalArgumentException("destination escapes the output folder: " + destination);
        }
        return p;
    }

    /**
     * Deletes what the previous manifest listed and this render did not write, read entry by entry. An unreadable
     * old manifest only means stale files stay; nothing is deleted through a symbolic link.
     */
    private static void deleteStale(Path outDir, Map<String, Set<String>> written) throws IOException {
        Path manifest = outDir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest, LinkOption.NOFOLLOW_LINKS)) return;
        List<Path> stale = new ArrayList<>();
        try (InputStream in = Files.newInputStream(manifest, LinkOption.NOFOLLOW_LINKS);
             JsonParser p = JSON.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return;
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (!name.equals("files") || value != JsonToken.START_ARRAY) {
                    p.skipChildren();
                    continue;
                }
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    String node = null;
                    String destination = null;
                    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                        String field = p.currentName();
                        p.nextToken();
                        if (field.equals("node")) node = p.getValueAsString();
                        else if (field.equals("destination")) destination = p.getValueAsString();
                        else p.skipChildren();
                    }
                    if (node == null || destination == null) continue;
                    Set<String> now = written.get(node);
                    if (now == null || !now.contains(destination)) stale.add(localPath(outDir, node, destination));
                }
            }
        } catch (IOException | RuntimeException e) {
            return; // the new manifest is still right; only stale files stay
        }
        for (Path s : stale) {
            if (!throughLink(outDir, s)) Files.deleteIfExists(s);
        }
    }

    /** Whether a folder between the output folder and {@code file} is a symbolic link. */
    private static boolean throughLink(Path outDir, Path file) {
        Path root = outDir.normalize();
        for (Path d = file.getParent(); d != null && !d.equals(root); d = d.getParent()) {
            if (Files.isSymbolicLink(d)) return true;
        }
        return false;
    }
}
