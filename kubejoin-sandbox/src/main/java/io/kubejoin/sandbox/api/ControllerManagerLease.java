package io.kubejoin.sandbox.api;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * Stands for kube-controller-manager's leader election (client-go leaderelection with a Lease lock):
 * Lease kube-system/kube-controller-manager, holderIdentity {@code <host>_<uuid>}, renewed every retry
 * period while the controller-manager runs. When it stops, renewTime stops moving and the lease goes
 * stale (renewTime + leaseDurationSeconds in the past) — what kubejoin's T2 preflight looks for.
 */
final class ControllerManagerLease {
    static final String PATH = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases";
    static final String NAME = "kube-controller-manager";

    private final ObjectStore store;
    private final Clock clock;
    private final Duration leaseDuration;
    private String holder;

    ControllerManagerLease(ObjectStore store, Clock clock, Duration leaseDuration) {
        this.store = store;
        this.clock = clock;
        this.leaseDuration = leaseDuration;
    }

    /** A new process identity, as a restarted kube-controller-manager has. */
    void newHolder() {
        holder = "sandbox-controller-manager_" + UUID.randomUUID();
    }

    /** Acquires or renews the lease; the store's own optimistic concurrency settles races. */
    void renew() {
        ZonedDateTime now = ZonedDateTime.ofInstant(clock.instant().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
        var current = store.get(PATH + "/" + NAME, Lease.class);
        if (current.isEmpty()) {
            LeaseSpec spec = new LeaseSpec();
            spec.setHolderIdentity(holder);
            spec.setLeaseDurationSeconds((int) leaseDuration.toSeconds());
            spec.setAcquireTime(now);
            spec.setRenewTime(now);
            spec.setLeaseTransitions(0);
            Lease lease = new Lease();
            lease.setApiVersion("coordination.k8s.io/v1");
            lease.setKind("Lease");
            lease.setMetadata(new ObjectMetaBuilder().withName(NAME).withNamespace("kube-system").build());
            lease.setSpec(spec);
            store.call(HttpMethod.POST, PATH, lease);
            return;
        }
        Lease lease = current.get();
        LeaseSpec spec = lease.getSpec() == null ? new LeaseSpec() : lease.getSpec();
        if (!holder.equals(spec.getHolderIdentity())) {
            spec.setHolderIdentity(holder);
            spec.setAcquireTime(now);
            spec.setLeaseTransitions(spec.getLeaseTransitions() == null ? 1 : spec.getLeaseTransitions() + 1);
        }
        spec.setLeaseDurationSeconds((int) Math.max(1, leaseDuration.toSeconds()));
        spec.setRenewTime(now);
        lease.setSpec(spec);
        store.call(HttpMethod.PUT, PATH + "/" + NAME, lease);
    }
}
