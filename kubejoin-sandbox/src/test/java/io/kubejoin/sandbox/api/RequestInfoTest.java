package io.kubejoin.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestInfoTest {
    @Test
    void parsesResourcePathsAsRequestInfoFactoryDoes() {
        RequestInfo a = RequestInfo.parse("PUT", "/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1/approval");
        assertThat(a).isEqualTo(new RequestInfo(true, "update", "/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1/approval",
                "certificates.k8s.io", "v1", "", "certificatesigningrequests", "csr-1", "approval"));
        RequestInfo b = RequestInfo.parse("GET", "/api/v1/namespaces/kube-system/secrets?labelSelector=a%3Db");
        assertThat(b.verb()).isEqualTo("list");
        assertThat(b.namespace()).isEqualTo("kube-system");
        assertThat(b.resource()).isEqualTo("secrets");
        assertThat(RequestInfo.parse("GET", "/api/v1/nodes?watch=true&resourceVersion=0").verb()).isEqualTo("watch");
        assertThat(RequestInfo.parse("GET", "/api/v1/namespaces/default").resource()).isEqualTo("namespaces");
        assertThat(RequestInfo.parse("GET", "/api/v1/namespaces/default").name()).isEqualTo("default");
        assertThat(RequestInfo.parse("DELETE", "/api/v1/namespaces/x/pods").verb()).isEqualTo("deletecollection");
        assertThat(RequestInfo.parse("GET", "/version").resourceRequest()).isFalse();
        assertThat(RequestInfo.parse("GET", "/apis/certificates.k8s.io/v1").resourceRequest()).isFalse();
    }
}
