package io.kubejoin.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.kubejoin.inventory.InvalidInputException;
import io.kubejoin.inventory.Problem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bouncycastle.asn1.DERPrintableString;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

class CsrSpecTest {
    @TempDir
    Path dir;

    private static List<Problem> problems(Throwable t) {
        assertThat(t).isInstanceOf(InvalidInputException.class);
        return ((InvalidInputException) t).problems();
    }

    @Test
    void parsesTheArticlesCsr() {
        CsrSpec csr = CsrSpec.parse(CertificateIssuerTest.ARTICLE_CSR, null, "f");

        assertThat(csr.commonName()).isEqualTo("system:kube-proxy");
        assertThat(csr.key()).isEqualTo(KeySpec.RSA_2048);
        assertThat(csr.names()).containsExactly(new CsrName("CN", "NanJing", "NanJing", "system:kube-proxy", "system", null));
        assertThat(csr.hosts()).isEmpty();
        assertThat(csr.subject().toString()).isEqualTo("C=CN,ST=NanJing,L=NanJing,O=system:kube-proxy,OU=system,CN=system:kube-proxy");
    }

    @Test
    void stringsArePrintableWhenTheyFitElseUtf8AsGo() {
        RDN[] rdns = CsrSpec.parse(CertificateIssuerTest.ARTICLE_CSR, null, "f").subject().getRDNs();
        assertThat(rdns[0].getFirst().getType()).isEqualTo(BCStyle.C);
        assertThat(rdns[0].getFirst().getValue()).isInstanceOf(DERPrintableString.class);
        assertThat(rdns[5].getFirst().getValue()).isInstanceOf(DERPrintableString.class); // ':' is in PrintableString's set
        RDN[] other = CsrSpec.parse("{\"CN\": \"x\", \"names\": [{\"O\": \"team_a\"}]}", null, "f").subject().getRDNs();
        assertThat(other[0].getFirst().getValue()).isInstanceOf(DERUTF8String.class); // '_' is not
    }

    @Test
    void keyDefaultsToCfsslsEcdsaP256AndKeysAreCaseInsensitiveAsGoJson() {
        CsrSpec csr = CsrSpec.parse("{\"cn\": \"x\", \"NAMES\": [{\"o\": \"g1\"}, {\"O\": \"g2\"}]}", null, "f");

        assertThat(csr.key()).isEqualTo(KeySpec.ECDSA_256);
        assertThat(csr.subject().toString()).isEqualTo("O=g1,O=g2,CN=x");
    }

    @Tag("hostile")
    @Test
    void badFieldsAreEachReportedAgainstTheFileAndField() throws Exception {
        Path f = dir.resolve("kube-proxy-csr.json");
        Files.writeString(f, """
                {"CN": "system:kube-proxy", "key": {"algo": "dsa", "size": 1024},
                 "names": [{"0": "system:kube-proxy"}], "hosts": "node1", "extensions": []}
                """);

        List<Problem> ps = problems(catchThrowable(() -> CsrSpec.load(f, "pki.kubeProxyCsr")));

        assertThat(ps).allSatisfy(p -> {
            assertThat(p.file()).isEqualTo(f);
            assertThat(p.fieldPath()).isEqualTo("pki.kubeProxyCsr");
        });
        assertThat(ps).extracting(Problem::message)
                .anyMatch(m -> m.contains("key.algo") && m.contains("dsa"))
                .anyMatch(m -> m.contains("names[0].0"))
                .anyMatch(m -> m.contains("hosts: must be a list"))
                .anyMatch(m -> m.contains("\"extensions\" is not supported"));
    }

    @Test
    void keySizesFollowCfssl() {
        assertThat(problems(catchThrowable(() -> CsrSpec.parse("{\"CN\":\"x\",\"key\":{\"algo\":\"rsa\",\"size\":1024}}", null, "f")))
                .get(0).message()).contains("2048");
        assertThat(problems(catchThrowable(() -> CsrSpec.parse("{\"CN\":\"x\",\"key\":{\"algo\":\"ecdsa\",\"size\":2048}}", null, "f")))
                .get(0).message()).contains("256, 384 or 521");
        assertThat(CsrSpec.parse("{\"CN\":\"x\",\"key\":{\"algo\":\"ecdsa\",\"size\":384}}", null, "f").key())
                .isEqualTo(new KeySpec(KeySpec.Algorithm.ECDSA, 384));
    }

    @Tag("hostile")
    @Test
    void emptySubjectAndBadJsonAreProblems() {
        assertThat(problems(catchThrowable(() -> CsrSpec.parse("{\"key\":{\"algo\":\"rsa\",\"size\":2048}}", null, "f")))
                .get(0).message()).contains("empty subject");
        assertThat(problems(catchThrowable(() -> CsrSpec.parse("[1]", null, "f"))).get(0).message()).contains("not a JSON object");
        assertThat(problems(catchThrowable(() -> CsrSpec.parse("{", null, "f"))).get(0).message()).contains("not valid JSON");
    }

    @Test
    void kubeProxyDefaultIsCnAndOSystemKubeProxyRsa2048() {
        CsrSpec csr = KubeProxyCertificate.csr(null, "pki.kubeProxyCsr");

        assertThat(csr.subject().toString()).isEqualTo("O=system:kube-proxy,OU=system,CN=system:kube-proxy");
        assertThat(csr.key()).isEqualTo(KeySpec.RSA_2048);
    }

    @Tag("hostile")
    @Test
    void kubeProxyCsrWithAnotherCnIsRefused() throws Exception {
        Path f = dir.resolve("csr.json");
        Files.writeString(f, "{\"CN\": \"kube-proxy\", \"names\": [{\"O\": \"system:kube-proxy\"}]}");

        Problem p = problems(catchThrowable(() -> KubeProxyCertificate.csr(f, "pki.kubeProxyCsr"))).get(0);

        assertThat(p.file()).isEqualTo(f);
        assertThat(p.fieldPath()).isEqualTo("pki.kubeProxyCsr");
        assertThat(p.message()).contains("\"kube-proxy\"").contains("system:kube-proxy");
    }

    @Tag("hostile")
    @Test
    void kubeProxyProfileNeedsClientAuth() {
        CaConfig c = CaConfig.parse("{\"signing\":{\"profiles\":{\"server\":{\"usages\":[\"signing\",\"server auth\"],\"expiry\":\"1h\"}}}}", null, "x");

        Problem p = problems(catchThrowable(() -> KubeProxyCertificate.checkProfile(c.profile("server", "pki.profile"), c, "pki.profile"))).get(0);

        assertThat(p.message()).contains("client auth");
        assertThat(KubeProxyCertificate.checkProfile(SigningProfile.kubernetes(), c, "pki.profile")).isNotNull();
    }
}
