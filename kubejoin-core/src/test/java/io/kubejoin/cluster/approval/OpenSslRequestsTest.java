package io.kubejoin.cluster.approval;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.pki.OpenSsl;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/** openssl, an implementation independent of the one under test, writes and checks requests. */
class OpenSslRequestsTest {
    @TempDir
    Path dir;

    final CsrPolicy policy = new CsrPolicy();

    @Tag("hostile")
    @Test
    void servingRequestWrittenByOpensslIsApprovedAndForgedOneDenied() throws Exception {
        OpenSsl.ok(dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-subj", "/O=system:nodes/CN=system:node:worker-1",
                "-addext", "subjectAltName=DNS:worker-1,IP:10.0.0.11", "-keyout", "k.pem", "-out", "ok.pem");
        OpenSsl.ok(dir, "req", "-new", "-key", "k.pem", "-subj", "/O=system:nodes/CN=system:node:worker-1",
                "-addext", "subjectAltName=DNS:worker-1,IP:10.0.0.12", "-out", "forged.pem");
        String ok = TestCsrs.base64(Files.readString(dir.resolve("ok.pem")));
        String forged = TestCsrs.base64(Files.readString(dir.resolve("forged.pem")));

        assertThat(policy.decide(TestCsrs.serving("worker-1", ok), CsrPolicyTest.CONTEXT).verdict())
                .isEqualTo(Verdict.APPROVE);
        CsrDecision d = policy.decide(TestCsrs.serving("worker-1", forged), CsrPolicyTest.CONTEXT);
        assertThat(d.rule()).isEqualTo(Rule.IP_SAN);
        assertThat(d.message()).contains("10.0.0.12 is an inventory address of node worker-2");
    }

    @Test
    void requestsBuiltByTheTestsVerifyWithOpenssl() throws Exception {
        Files.writeString(dir.resolve("bc.pem"), new String(java.util.Base64.getDecoder().decode(
                TestCsrs.nodeRequest("worker-1").dns("worker-1").ip("10.0.0.11").specRequest())));
        OpenSsl.Result r = OpenSsl.run(dir, "req", "-in", "bc.pem", "-noout", "-verify");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out() + r.err()).contains("verify OK");
        // and the forged proof of possession is refused by openssl too (openssl 3 still exits 0 here)
        Files.writeString(dir.resolve("bad.pem"), new String(java.util.Base64.getDecoder().decode(
                TestCsrs.nodeRequest("worker-1").signedBy(TestCsrs.p256()).specRequest())));
        OpenSsl.Result bad = OpenSsl.run(dir, "req", "-in", "bad.pem", "-noout", "-verify");
        assertThat(bad.out() + bad.err()).contains("verify failure").doesNotContain("verify OK");
    }
}
