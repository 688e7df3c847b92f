package io.kubejoin.join;

import java.util.List;

/**
 * What a phase did on one node.
 *
 * @param changed      whether the node is different afterwards (files written, service restarted)
 * @param summary      one line for the report
 * @param changedFiles destination paths written
 */
public record PhaseResult(boolean changed, String summary, List<String> changedFiles) {
    public static PhaseResult unchanged(String summary) {
        return new PhaseResult(false, summary, List.of());
    }

    public static PhaseResult changed(String summary) {
        return new PhaseResult(true, summary, List.of());
    }
}
