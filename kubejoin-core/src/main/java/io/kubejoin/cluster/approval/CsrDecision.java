package io.kubejoin.cluster.approval;

import java.util.Objects;

/**
 * The policy's answer for one CSR.
 *
 * @param rule    which rule decided (its {@link Rule#verdict()} is {@link #verdict()})
 * @param message for operators; for a denial it becomes the Denied condition's message
 */
public record CsrDecision(Rule rule, String message) {
    /** Machine reason of the Denied condition kubejoin writes. */
    public static final String DENIED_REASON = "KubejoinPolicyDenied";
    /** Machine reason of the Approved condition kubejoin writes. */
    public static final String APPROVED_REASON = "KubejoinPolicyApproved";

    public CsrDecision {
        Objects.requireNonNull(rule);
        Objects.requireNonNull(message);
    }

    public Verdict verdict() {
        return rule.verdict();
    }

    /** The condition reason to write, or null when the CSR is ignored (nothing is written). */
    public String conditionReason() {
        return switch (verdict()) {
            case APPROVE -> APPROVED_REASON;
            case DENY -> DENIED_REASON;
            case IGNORE -> null;
        };
    }

    @Override
    public String toString() {
        return verdict() + " (" + rule + "): " + message;
    }
}
