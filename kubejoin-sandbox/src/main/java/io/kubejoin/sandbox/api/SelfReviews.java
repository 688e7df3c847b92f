package io.kubejoin.sandbox.api;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stands for kube-apiserver's SelfSubjectAccessReview (authorization.k8s.io/v1) and SelfSubjectReview
 * (authentication.k8s.io) endpoints: nothing is stored, the answer is computed from the caller's identity.
 * kubejoin's preflight sends one with a fresh bootstrap token: any answer but 401 proves the
 * bootstrap-token authenticator is on.
 */
final class SelfReviews {
    private SelfReviews() {
    }

    @SuppressWarnings("unchecked")
    static MockResponse accessReview(SandboxAuthorizer authorizer, UserInfo user, String body) {
        Map<String, Object> review;
        try {
            review = Serialization.unmarshal(body, Map.class);
        } catch (RuntimeException e) {
            return ApiStatus.badRequest("the body of the request was in an unknown format");
        }
        Map<String, Object> spec = review == null ? null : (Map<String, Object>) review.get("spec");
        Map<String, Object> ra = spec == null ? null : (Map<String, Object>) spec.get("resourceAttributes");
        Map<String, Object> nra = spec == null ? null : (Map<String, Object>) spec.get("nonResourceAttributes");
        if ((ra == null) == (nra == null)) {
            return ApiStatus.invalid("authorization.k8s.io", "SelfSubjectAccessReview", "", java.util.List.of(ApiStatus.cause(
                    "FieldValueRequired", "spec.resourceAttributes",
                    "Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified")));
        }
        RequestInfo ri = ra != null
                ? new RequestInfo(true, str(ra, "verb"), "", str(ra, "group"), str(ra, "version"), str(ra, "namespace"),
                        str(ra, "resource"), str(ra, "name"), str(ra, "subresource"))
                : new RequestInfo(false, str(nra, "verb"), str(nra, "path"), null, null, null, null, null, null);
        boolean allowed = authorizer.allowed(user, ri);
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("allowed", allowed);
        if (allowed) status.put("reason", "allowed by the sandbox's default policy");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", "SelfSubjectAccessReview");
        out.put("apiVersion", "authorization.k8s.io/v1");
        out.put("metadata", Map.of());
        out.put("spec", spec);
        out.put("status", status);
        return ApiStatus.json(201, Serialization.asJson(out));
    }

    static MockResponse subjectReview(UserInfo user, String version) {
        Map<String, Object> userInfo = new LinkedHashMap<>();
        userInfo.put("username", user.username());
        if (!user.uid().isEmpty()) userInfo.put("uid", user.uid());
        userInfo.put("groups", user.groups());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", "SelfSubjectReview");
        out.put("apiVersion", "authentication.k8s.io/" + version);
        out.put("metadata", Map.of());
        out.put("status", Map.of("userInfo", userInfo));
        return ApiStatus.json(201, Serialization.asJson(out));
    }

    private static String str(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v == null ? "" : v.toString();
    }
}
