package io.kubejoin.sandbox.api;

import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Wraps the mock's watch listener so that a client closing its watch never blocks the server. fabric8's
 * WatchEventsListener.onClosed waits (up to a minute) for its event executor to finish — on the Vert.x event loop
 * that serves every other connection too; when an event is in flight at that moment, every API call on the loop
 * stalls until the wait ends (measured: join requests timing out after 10 s). Here that wait runs on a thread of its
 * own, after the listener has been taken off the mock's list of watchers (through {@link LibraryInternals}: fabric8 8.0.0's
 * {@code watchEventListenerList}); everything else is passed through unchanged. A real kube-apiserver ends a watch
 * without such a stall.
 */
final class NonBlockingWatchClose extends WebSocketListener {
    private static final ExecutorService CLOSER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "sandbox-watch-close");
        t.setDaemon(true);
        return t;
    });

    private final WebSocketListener delegate;

    NonBlockingWatchClose(WebSocketListener delegate) {
        this.delegate = delegate;
    }

    @Override
    public void onBeforeAccept(WebSocket ws, Response response) {
        delegate.onBeforeAccept(ws, response);
    }

    @Override
    public void onOpen(WebSocket ws, Response response) {
        delegate.onOpen(ws, response);
    }

    @Override
    public void onMessage(WebSocket ws, String text) {
        delegate.onMessage(ws, text);
    }

    @Override
    public void onMessage(WebSocket ws, ByteString bytes) {
        delegate.onMessage(ws, bytes);
    }

    @Override
    public void onMessage(WebSocket ws, byte[] bytes) {
        delegate.onMessage(ws, bytes);
    }

    @Override
    public void onPing(WebSocket ws, byte[] bytes) {
        delegate.onPing(ws, bytes);
    }

    @Override
    public void onClosing(WebSocket ws, int code, String reason) {
        delegate.onClosing(ws, code, reason);
    }

    @Override
    public void onClosed(WebSocket ws, int code, String reason) {
        // first stop new events reaching it (the mock removes the listener only after its wait, and an event
        // scheduled on its shut-down executor in between would fail the request that caused it), then wait aside
        deregister();
        CLOSER.execute(() -> delegate.onClosed(ws, code, reason));
    }

    private void deregister() {
        try {
            LibraryInternals.removeWatchListener(delegate);
        } catch (RuntimeException e) {
            // a fabric8 version without that field (LibraryInternalsTest names it): nothing to deregister
        }
    }

    @Override
    public void onFailure(WebSocket ws, Throwable t, Response response) {
        delegate.onFailure(ws, t, response);
    }
}
