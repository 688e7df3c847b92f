package io.kubejoin.pki;

import io.kubejoin.util.Parallel;
import java.security.KeyPair;
import java.util.concurrent.CompletableFuture;

/**
 * A key pair generated on a thread of its own while other work goes on: an RSA 2048 key takes from 0.3 to over
 * 2 s with the launcher's C1-only JIT, and a join needs one for kube-proxy's certificate only after its checks of
 * the control plane, which talk to the API server meanwhile. {@link #take} hands it over when the spec matches and
 * generates a key the ordinary way otherwise; a key nobody takes is dropped with the process (never written).
 */
public final class KeyPrefetch {
    private static final KeyPrefetch NONE = new KeyPrefetch(null, null);
    private final KeySpec spec;
    private final CompletableFuture<KeyPair> pending;
    private boolean taken;

    private KeyPrefetch(KeySpec spec, CompletableFuture<KeyPair> pending) {
        this.spec = spec;
        this.pending = pending;
    }

    /** Nothing prefetched: {@link #take} generates. */
    public static KeyPrefetch none() {
        return NONE;
    }

    /** Starts generating a key of {@code spec} on a daemon thread. */
    public static KeyPrefetch start(KeySpec spec) {
        return new KeyPrefetch(spec, Parallel.background("kubejoin-keygen", spec::generate));
    }

    /** The prefetched key when it has {@code wanted}'s spec (once), else a new one. */
    public synchronized KeyPair take(KeySpec wanted) {
        if (pending != null && !taken && spec.equals(wanted)) {
            try {
                KeyPair k = Parallel.await(pending, "generating a " + wanted + " key");
                taken = true; // a second take generates its own
                return k;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while generating a " + wanted + " key", e);
            }
        }
        return wanted.generate();
    }
}
