package io.kubejoin.bench;

/** The main class of the one-class jar with which JvmFlagsTest checks that a real JVM uses the launcher's archive. */
public final class CdsProbe {
    static final String GREETING = "cds probe";

    private CdsProbe() {
    }

    public static void main(String[] args) {
        System.out.println(GREETING);
    }
}
