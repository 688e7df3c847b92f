package io.kubejoin.sandbox.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The kubelet's CSR watch decodes each line of the stream once, into the typed event: the same type and object as the
 * former three passes (a map, the object written back, read again as a CSR), for every kind of line the API server sends.
 */
class CsrWatchDecodeTest {
    private static final String ISSUED = "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"CertificateSigningRequest\","
            + "\"apiVersion\":\"certificates.k8s.io/v1\",\"metadata\":{\"name\":\"csr-abc\",\"resourceVersion\":\"7\"},"
            + "\"spec\":{\"request\":\"UkVR\",\"signerName\":\"kubernetes.io/kube-apiserver-client-kubelet\","
            + "\"usages\":[\"digital signature\",\"client auth\"]},\"status\":{\"certificate\":\"Q0VSVA==\","
            + "\"conditions\":[{\"type\":\"Approved\",\"status\":\"True\",\"reason\":\"AutoApproved\"}]}}}";
    private static final String DELETED = "{\"type\":\"DELETED\",\"object\":{\"kind\":\"CertificateSigningRequest\","
            + "\"apiVersion\":\"certificates.k8s.io/v1\",\"metadata\":{\"name\":\"csr-abc\"}}}";
    private static final String OTHER = "{\"type\":\"ADDED\",\"object\":{\"kind\":\"CertificateSigningRequest\","
            + "\"apiVersion\":\"certificates.k8s.io/v1\",\"metadata\":{\"name\":\"csr-other\"},\"spec\":{}}}";
    private static final String BOOKMARK = "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"CertificateSigningRequest\","
            + "\"apiVersion\":\"certificates.k8s.io/v1\",\"metadata\":{\"resourceVersion\":\"12\"}}}";
    private static final String ERROR = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
            + "\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version\",\"reason\":\"Expired\",\"code\":410}}";
    private static final String NO_OBJECT = "{\"type\":\"ADDED\"}";

    /** What the watch did before: three passes. */
    private static CsrWatch.Event threePasses(String line) {
        Map<?, ?> event = Serialization.unmarshal(line, Map.class);
        Object object = event.get("object");
        CertificateSigningRequest csr = object == null ? null
                : Serialization.unmarshal(Serialization.asJson(object), CertificateSigningRequest.class);
        return new CsrWatch.Event((String) event.get("type"), csr);
    }

    @Test
    void oneDecodeGivesWhatThreeGave() {
        for (String line : List.of(ISSUED, DELETED, OTHER, BOOKMARK, NO_OBJECT)) {
            assertEquals(threePasses(line), CsrWatch.decode(line), line);
        }
    }

    @Test
    void anErrorStatusEventEndsAsBefore() {
        // a Status in place of the CSR: decoded (and then ignored, no name) or refused, but alike both ways
        Object before;
        try {
            before = threePasses(ERROR);
        } catch (RuntimeException e) {
            before = e.getClass();
        }
        Object after;
        try {
            after = CsrWatch.decode(ERROR);
        } catch (RuntimeException e) {
            after = e.getClass();
        }
        assertEquals(before, after);
    }

    @Test
    void theIssuedCertificateAndConditionsAreRead() {
        CsrWatch.Event e = CsrWatch.decode(ISSUED);
        assertEquals("MODIFIED", e.type());
        assertEquals("csr-abc", e.object().getMetadata().getName());
        assertEquals("Q0VSVA==", e.object().getStatus().getCertificate());
        assertEquals("Approved", e.object().getStatus().getConditions().get(0).getType());
        assertNull(CsrWatch.decode(NO_OBJECT).object());
    }

    @Test
    void aLineThatIsNotJsonStillFailsToDecode() {
        // the watch logs "unable to decode an event from the watch stream" for it, as before
        assertThrows(RuntimeException.class, () -> CsrWatch.decode("{\"type\":\"ADDED\",\"object\":"));
        assertThrows(RuntimeException.class, () -> threePasses("{\"type\":\"ADDED\",\"object\":"));
    }
}
