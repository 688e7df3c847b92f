package io.kubejoin.sandbox.api;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the one protobuf body kubejoin's users send by hand: {@code kubectl certificate approve|deny}, which
 * PUTs the CSR to /approval as {@code application/vnd.kubernetes.protobuf} (kube-apiserver's protobuf
 * serializer: "k8s\0" + runtime.Unknown wrapping the certificates.k8s.io/v1 message). Only what the approval
 * strategy uses is read: metadata.name, metadata.resourceVersion and status.conditions (field numbers from
 * k8s.io/api/certificates/v1/generated.proto and apimachinery's generated.proto).
 */
final class ProtobufCsr {
    private static final byte[] MAGIC = {'k', '8', 's', 0};

    private ProtobufCsr() {
    }

    static CertificateSigningRequest decode(byte[] body) {
        if (body.length < 4 || !Arrays.equals(Arrays.copyOf(body, 4), MAGIC)) throw new IllegalArgumentException("not a kubernetes protobuf envelope");
        byte[] raw = null;
        for (Field f : fields(body, 4, body.length)) {
            if (f.number == 2) raw = f.bytes(body); // runtime.Unknown.raw
        }
        if (raw == null) throw new IllegalArgumentException("empty protobuf envelope");
        CertificateSigningRequest csr = new CertificateSigningRequest();
        ObjectMeta meta = new ObjectMeta();
        csr.setMetadata(meta);
        for (Field f : fields(raw, 0, raw.length)) {
            if (f.number == 1) { // metadata
                for (Field m : fields(raw, f.start, f.end)) {
                    if (m.number == 1) meta.setName(m.string(raw));
                    if (m.number == 6) meta.setResourceVersion(m.string(raw));
                }
            } else if (f.number == 3) { // status
                List<CertificateSigningRequestCondition> conditions = new ArrayList<>();
                for (Field s : fields(raw, f.start, f.end)) {
                    if (s.number == 1) conditions.add(condition(raw, s));
                }
                csr.setStatus(new CertificateSigningRequestStatus(null, conditions));
            }
        }
        return csr;
    }

    private static CertificateSigningRequestCondition condition(byte[] b, Field c) {
        CertificateSigningRequestCondition out = new CertificateSigningRequestCondition();
        for (Field f : fields(b, c.start, c.end)) {
            switch (f.number) {
                case 1 -> out.setType(f.string(b));
                case 2 -> out.setReason(f.string(b));
                case 3 -> out.setMessage(f.string(b));
                case 4 -> out.setLastUpdateTime(time(b, f));
                case 5 -> out.setLastTransitionTime(time(b, f));
                case 6 -> out.setStatus(f.string(b));
                default -> {
                }
            }
        }
        return out;
    }

    /** metav1.Time: seconds (1), nanos (2); the zero time is "unset". */
    private static String time(byte[] b, Field t) {
        long seconds = 0;
        for (Field f : fields(b, t.start, t.end)) {
            if (f.number == 1) seconds = f.varint;
        }
        return seconds == 0 ? null : CsrRegistry.time(Instant.ofEpochSecond(seconds));
    }

    private record Field(int number, int wireType, long varint, int start, int end) {
        byte[] bytes(byte[] b) {
            return Arrays.copyOfRange(b, start, end);
        }

        String string(byte[] b) {
            return new String(b, start, end - start, StandardCharsets.UTF_8);
        }
    }

    /** The fields of one message in b[from, to): varints and length-delimited fields; fixed-width ones are skipped. */
    private static List<Field> fields(byte[] b, int from, int to) {
        List<Field> out = new ArrayList<>();
        int[] pos = {from};
        while (pos[0] < to) {
            long key = varint(b, pos, to);
            int number = (int) (key >>> 3);
            int wire = (int) (key & 7);
            switch (wire) {
                case 0 -> out.add(new Field(number, wire, varint(b, pos, to), 0, 0));
                case 2 -> {
                    long len = varint(b, pos, to);
                    if (len < 0 || pos[0] + len > to) throw new IllegalArgumentException("truncated protobuf field " + number);
                    out.add(new Field(number, wire, 0, pos[0], (int) (pos[0] + len)));
                    pos[0] += (int) len;
                }
                case 1 -> pos[0] += 8;
                case 5 -> pos[0] += 4;
                default -> throw new IllegalArgumentException("unsupported protobuf wire type " + wire);
            }
        }
        if (pos[0] != to) throw new IllegalArgumentException("truncated protobuf message");
        return out;
    }

    private static long varint(byte[] b, int[] pos, int to) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= to) throw new IllegalArgumentException("truncated protobuf varint");
            byte x = b[pos[0]++];
            v |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) return v;
        }
        throw new IllegalArgumentException("protobuf varint too long");
    }
}
