package io.kubejoin.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The protobuf envelope kubectl certificate approve sends, built by hand with the generated.proto field numbers. */
class ProtobufCsrTest {
    private static void varint(ByteArrayOutputStream o, long v) {
        while ((v & ~0x7fL) != 0) {
            o.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        o.write((int) v);
    }

    private static byte[] field(int number, byte[] value) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        varint(o, (long) number << 3 | 2);
        varint(o, value.length);
        o.writeBytes(value);
        return o.toByteArray();
    }

    private static byte[] str(int number, String s) {
        return field(number, s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) o.writeBytes(p);
        return o.toByteArray();
    }

    @Test
    void readsNameVersionAndConditions() {
        ByteArrayOutputStream time = new ByteArrayOutputStream();
        varint(time, 1 << 3);
        varint(time, 1_767_225_600L); // 2026-01-01T00:00:00Z
        byte[] condition = cat(str(1, "Approved"), str(2, "KubectlApprove"), str(3, "This CSR was approved by kubectl"),
                field(4, time.toByteArray()), str(6, "True"));
        byte[] csr = cat(field(1, cat(str(1, "csr-x"), str(6, "42"))), field(2, str(1, "ignored-spec")), field(3, field(1, condition)));
        byte[] envelope = cat(new byte[] {'k', '8', 's', 0},
                field(1, cat(str(1, "certificates.k8s.io/v1"), str(2, "CertificateSigningRequest"))), field(2, csr), str(4, "application/vnd.kubernetes.protobuf"));
        var decoded = ProtobufCsr.decode(envelope);
        assertThat(decoded.getMetadata().getName()).isEqualTo("csr-x");
        assertThat(decoded.getMetadata().getResourceVersion()).isEqualTo("42");
        assertThat(decoded.getStatus().getConditions()).singleElement().satisfies(c -> {
            assertThat(c.getType()).isEqualTo("Approved");
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("KubectlApprove");
            assertThat(c.getLastUpdateTime()).isEqualTo("2026-01-01T00:00:00Z");
            assertThat(c.getLastTransitionTime()).isNull();
        });
    }

    @Test
    void refusesWhatIsNotAnEnvelope() {
        assertThatThrownBy(() -> ProtobufCsr.decode("{}".getBytes())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProtobufCsr.decode(new byte[] {'k', '8', 's', 0, 0x12, 0x7f})).isInstanceOf(IllegalArgumentException.class);
    }
}
