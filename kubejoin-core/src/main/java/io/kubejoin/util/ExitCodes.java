package io.kubejoin.util;

/**
 * The exit codes every command ends with. They live in core, not in the CLI, because the code that finds a
 * failure (an unreachable cluster, a bad inventory) is the code that knows which of them it is.
 */
public final class ExitCodes {
    /** Everything asked for was done, or nothing was wrong. */
    public static final int OK = 0;
    /** A node or the cluster failed: a re-run after the fix may succeed. */
    public static final int FAILED = 1;
    /** The input is wrong (inventory, flags, files): nothing was changed. */
    public static final int BAD_INPUT = 2;

    /** plan (as {@code kubectl diff}): the nodes differ from what join would make them. */
    public static final int CHANGES_PENDING = 1;
    /** plan (as {@code kubectl diff}, whose errors are above 1): a node could not be read. */
    public static final int PLAN_ERROR = 3;

    private ExitCodes() {
    }
}
