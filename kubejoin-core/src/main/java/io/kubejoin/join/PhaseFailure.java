package io.kubejoin.join;

import java.util.List;

/**
 * A phase could not do its job on a node. Carries what the operator needs: what failed, a hint, the unit's last
 * journal lines where a service failed, and whether trying again may help (a dropped connection) or not.
 */
public class PhaseFailure extends Exception {
    private final String hint;
    private final List<String> journal;
    private final boolean transientFailure;

    public PhaseFailure(String message, String hint, List<String> journal, boolean transientFailure, Throwable cause) {
        super(message, cause);
        this.hint = hint == null ? "" : hint;
        this.journal = journal == null ? List.of() : List.copyOf(journal);
        this.transientFailure = transientFailure;
    }

    public PhaseFailure(String message, String hint) {
        this(message, hint, List.of(), false, null);
    }

    public String hint() {
        return hint;
    }

    public List<String> journal() {
        return journal;
    }

    public boolean isTransient() {
        return transientFailure;
    }
}
