package io.kubejoin.sandbox.kubelet;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** The timed wait of the simulators' await methods: on a monitor the caller holds, until a condition or a deadline. */
final class Monitors {
    private Monitors() {
    }

    /**
     * Waits on {@code lock} (held by the caller, and notified when the state changes) while {@code waiting} is true,
     * at most {@code timeout}.
     */
    static void waitWhile(Object lock, BooleanSupplier waiting, long timeout, TimeUnit unit) throws InterruptedException {
        long end = System.nanoTime() + unit.toNanos(timeout);
        while (waiting.getAsBoolean()) {
            long left = end - System.nanoTime();
            if (left <= 0) return;
            TimeUnit.NANOSECONDS.timedWait(lock, left);
        }
    }
}
