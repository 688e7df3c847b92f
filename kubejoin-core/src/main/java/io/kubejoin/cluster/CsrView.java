package io.kubejoin.cluster;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a CertificateSigningRequest that readiness and token clean-up look at, read from
 * certificates.k8s.io/v1 or, for clusters before 1.19 (the article's 1.17), v1beta1.
 *
 * @param approvedAt when the Approved condition was set, null when not approved
 * @param refusal    "denied: ..." or "failed: ...", null otherwise
 */
public record CsrView(String name, String username, Instant created, Instant approvedAt, String refusal,
                      boolean hasCertificate, String signerName) {

    public boolean pending() {
        return approvedAt == null && refusal == null;
    }

    /** All CSRs in the cluster; falls back to v1beta1 when the server has no v1 (404). */
    public static List<CsrView> list(KubeConnection conn) {
        Access access = Access.cluster("list", "certificatesigningrequests");
        try {
            List<CertificateSigningRequest> items = conn.client().certificates().v1().certificateSigningRequests().list().getItems();
            List<CsrView> out = new ArrayList<>();
            for (CertificateSigningRequest c : items) out.add(of(c));
            return out;
        } catch (RuntimeException e) {
            if (ApiErrors.statusCode(e) != 404) throw ApiErrors.translate(e, access, conn);
        }
        List<io.fabric8.kubernetes.api.model.certificates.v1beta1.CertificateSigningRequest> old = conn.call(access,
                () -> conn.client().certificates().v1beta1().certificateSigningRequests().list().getItems());
        List<CsrView> out = new ArrayList<>();
        for (var c : old) out.add(of(c));
        return out;
    }

    static CsrView of(CertificateSigningRequest c) {
        List<Condition> conds = c.getStatus() == null || c.getStatus().getConditions() == null ? List.of()
                : c.getStatus().getConditions().stream().map(x -> new Condition(x.getType(), x.getStatus(), x.getReason(),
                x.getMessage(), x.getLastUpdateTime(), x.getLastTransitionTime())).toList();
        return of(c.getMetadata(), c.getSpec() == null ? null : c.getSpec().getUsername(), conds,
                c.getStatus() == null ? null : c.getStatus().getCertificate(), c.getSpec() == null ? null : c.getSpec().getSignerName());
    }

    /** The same for certificates.k8s.io/v1beta1, the only CSR API of clusters before 1.19. */
    static CsrView of(io.fabric8.kubernetes.api.model.certificates.v1beta1.CertificateSigningRequest c) {
        List<Condition> conds = c.getStatus() == null || c.getStatus().getConditions() == null ? List.of()
                : c.getStatus().getConditions().stream().map(x -> new Condition(x.getType(), x.getStatus(), x.getReason(),
                x.getMessage(), x.getLastUpdateTime(), x.getLastTransitionTime())).toList();
        return of(c.getMetadata(), c.getSpec() == null ? null : c.getSpec().getUsername(), conds,
                c.getStatus() == null ? null : c.getStatus().getCertificate(), c.getSpec() == null ? null : c.getSpec().getSignerName());
    }

    /** The fields both API versions share. */
    private record Condition(String type, String status, String reason, String message, String updated, String transitioned) {
    }

    private static CsrView of(io.fabric8.kubernetes.api.model.ObjectMeta meta, String username, List<Condition> conditions,
                              String certificate, String signerName) {
        Instant approved = null;
        String refusal = null;
        for (Condition cond : conditions) {
            if ("False".equals(cond.status())) continue;
            Instant at = time(cond.updated(), cond.transitioned());
            switch (cond.type()) {
                case "Approved" -> approved = at == null ? Instant.EPOCH : at;
                case "Denied" -> refusal = "denied: " + text(cond.reason(), cond.message());
                case "Failed" -> refusal = "failed: " + text(cond.reason(), cond.message());
                default -> { }
            }
        }
        boolean cert = certificate != null && !certificate.isEmpty();
        return new CsrView(meta.getName(), username, time(meta.getCreationTimestamp(), null), approved, refusal, cert,
                signerName);
    }

    private static String text(String reason, String message) {
        if (message != null && !message.isBlank()) return (reason == null ? "" : reason + ": ") + message;
        return reason == null ? "no reason given" : reason;
    }

    private static Instant time(String first, String second) {
        for (String s : new String[]{first, second}) {
            if (s == null || s.isBlank()) continue;
            try {
                return Instant.parse(s);
            } catch (DateTimeParseException ignored) {
                // try the other one
            }
        }
        return null;
    }
}
