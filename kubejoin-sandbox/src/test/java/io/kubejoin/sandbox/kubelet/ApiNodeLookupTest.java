package io.kubejoin.sandbox.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import io.kubejoin.sandbox.api.SandboxApiServer;
import io.kubejoin.sandbox.node.SimulatorRuntime;

/** kube-proxy's Node lookup as the sandbox makes it: a GET of the Node from the API server, over HTTPS. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ApiNodeLookupTest {
    static SimulatorRuntime runtime;
    static SandboxApiServer server;

    @BeforeAll
    static void start() {
        runtime = SimulatorRuntime.create();
        server = SandboxApiServer.start(SandboxApiServer.Options.defaults().withSigner(false));
    }

    @AfterAll
    static void stop() {
        server.close();
        runtime.close();
    }

    private String lookUp(ApiNodeLookup lookup, String name) throws Exception {
        return lookup.addressAsync(name, runtime).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    @Test
    void noNodeYetThenItsInternalIpElseItsExternalIp() throws Exception {
        ApiNodeLookup lookup = new ApiNodeLookup(server.url(), server.caCertificatePem(), server.adminToken());
        assertThat(lookUp(lookup, "lookup-1")).as("404 while the Node does not exist").isNull();
        KubernetesClient admin = server.adminClient();
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("lookup-1").endMetadata()
                .withNewStatus().addNewAddress().withType("Hostname").withAddress("lookup-1").endAddress()
                .addNewAddress().withType("ExternalIP").withAddress("127.0.3.2").endAddress()
                .addNewAddress().withType("InternalIP").withAddress("127.0.3.1").endAddress().endStatus().build()).create();
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("lookup-2").endMetadata()
                .withNewStatus().addNewAddress().withType("ExternalIP").withAddress("127.0.3.9").endAddress().endStatus().build()).create();
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("lookup-3").endMetadata().build()).create();
        assertThat(lookUp(lookup, "lookup-1")).isEqualTo("127.0.3.1");
        assertThat(lookUp(lookup, "lookup-2")).isEqualTo("127.0.3.9");
        assertThat(lookUp(lookup, "lookup-3")).as("a Node without addresses").isNull();
    }

    @Test
    void aRefusedRequestFailsTheLookup() {
        ApiNodeLookup lookup = new ApiNodeLookup(server.url(), server.caCertificatePem(), "not-a-token");
        assertThat(lookup.addressAsync("lookup-1", runtime).toCompletionStage().toCompletableFuture())
                .failsWithin(20, TimeUnit.SECONDS);
    }
}
