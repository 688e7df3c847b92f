package io.kubejoin.sandbox.api;

import java.net.URI;
import java.util.Arrays;
import java.util.Locale;

/**
 * What a request asks for, parsed from method and path as k8s.io/apiserver's RequestInfoFactory does:
 * verb (get/list/watch/create/update/patch/delete/deletecollection), API group, version, namespace,
 * resource, name and subresource; or a non-resource path (/version, /healthz, /api, ...).
 */
record RequestInfo(boolean resourceRequest, String verb, String path, String apiGroup, String apiVersion,
                   String namespace, String resource, String name, String subresource) {

    static RequestInfo parse(String method, String rawPath) {
        URI uri = URI.create(rawPath);
        String path = uri.getRawPath();
        String query = uri.getRawQuery();
        String[] parts = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toArray(String[]::new);
        String httpVerb = method.toUpperCase(Locale.ROOT);
        String nonResourceVerb = switch (httpVerb) {
            case "GET", "HEAD" -> "get";
            case "POST" -> "post";
            case "PUT" -> "put";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default -> httpVerb.toLowerCase(Locale.ROOT);
        };
        int i;
        String group;
        String version;
        if (parts.length >= 2 && parts[0].equals("api")) {
            group = "";
            version = parts[1];
            i = 2;
        } else if (parts.length >= 3 && parts[0].equals("apis")) {
            group = parts[1];
            version = parts[2];
            i = 3;
        } else {
            return new RequestInfo(false, nonResourceVerb, path, null, null, null, null, null, null);
        }
        if (i >= parts.length) { // discovery: /api/v1, /apis/group/version
            return new RequestInfo(false, nonResourceVerb, path, null, null, null, null, null, null);
        }
        String namespace = "";
        if (parts[i].equals("namespaces") && i + 1 < parts.length) {
            namespace = parts[i + 1];
            if (i + 2 < parts.length) {
                i += 2;
            } else { // /api/v1/namespaces/NAME is the namespace object itself
                return make(httpVerb, query, path, group, version, "", "namespaces", parts[i + 1], "");
            }
        }
        String resource = parts[i];
        String name = i + 1 < parts.length ? parts[i + 1] : "";
        String sub = i + 2 < parts.length ? parts[i + 2] : "";
        return make(httpVerb, query, path, group, version, namespace, resource, name, sub);
    }

    private static RequestInfo make(String httpVerb, String query, String path, String group, String version,
                                    String namespace, String resource, String name, String sub) {
        boolean watch = query != null && Arrays.asList(query.split("&")).contains("watch=true");
        String verb = switch (httpVerb) {
            case "POST" -> "create";
            case "GET", "HEAD" -> watch ? "watch" : name.isEmpty() ? "list" : "get";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name.isEmpty() ? "deletecollection" : "delete";
            default -> "";
        };
        return new RequestInfo(true, verb, path, group, version, namespace, resource, name, sub);
    }

    /** "certificatesigningrequests/approval" style, as RBAC rules name subresources. */
    String resourceWithSubresource() {
        return subresource == null || subresource.isEmpty() ? resource : resource + "/" + subresource;
    }
}
