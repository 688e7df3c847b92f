package io.kubejoin.sandbox.api;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import java.util.List;

/**
 * The metav1.Status failure bodies kube-apiserver answers with (k8s.io/apimachinery/pkg/api/errors),
 * worded as the real server words them, so clients that read reason/message behave as against a cluster.
 */
final class ApiStatus {
    private ApiStatus() {
    }

    static MockResponse unauthorized() {
        return response(status(401, "Unauthorized", "Unauthorized"));
    }

    /** errors.NewForbidden through the RBAC authorizer's message. */
    static MockResponse forbidden(UserInfo user, RequestInfo ri) {
        String message;
        if (ri.resourceRequest()) {
            String what = ri.resourceWithSubresource();
            String scope = ri.namespace().isEmpty() ? "at the cluster scope" : "in the namespace \"" + ri.namespace() + "\"";
            String target = ri.name().isEmpty() ? what : what + " \"" + ri.name() + "\"";
            message = target + " is forbidden: User \"" + user.username() + "\" cannot " + ri.verb() + " resource \""
                    + what + "\" in API group \"" + ri.apiGroup() + "\" " + scope;
            return response(new StatusBuilder().withStatus("Failure").withCode(403).withReason("Forbidden")
                    .withMessage(message)
                    .withNewDetails().withName(ri.name().isEmpty() ? null : ri.name()).withGroup(ri.apiGroup().isEmpty() ? null : ri.apiGroup())
                    .withKind(ri.resource()).endDetails().build());
        }
        message = "forbidden: User \"" + user.username() + "\" cannot " + ri.verb() + " path \"" + ri.path() + "\"";
        return response(status(403, "Forbidden", message));
    }

    /** An admission plugin's refusal (403 Forbidden), e.g. NodeRestriction's. */
    static MockResponse admissionForbidden(String resource, String name, String message) {
        return response(new StatusBuilder().withStatus("Failure").withCode(403).withReason("Forbidden")
                .withMessage(resource + " \"" + name + "\" is forbidden: " + message)
                .withNewDetails().withName(name).withKind(resource).endDetails().build());
    }

    static MockResponse notFound(String group, String resource, String name) {
        String what = group.isEmpty() ? resource : resource + "." + group;
        return response(new StatusBuilder().withStatus("Failure").withCode(404).withReason("NotFound")
                .withMessage(what + " \"" + name + "\" not found")
                .withNewDetails().withName(name).withGroup(group.isEmpty() ? null : group).withKind(resource).endDetails().build());
    }

    static MockResponse badRequest(String message) {
        return response(status(400, "BadRequest", message));
    }

    static MockResponse unsupportedMediaType(String contentType) {
        return response(status(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json"));
    }

    static MockResponse internalError(String message) {
        return response(status(500, "InternalError", message));
    }

    /**
     * kube-apiserver's timeout filter (WithTimeoutForNonLongRunningRequests) for a handler that did not finish within
     * --request-timeout, as an overloaded server or a slow etcd leaves it: apierrors.NewTimeoutError.
     */
    static MockResponse timeout() {
        return response(status(504, "Timeout", "Timeout: request did not complete within requested timeout - context deadline exceeded"));
    }

    static MockResponse methodNotAllowed() {
        return response(status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
    }

    static MockResponse conflict(String group, String resource, String name, String message) {
        String what = group.isEmpty() ? resource : resource + "." + group;
        return response(new StatusBuilder().withStatus("Failure").withCode(409).withReason("Conflict")
                .withMessage("Operation cannot be fulfilled on " + what + " \"" + name + "\": " + message)
                .withNewDetails().withName(name).withGroup(group.isEmpty() ? null : group).withKind(resource).endDetails().build());
    }

    /** errors.NewInvalid: 422, message "Kind.group "name" is invalid: field: detail" (several in brackets), one cause each. */
    static MockResponse invalid(String group, String kind, String name, List<StatusCause> causes) {
        List<String> parts = causes.stream().map(c -> c.getField() + ": " + c.getMessage()).toList();
        String qualified = group.isEmpty() ? kind : kind + "." + group;
        String detail = parts.size() == 1 ? parts.get(0) : "[" + String.join(", ", parts) + "]";
        return response(new StatusBuilder().withStatus("Failure").withCode(422).withReason("Invalid")
                .withMessage(qualified + " \"" + (name == null ? "" : name) + "\" is invalid: " + detail)
                .withNewDetails().withName(name).withGroup(group.isEmpty() ? null : group).withKind(kind)
                .withCauses(causes).endDetails().build());
    }

    static StatusCause cause(String reason, String field, String message) {
        return new io.fabric8.kubernetes.api.model.StatusCauseBuilder().withReason(reason).withField(field).withMessage(message).build();
    }

    private static Status status(int code, String reason, String message) {
        return new StatusBuilder().withStatus("Failure").withCode(code).withReason(reason).withMessage(message).build();
    }

    static MockResponse response(Status status) {
        status.setKind("Status");
        status.setApiVersion("v1");
        if (status.getMetadata() == null) status.setMetadata(new io.fabric8.kubernetes.api.model.ListMeta());
        return json(status.getCode(), Serialization.asJson(status));
    }

    static MockResponse json(int code, String body) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
    }
}
