package io.kubejoin.sandbox.api;

import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestSpec;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatus;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import java.io.IOException;
import java.io.StringReader;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/**
 * Stands for kube-apiserver's CertificateSigningRequest registry (pkg/registry/certificates/certificates:
 * the create, approval and status strategies, with pkg/apis/certificates/validation). On create the
 * requester's identity replaces whatever the client wrote in spec.username/uid/groups/extra and the status
 * is cleared; {@code /approval} changes only status.conditions; {@code /status} changes only the
 * certificate and non-approval conditions. Writes go through the store, so watches see MODIFIED events.
 */
final class CsrRegistry {
    static final String GROUP = "certificates.k8s.io";
    static final String KIND = "CertificateSigningRequest";
    static final String COLLECTION = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
    static final String APPROVED = "Approved";
    static final String DENIED = "Denied";
    static final String FAILED = "Failed";
    private static final Pattern SIGNER_NAME = Pattern.compile(
            "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?(/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)*$");

    private final ObjectStore store;
    private final Clock clock;
    /** Told the name of every CSR whose approval or status changed (the signer's informer). */
    private final Consumer<String> changed;

    CsrRegistry(ObjectStore store, Clock clock, Consumer<String> changed) {
        this.store = store;
        this.clock = clock;
        this.changed = changed;
    }

    static String path(String name) {
        return COLLECTION + "/" + name;
    }

    MockResponse create(UserInfo user, String body) {
        CertificateSigningRequest csr;
        try {
            csr = Serialization.unmarshal(body, CertificateSigningRequest.class);
        } catch (RuntimeException e) {
            return ApiStatus.badRequest("the body of the request was in an unknown format");
        }
        if (csr.getSpec() == null) csr.setSpec(new CertificateSigningRequestSpec());
        CertificateSigningRequestSpec spec = csr.getSpec();
        // PrepareForCreate: identity from the authenticator, never from the client; status starts empty
        spec.setUsername(user.username());
        spec.setUid(user.uid());
        spec.setGroups(new ArrayList<>(user.groups()));
        spec.setExtra(null);
        csr.setStatus(null);
        List<StatusCause> causes = validateCreate(spec);
        String name = csr.getMetadata() == null ? null : csr.getMetadata().getName();
        if (!causes.isEmpty()) return ApiStatus.invalid(GROUP, KIND, name, causes);
        MockResponse r = store.call(HttpMethod.POST, COLLECTION, csr);
        if (r.code() / 100 == 2) r.setResponseCode(201);
        return r;
    }

    private static List<StatusCause> validateCreate(CertificateSigningRequestSpec spec) {
        List<StatusCause> causes = new ArrayList<>();
        if (spec.getRequest() == null || spec.getRequest().isEmpty()) {
            causes.add(ApiStatus.cause("FieldValueRequired", "spec.request", "Required value"));
        } else {
            try {
                CertificateRequests.parseSpecRequest(spec.getRequest());
            } catch (IllegalArgumentException e) {
                causes.add(ApiStatus.cause("FieldValueInvalid", "spec.request", "Invalid value: " + e.getMessage()));
            }
        }
        if (spec.getUsages() == null || spec.getUsages().isEmpty()) {
            causes.add(ApiStatus.cause("FieldValueRequired", "spec.usages", "Required value"));
        } else {
            for (int i = 0; i < spec.getUsages().size(); i++) {
                String u = spec.getUsages().get(i);
                if (!CertificateRequests.KNOWN_USAGES.contains(u)) {
                    causes.add(ApiStatus.cause("FieldValueNotSupported", "spec.usages[" + i + "]", "Unsupported value: \"" + u + "\""));
                }
            }
        }
        String signer = spec.getSignerName();
        if (signer == null || signer.isEmpty()) {
            causes.add(ApiStatus.cause("FieldValueRequired", "spec.signerName", "Required value"));
        } else if ("kubernetes.io/legacy-unknown".equals(signer)) {
            causes.add(ApiStatus.cause("FieldValueInvalid", "spec.signerName",
                    "Invalid value: \"" + signer + "\": the legacy signerName is not allowed via this API version"));
        } else if (!SIGNER_NAME.matcher(signer).matches()) {
            causes.add(ApiStatus.cause("FieldValueInvalid", "spec.signerName",
                    "Invalid value: \"" + signer + "\": must be a fully qualified domain and path of the form 'example.com/signer-name'"));
        }
        if (spec.getExpirationSeconds() != null && spec.getExpirationSeconds() < 600) {
            causes.add(ApiStatus.cause("FieldValueInvalid", "spec.expirationSeconds", "Invalid value: "
                    + spec.getExpirationSeconds() + ": may not specify a duration less than 600 seconds (10 minutes)"));
        }
        return causes;
    }

