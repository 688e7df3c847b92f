package io.kubejoin.cluster;

import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.kubejoin.inventory.Inventory;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** K8, K9: makes the cluster's ClusterRoleBindings match what a join needs, and says what it changed. */
public final class RbacService {
    private static final Logger log = LoggerFactory.getLogger(RbacService.class);

    public enum Outcome { CREATED, UNCHANGED, UPDATED }

    /** What happened to one binding. */
    public record Result(String name, Outcome outcome, String detail) {
        @Override
        public String toString() {
            return "clusterrolebinding " + name + ": " + outcome.name().toLowerCase() + (detail.isEmpty() ? "" : " (" + detail + ")");
        }
    }

    private final KubeConnection conn;

    public RbacService(KubeConnection conn) {
        this.conn = conn;
    }

    /**
     * Ensures kubelet-bootstrap, kube-apiserver:kubelet-apis, kubejoin:node-client-cert-renewal and, only when
     * asked, the blanket auto-approval binding. Safe to run again: unchanged bindings are not written.
     */
    public List<Result> ensure(Inventory inv, boolean autoApproveBootstrapClients) {
        List<Result> out = new ArrayList<>();
        for (ClusterRoleBinding b : RbacBindings.forJoin(inv, autoApproveBootstrapClients)) {
            out.add(ensure(b));
        }
        return out;
    }

    /** Creates the binding, leaves it when roleRef and subjects already match, else makes them match. */
    public Result ensure(ClusterRoleBinding desired) {
        String name = desired.getMetadata().getName();
        var bindings = conn.client().rbac().clusterRoleBindings();
        ClusterRoleBinding current = conn.call(Access.cluster("get", "clusterrolebindings"),
                () -> bindings.withName(name).get());
        Result result;
        if (current == null) {
            conn.run(Access.cluster("create", "clusterrolebindings"), () -> bindings.resource(desired).create());
            result = new Result(name, Outcome.CREATED, "");
        } else if (!sameRoleRef(current.getRoleRef(), desired.getRoleRef())) {
            // roleRef is immutable on a real server: an update would be refused, so replace the binding
            conn.run(Access.cluster("delete", "clusterrolebindings"), () -> bindings.withName(name).delete());
            conn.run(Access.cluster("create", "clusterrolebindings"), () -> bindings.resource(desired).create());
            result = new Result(name, Outcome.UPDATED, "role was " + describe(current.getRoleRef()) + ", now "
                    + describe(desired.getRoleRef()));
        } else if (!subjects(current).equals(subjects(desired))) {
            ClusterRoleBinding updated = new ClusterRoleBindingBuilder(current)
                    .withSubjects(desired.getSubjects())
                    .build();
            conn.run(Access.cluster("update", "clusterrolebindings"), () -> bindings.resource(updated).update());
            result = new Result(name, Outcome.UPDATED, "subjects were " + subjects(current) + ", now " + subjects(desired));
        } else {
            result = new Result(name, Outcome.UNCHANGED, "");
        }
        log.debug("{}", result);
        return result;
    }

    static boolean sameRoleRef(RoleRef a, RoleRef b) {
        if (a == null || b == null) return a == b;
        return Objects.equals(a.getKind(), b.getKind()) && Objects.equals(a.getName(), b.getName())
                && Objects.equals(group(a.getApiGroup()), group(b.getApiGroup()));
    }

    private static String describe(RoleRef r) {
        return r == null ? "none" : r.getKind() + "/" + r.getName();
    }

    /** Subjects as comparable strings; order does not matter, and the API group is defaulted as the server does. */
    static Set<String> subjects(ClusterRoleBinding b) {
        if (b.getSubjects() == null) return Set.of();
        return b.getSubjects().stream().map(RbacService::key).collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    private static String key(Subject s) {
        String apiGroup = "ServiceAccount".equals(s.getKind()) ? "" : group(s.getApiGroup());
        String ns = s.getNamespace() == null || s.getNamespace().isEmpty() ? "" : s.getNamespace() + "/";
        return s.getKind() + ":" + ns + s.getName() + (apiGroup.isEmpty() ? "" : "@" + apiGroup);
    }

    private static String group(String g) {
        return g == null || g.isEmpty() ? "rbac.authorization.k8s.io" : g;
    }
}
