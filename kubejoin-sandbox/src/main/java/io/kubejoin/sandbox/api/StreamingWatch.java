package io.kubejoin.sandbox.api;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * kube-apiserver's plain HTTP watch, the one client-go uses: {@code GET ...?watch=true} answered with a chunked
 * stream of {@code {"type":...,"object":...}} lines on the same connection (fabric8's client upgrades to a
 * websocket instead; the mock serves only that). Here the mock's own watch listener is fed a "websocket" whose
 * messages become lines of the response, so events, filtering and the initial ADDED events are the mock's. A
 * simulated kubelet watches its CSR this way on the connection it already has, as a real one does, instead of
 * opening (and TLS-handshaking) a second connection for a websocket.
 */
final class StreamingWatch {
    private StreamingWatch() {
    }

    /** A watch request that does not ask for a websocket. */
    static boolean accepts(HttpServerRequest req) {
        if (req.method() != io.vertx.core.http.HttpMethod.GET) return false;
        String q = req.query();
        if (q == null || !(q.contains("watch=true") || q.contains("watch=1"))) return false;
        String upgrade = req.getHeader(HttpHeaders.UPGRADE);
        return upgrade == null || !upgrade.toLowerCase(Locale.ROOT).contains("websocket");
    }

    static void serve(HttpServerRequest req, Dispatcher dispatcher) {
        Headers.Builder headers = Headers.builder();
        req.headers().forEach(e -> headers.add(e.getKey(), e.getValue()));
        RecordedRequest recorded = new RecordedRequest(req.version().alpnName().toUpperCase(Locale.ROOT), HttpMethod.GET,
                req.uri(), headers.build(), new io.fabric8.mockwebserver.http.Buffer(new byte[0]));
        MockResponse answer = dispatcher.dispatch(recorded);
        HttpServerResponse resp = req.response();
        WebSocketListener listener = answer == null ? null : answer.getWebSocketListener();
        if (listener == null) {
            // refused (401, 403, 404 ...): the answer as it is
            resp.setStatusCode(answer == null ? 405 : answer.code());
            if (answer != null) answer.getHeaders().toMultimap().forEach((k, v) -> v.forEach(x -> resp.headers().add(k, x)));
            byte[] body = answer == null || answer.getBody() == null ? new byte[0] : answer.getBody().getBytes();
            if (resp.headers().get(HttpHeaders.CONTENT_TYPE) == null) resp.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
            resp.end(io.vertx.core.buffer.Buffer.buffer(body));
            return;
        }
        resp.setStatusCode(200).setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        Lines lines = new Lines(recorded, resp);
        resp.closeHandler(v -> lines.closed(listener));
        resp.exceptionHandler(e -> lines.closed(listener));
        resp.writeHead();
        listener.onOpen(lines, answer);
    }

    /** The mock's websocket interface over the response: each message one line of the stream. */
    private static final class Lines implements WebSocket {
        private final RecordedRequest request;
        private final HttpServerResponse resp;
        private final AtomicBoolean closed = new AtomicBoolean();

        Lines(RecordedRequest request, HttpServerResponse resp) {
            this.request = request;
            this.resp = resp;
        }

        @Override
        public RecordedRequest request() {
            return request;
        }

        @Override
        public boolean send(String text) {
            if (closed.get()) return false;
            resp.write(text.endsWith("\n") ? text : text + "\n");
            return true;
        }

        @Override
        public boolean send(byte[] bytes) {
            return send(new String(bytes, StandardCharsets.UTF_8));
        }

        @Override
        public boolean close(int code, String reason) {
            if (closed.compareAndSet(false, true)) resp.end();
            return true;
        }

        /** The client went away: the listener stops, as after a websocket close. */
        void closed(WebSocketListener listener) {
            if (closed.compareAndSet(false, true)) listener.onClosed(this, 1000, "client closed the watch");
        }
    }
}
