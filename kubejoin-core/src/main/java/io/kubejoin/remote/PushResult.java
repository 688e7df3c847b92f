package io.kubejoin.remote;

import java.util.List;

/** Per file, in the order given to {@link Transport#push}: whether the node's copy had to change. */
public record PushResult(List<FileOutcome> files) {
    public enum Status { CHANGED, UNCHANGED }

    /**
     * @param backedUp true when an older, different file was kept as {@code <name>.kubejoin-bak}
     */
    public record FileOutcome(String path, Status status, boolean backedUp) {
    }

    public PushResult {
        files = List.copyOf(files);
    }

    public List<String> changed() {
        return files.stream().filter(f -> f.status() == Status.CHANGED).map(FileOutcome::path).toList();
    }

    public boolean anyChanged() {
        return files.stream().anyMatch(f -> f.status() == Status.CHANGED);
    }
}
