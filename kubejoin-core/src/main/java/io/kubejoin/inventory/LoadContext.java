package io.kubejoin.inventory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * State shared while one inventory file is read and checked: where problems are collected and
 * which field paths the user actually wrote (on which line).
 */
final class LoadContext {
    private final Path file;
    private final Path baseDir;
    private final SourceLocations locations = new SourceLocations();
    // SourceLocations falls back to parents; this tells "written by the user" apart from "inherited"
    private final Map<String, Integer> written = new HashMap<>();
    private final List<Problem> problems = new ArrayList<>();

    LoadContext(Path file) {
        this.file = file;
        Path parent = file.toAbsolutePath().normalize().getParent();
        this.baseDir = parent == null ? Path.of("").toAbsolutePath() : parent;
    }

    Path file() {
        return file;
    }

    Path baseDir() {
        return baseDir;
    }

    SourceLocations locations() {
        return locations;
    }

    List<Problem> problems() {
        return problems;
    }

    void record(String path, int line) {
        locations.put(path, line);
        written.putIfAbsent(path, line);
    }

    boolean written(String path) {
        return written.containsKey(path);
    }

    int lineOf(String path) {
        return locations.lineOf(path);
    }

    void problem(String path, String message, String fix) {
        problems.add(new Problem(file, lineOf(path), path, message, fix));
    }

    void problemAt(int line, String path, String message, String fix) {
        problems.add(new Problem(file, line, path, message, fix));
    }
}
