package io.kubejoin.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.vertx.core.http.HttpServer;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReadWriteLock;
import org.junit.jupiter.api.Test;

/**
 * The canary for the library internals the sandbox depends on: each private field {@link LibraryInternals} uses is
 * found, of the expected type, and does what the sandbox uses it for, in the fabric8 jars on the classpath. When an
 * upgrade moves one, this fails naming the class, the field and the jar's version.
 */
class LibraryInternalsTest {
    @Test
    void everyPrivateFieldTheSandboxUsesIsWhereItWas() {
        List<String> moved = new ArrayList<>();
        for (LibraryInternals.Access access : LibraryInternals.ALL) {
            try {
                access.field();
            } catch (IllegalStateException e) {
                moved.add(e.getMessage());
            }
        }
        if (!moved.isEmpty()) fail(String.join("\n", moved));
    }

    @Test
    void theStoreTableCanBeReplacedAndItsLockIsTheOneTheMockTakes() throws Exception {
        KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher();
        Map<AttributeSet, String> table = new LinkedHashMap<>();
        LibraryInternals.replaceCrudStore(crud, table);
        // the mock's lookups now go through the replaced table: an object put there is found by name
        table.put(crud.getKey("/api/v1/nodes/n1"), "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"n1\"}}");
        assertThat(crud.handleGet("/api/v1/nodes/n1").code()).isEqualTo(200);
        // while the store's write lock is held, the mock's own GET waits: it is the lock its handlers take
        ReadWriteLock lock = LibraryInternals.crudLock(crud);
        CompletableFuture<MockResponse> get;
        lock.writeLock().lock();
        try {
            get = CompletableFuture.supplyAsync(() -> crud.handleGet("/api/v1/nodes/n1"));
            assertThatThrownBy(() -> get.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        } finally {
            lock.writeLock().unlock();
        }
        assertThat(get.get(10, TimeUnit.SECONDS).code()).isEqualTo(200);
        // and the sandbox's own dispatcher, built on both, starts
        assertThat(new IndexedCrudDispatcher().storedObjects()).isEmpty();
    }

    @Test
    void theMockServersVertxAndHttpServerAreReachable() throws Exception {
        MockWebServer web = new MockWebServer();
        web.start(InetAddress.getLoopbackAddress(), 0);
        try {
            assertThat(LibraryInternals.mockVertx(web)).isNotNull();
            HttpServer server = LibraryInternals.mockHttpServer(web);
            assertThat(server).isNotNull();
            assertThat(server.actualPort()).isEqualTo(web.getPort());
        } finally {
            web.shutdown();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aWatchListenerCanBeTakenOffTheMocksListOfWatchers() {
        KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher();
        WebSocketListener listener = crud.handleGet("/api/v1/nodes?watch=true").getWebSocketListener();
        assertThat(listener).isNotNull();
        Set<Object> watchers = (Set<Object>) LibraryInternals.WATCH_LISTENERS.get(listener);
        watchers.add(listener); // as its onOpen does
        assertThat(LibraryInternals.removeWatchListener(listener)).isTrue();
        assertThat(watchers).doesNotContain(listener);
        // another kind of listener has nothing to take off
        assertThat(LibraryInternals.removeWatchListener(new WebSocketListener() {
        })).isFalse();
    }

    @Test
    void theVersionNamedInTheMessageIsTheJarsOwn() {
        assertThat(LibraryInternals.versionOf(MockWebServer.class)).startsWith("io.fabric8:mockwebserver:");
        assertThat(LibraryInternals.versionOf(KubernetesCrudDispatcher.class)).startsWith("io.fabric8:kubernetes-server-mock:");
    }

    @Test
    void noOtherMainClassReachesIntoPrivateState() throws Exception {
        // tests run from the repository root: every module's main code
        java.util.regex.Pattern reflective = java.util.regex.Pattern.compile(
                "getDeclaredField|getDeclaredMethod|getDeclaredConstructor|setAccessible|privateLookupIn|findVarHandle");
        List<String> offenders = new ArrayList<>();
        for (String module : List.of("kubejoin-core", "kubejoin-sandbox", "kubejoin-cli")) {
            java.nio.file.Path root = java.nio.file.Path.of(module, "src", "main", "java");
            assertThat(root).isDirectory();
            try (var files = java.nio.file.Files.walk(root)) {
                for (java.nio.file.Path f : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    if (f.getFileName().toString().equals("LibraryInternals.java")) continue;
                    if (reflective.matcher(java.nio.file.Files.readString(f)).find()) offenders.add(f.toString());
                }
            }
        }
        assertThat(offenders).as("reflection into private state belongs in LibraryInternals").isEmpty();
    }
}
