package io.kubejoin.doctor;

/**
 * One problem {@code kubejoin doctor} found: what is wrong, the evidence it saw (a journal line, an API field, a
 * command's output) and what to do.
 *
 * @param id   stable kebab-case name of the check or signature ("t1-bootstrap-token-auth", "swap", …)
 * @param node the node, or null for the control plane
 */
public record Diagnosis(String id, String node, String what, String evidence, String fix) {
    public String where() {
        return node == null ? "control plane" : node;
    }
}