    /** PUT .../certificatesigningrequests/NAME/approval: only status.conditions change. */
    MockResponse approval(String name, String body) {
        return updateSubresource(name, body, true);
    }

    MockResponse approval(String name, CertificateSigningRequest sent) {
        return updateSubresource(name, sent, true);
    }

    /** PUT .../certificatesigningrequests/NAME/status: certificate and non-approval conditions. */
    MockResponse status(String name, String body) {
        return updateSubresource(name, body, false);
    }

    private MockResponse updateSubresource(String name, String body, boolean approval) {
        CertificateSigningRequest sent;
        try {
            sent = Serialization.unmarshal(body, CertificateSigningRequest.class);
        } catch (RuntimeException e) {
            return ApiStatus.badRequest("the body of the request was in an unknown format");
        }
        return updateSubresource(name, sent, approval);
    }

    private MockResponse updateSubresource(String name, CertificateSigningRequest sent, boolean approval) {
        if (sent == null) return ApiStatus.badRequest("the body of the request was in an unknown format");
        if (sent.getMetadata() != null && sent.getMetadata().getName() != null && !name.equals(sent.getMetadata().getName())) {
            return ApiStatus.badRequest("the name of the object (" + sent.getMetadata().getName()
                    + ") does not match the name on the URL (" + name + ")");
        }
        var current = store.get(path(name), CertificateSigningRequest.class);
        if (current.isEmpty()) return ApiStatus.notFound(GROUP, "certificatesigningrequests", name);
        CertificateSigningRequest old = current.get();
        String sentVersion = sent.getMetadata() == null ? null : sent.getMetadata().getResourceVersion();
        String oldVersion = old.getMetadata().getResourceVersion();
        if (sentVersion != null && !sentVersion.isEmpty() && !sentVersion.equals(oldVersion)) {
            return ApiStatus.conflict(GROUP, "certificatesigningrequests", name,
                    "the object has been modified; please apply your changes to the latest version and try again");
        }
        CertificateSigningRequestStatus oldStatus = old.getStatus() == null ? new CertificateSigningRequestStatus() : old.getStatus();
        CertificateSigningRequestStatus sentStatus = sent.getStatus() == null ? new CertificateSigningRequestStatus() : sent.getStatus();
        List<CertificateSigningRequestCondition> oldConditions = nonNull(oldStatus.getConditions());
        List<CertificateSigningRequestCondition> conditions = new ArrayList<>();
        String certificate = oldStatus.getCertificate();
        if (approval) {
            conditions.addAll(nonNull(sentStatus.getConditions()));
        } else {
            // status strategy: approval conditions are kept as they were, the rest come from the client
            for (var c : nonNull(sentStatus.getConditions())) {
                if (!APPROVED.equals(c.getType()) && !DENIED.equals(c.getType())) conditions.add(c);
            }
            for (var c : oldConditions) {
                if (APPROVED.equals(c.getType()) || DENIED.equals(c.getType())) conditions.add(c);
            }
            certificate = sentStatus.getCertificate();
        }
        populateTimestamps(conditions, oldConditions);
        List<StatusCause> causes = validateConditions(conditions, oldConditions);
        if (!approval) causes.addAll(validateCertificate(certificate, oldStatus.getCertificate(), conditions));
        if (!causes.isEmpty()) return ApiStatus.invalid(GROUP, KIND, name, causes);

        CertificateSigningRequestStatus status = new CertificateSigningRequestStatus(certificate, conditions.isEmpty() ? null : conditions);
        old.setStatus(status);
        MockResponse r = store.call(HttpMethod.PUT, path(name) + "/status", old);
        if (r.code() / 100 == 2) {
            r.setResponseCode(200);
            changed.accept(name);
        }
        return r;
    }

    private static List<CertificateSigningRequestCondition> nonNull(List<CertificateSigningRequestCondition> l) {
        return l == null ? List.of() : l;
    }

    /** populateConditionTimestamps: lastUpdateTime defaults to now; lastTransitionTime is kept from the same type+status, else now. */
    private void populateTimestamps(List<CertificateSigningRequestCondition> conditions, List<CertificateSigningRequestCondition> old) {
        String now = time(clock.instant());
        for (var c : conditions) {
            if (c.getLastUpdateTime() == null || c.getLastUpdateTime().isEmpty()) c.setLastUpdateTime(now);
            if (c.getLastTransitionTime() == null || c.getLastTransitionTime().isEmpty()) {
                String t = now;
                for (var o : old) {
                    if (o.getType().equals(c.getType()) && String.valueOf(o.getStatus()).equals(c.getStatus())
                            && o.getLastTransitionTime() != null && !o.getLastTransitionTime().isEmpty()) {
                        t = o.getLastTransitionTime();
                        break;
                    }
                }
                c.setLastTransitionTime(t);
            }
        }
    }

