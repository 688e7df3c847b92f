package io.kubejoin.inventory;

/** A taint the node registers with; effect is NoSchedule, PreferNoSchedule or NoExecute. */
public record Taint(String key, String value, String effect) {
    /** "key=value:Effect" as --register-with-taints takes it. */
    public String toFlagValue() {
        return key + (value == null || value.isEmpty() ? "" : "=" + value) + ":" + effect;
    }
}
