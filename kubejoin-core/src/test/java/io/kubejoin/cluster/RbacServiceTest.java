package io.kubejoin.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.kubejoin.cluster.RbacService.Outcome;
import io.kubejoin.cluster.RbacService.Result;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.testing.TestInventories;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class RbacServiceTest {
    final MockCluster cluster = new MockCluster();
    final KubeConnection conn = cluster.connect();
    final RbacService rbac = new RbacService(conn);
    final Inventory inv = TestInventories.article();

    @AfterEach
    void close() {
        conn.close();
        cluster.close();
    }

    ClusterRoleBinding get(String name) {
        return conn.client().rbac().clusterRoleBindings().withName(name).get();
    }

    @Test
    void createsThenLeavesUnchanged() {
        List<Result> first = rbac.ensure(inv, false);
        assertThat(first).extracting(Result::name).containsExactly("kubelet-bootstrap", "kube-apiserver:kubelet-apis",
                "kubejoin:node-client-cert-renewal");
        assertThat(first).extracting(Result::outcome).containsOnly(Outcome.CREATED);
        assertThat(get("kube-apiserver:kubelet-apis").getSubjects().get(0).getName()).isEqualTo("kubernetes-api");
        assertThat(get("kubejoin:node-client-cert-renewal").getRoleRef().getName())
                .isEqualTo("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient");
        assertThat(get("kubejoin:node-client-cert-renewal").getSubjects().get(0).getName()).isEqualTo("system:nodes");
        assertThat(get(RbacBindings.AUTO_APPROVE_BOOTSTRAP)).as("blanket auto-approval is off by default").isNull();

        assertThat(rbac.ensure(inv, false)).extracting(Result::outcome).containsOnly(Outcome.UNCHANGED);
    }

    @Test
    void autoApprovalBindingOnlyWhenAsked() {
        List<Result> results = rbac.ensure(inv, true);
        assertThat(results).extracting(Result::name).contains(RbacBindings.AUTO_APPROVE_BOOTSTRAP);
        ClusterRoleBinding b = get(RbacBindings.AUTO_APPROVE_BOOTSTRAP);
        assertThat(b.getRoleRef().getName()).isEqualTo("system:certificates.k8s.io:certificatesigningrequests:nodeclient");
        assertThat(b.getSubjects()).extracting(s -> s.getKind() + "/" + s.getName()).containsExactly("Group/system:bootstrappers");
    }

    @Test
    void updatesDifferentSubjects() {
        // someone bound the article's binding to the wrong user
        conn.client().rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder()
                .withNewMetadata().withName("kube-apiserver:kubelet-apis").endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "system:kubelet-api-admin")
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User").withName("kube-apiserver").endSubject()
                .build()).create();
        List<Result> results = rbac.ensure(inv, false);
        Result r = results.stream().filter(x -> x.name().equals("kube-apiserver:kubelet-apis")).findFirst().orElseThrow();
        assertThat(r.outcome()).isEqualTo(Outcome.UPDATED);
        assertThat(r.detail()).contains("kube-apiserver").contains("kubernetes-api");
        assertThat(get("kube-apiserver:kubelet-apis").getSubjects()).extracting(s -> s.getName()).containsExactly("kubernetes-api");
    }

    @Test
    void replacesABindingWhoseRoleDiffers() {
        conn.client().rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder()
                .withNewMetadata().withName("kubelet-bootstrap").endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "cluster-admin")
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("Group").withName("system:bootstrappers").endSubject()
                .build()).create();
        Result r = rbac.ensure(ClusterManifestsBindings.kubeletBootstrap());
        assertThat(r.outcome()).isEqualTo(Outcome.UPDATED);
        assertThat(r.toString()).isEqualTo("clusterrolebinding kubelet-bootstrap: updated (role was ClusterRole/cluster-admin, "
                + "now ClusterRole/system:node-bootstrapper)");
        assertThat(get("kubelet-bootstrap").getRoleRef().getName()).isEqualTo("system:node-bootstrapper");
    }

    @Test
    void subjectOrderAndDefaultedApiGroupAreNotDifferences() {
        ClusterRoleBinding desired = new ClusterRoleBindingBuilder()
                .withNewMetadata().withName("x").endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "view")
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("Group").withName("a").endSubject()
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User").withName("b").endSubject()
                .build();
        conn.client().rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder(desired)
                .withSubjects(desired.getSubjects().get(1), desired.getSubjects().get(0)).build()).create();
        ClusterRoleBinding withoutGroup = new ClusterRoleBindingBuilder(desired).editFirstSubject().withApiGroup(null).endSubject().build();
        assertThat(rbac.ensure(withoutGroup).outcome()).isEqualTo(Outcome.UNCHANGED);
    }

    /** Shorthand so the test reads like the join. */
    static final class ClusterManifestsBindings {
        static ClusterRoleBinding kubeletBootstrap() {
            return io.kubejoin.render.ClusterManifests.kubeletBootstrap();
        }
    }
}