    static String time(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
    }

    /** validateConditions and the approval update rules of pkg/apis/certificates/validation. */
    private static List<StatusCause> validateConditions(List<CertificateSigningRequestCondition> conditions,
                                                        List<CertificateSigningRequestCondition> old) {
        List<StatusCause> causes = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        boolean approved = false;
        boolean denied = false;
        for (int i = 0; i < conditions.size(); i++) {
            var c = conditions.get(i);
            String f = "status.conditions[" + i + "]";
            if (c.getType() == null || c.getType().isEmpty()) {
                causes.add(ApiStatus.cause("FieldValueRequired", f + ".type", "Required value"));
                continue;
            }
            if (c.getStatus() == null || c.getStatus().isEmpty()) {
                causes.add(ApiStatus.cause("FieldValueRequired", f + ".status", "Required value"));
            } else if (!Set.of("True", "False", "Unknown").contains(c.getStatus())) {
                causes.add(ApiStatus.cause("FieldValueNotSupported", f + ".status",
                        "Unsupported value: \"" + c.getStatus() + "\": supported values: \"False\", \"True\", \"Unknown\""));
            }
            boolean fixed = APPROVED.equals(c.getType()) || DENIED.equals(c.getType()) || FAILED.equals(c.getType());
            if (fixed && !seen.add(c.getType())) {
                causes.add(ApiStatus.cause("FieldValueDuplicate", f + ".type", "Duplicate value: \"" + c.getType() + "\""));
            }
            if (fixed && c.getStatus() != null && !"True".equals(c.getStatus()) && Set.of("False", "Unknown").contains(c.getStatus())) {
                causes.add(ApiStatus.cause("FieldValueNotSupported", f + ".status",
                        "Unsupported value: \"" + c.getStatus() + "\": supported values: \"True\""));
            }
            if (APPROVED.equals(c.getType())) approved = true;
            if (DENIED.equals(c.getType())) denied = true;
        }
        if (approved && denied) {
            causes.add(ApiStatus.cause("FieldValueInvalid", "status.conditions",
                    "Invalid value: \"Approved\": Approved and Denied conditions are mutually exclusive"));
        }
        for (var o : old) {
            if ((APPROVED.equals(o.getType()) || DENIED.equals(o.getType())) && "True".equals(o.getStatus())
                    && conditions.stream().noneMatch(c -> o.getType().equals(c.getType()) && "True".equals(c.getStatus()))) {
                causes.add(ApiStatus.cause("FieldValueForbidden", "status.conditions",
                        "Forbidden: updates may not remove a condition of type \"" + o.getType() + "\""));
            }
        }
        return causes;
    }

    /** status.certificate: PEM CERTIFICATE blocks only, set only once approved, immutable once set. */
    private static List<StatusCause> validateCertificate(String cert, String oldCert, List<CertificateSigningRequestCondition> conditions) {
        List<StatusCause> causes = new ArrayList<>();
        boolean hadCert = oldCert != null && !oldCert.isEmpty();
        boolean hasCert = cert != null && !cert.isEmpty();
        if (hadCert && !java.util.Objects.equals(cert, oldCert)) {
            causes.add(ApiStatus.cause("FieldValueForbidden", "status.certificate", "Forbidden: updates may not modify existing certificate content"));
            return causes;
        }
        if (!hasCert || hadCert) return causes;
        boolean approved = conditions.stream().anyMatch(c -> APPROVED.equals(c.getType()) && "True".equals(c.getStatus()));
        if (!approved) {
            causes.add(ApiStatus.cause("FieldValueForbidden", "status.certificate",
                    "Forbidden: certificate can only be set if the Approved condition is present"));
            return causes;
        }
        String pem;
        try {
            pem = new String(Base64.getDecoder().decode(cert), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            causes.add(ApiStatus.cause("FieldValueInvalid", "status.certificate", "Invalid value: illegal base64 data"));
            return causes;
        }
        int blocks = 0;
        try (PemReader r = new PemReader(new StringReader(pem))) {
            PemObject o;
            while ((o = r.readPemObject()) != null) {
                if (!"CERTIFICATE".equals(o.getType())) {
                    causes.add(ApiStatus.cause("FieldValueInvalid", "status.certificate",
                            "Invalid value: only CERTIFICATE PEM blocks are allowed, found \"" + o.getType() + "\""));
                    return causes;
                }
                blocks++;
            }
        } catch (IOException | RuntimeException e) {
            blocks = 0;
        }
        if (blocks == 0) {
            causes.add(ApiStatus.cause("FieldValueInvalid", "status.certificate", "Invalid value: must contain at least one CERTIFICATE PEM block"));
        }
        return causes;
    }
}
