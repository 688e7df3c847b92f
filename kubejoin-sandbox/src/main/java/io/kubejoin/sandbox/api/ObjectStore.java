package io.kubejoin.sandbox.api;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Stands for etcd behind kube-apiserver's generic registry: fabric8's CRUD mock keeps the objects,
 * resource versions and watches. The sandbox's own handlers read and write through it with in-process
 * requests, so every write still emits the watch events clients see.
 */
final class ObjectStore {
    private final KubernetesCrudDispatcher crud;

    ObjectStore(KubernetesCrudDispatcher crud) {
        this.crud = crud;
    }

    KubernetesCrudDispatcher crud() {
        return crud;
    }

    /** The object at {@code path} (one object, not a list), or empty. */
    Optional<String> get(String path) {
        MockResponse r = crud.handleGet(path);
        return r.code() == 200 && r.getBody() != null ? Optional.of(body(r)) : Optional.empty();
    }

    <T> Optional<T> get(String path, Class<T> type) {
        return get(path).map(s -> Serialization.unmarshal(s, type));
    }

    MockResponse call(HttpMethod method, String path, String body) {
        return crud.dispatch(request(method, path, body));
    }

    MockResponse call(HttpMethod method, String path, Object object) {
        return call(method, path, Serialization.asJson(object));
    }

    /** Writes {@code object} at {@code path} as it is (a terminating pod without finalizers stays), see {@link IndexedCrudDispatcher#replaceAsIs}. */
    MockResponse replaceAsIs(String path, Object object) {
        return ((IndexedCrudDispatcher) crud).replaceAsIs(path, Serialization.asJson(object));
    }

    static RecordedRequest request(HttpMethod method, String path, String body) {
        Headers headers = Headers.builder().add("Content-Type", "application/json").build();
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        return new RecordedRequest("HTTP/1.1", method, path, headers, new Buffer(bytes));
    }

    static String body(MockResponse r) {
        return r.getBody() == null ? "" : new String(r.getBody().getBytes(), StandardCharsets.UTF_8);
    }
}
