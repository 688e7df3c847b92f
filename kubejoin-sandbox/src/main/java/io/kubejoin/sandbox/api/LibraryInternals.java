package io.kubejoin.sandbox.api;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.CrudDispatcher;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.net.URL;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Every place where the sandbox reaches into a library's private state, and nothing else. The sandbox was written
 * against fabric8 8.0.0 (kubernetes-server-mock and mockwebserver); none of these fields is API, so an upgrade may
 * move or rename any of them. {@code LibraryInternalsTest} (the canary) exercises each one against the jars on the
 * classpath and names the class, the field and the jar's version when one is gone. No other class of kubejoin reads
 * a library's private fields (MINA SSHD, Vert.x, Netty: none).
 */
final class LibraryInternals {
    /** mockwebserver's CRUD store table: replaced, while still empty, by {@link IndexedCrudDispatcher}'s indexed one. */
    static final Access CRUD_STORE = new Access("io.fabric8.mockwebserver.crud.CrudDispatcher", "map", Map.class,
            "replace the mock's store table (protected final, created by its constructor) with one indexed by name and label,"
                    + " so a thousand-node sandbox does not compare every stored object on each request");
    /** kubernetes-server-mock's store lock: the indexed lookups take its read lock as the mock's own scans do. */
    static final Access CRUD_LOCK = new Access("io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher", "lock",
            ReadWriteLock.class, "take the mock's own store lock around the indexed lookups, as its own scans do");
    /** mockwebserver's Vert.x instance: the TLS front ({@link SecureFront}) runs on its event loops. */
    static final Access MOCK_VERTX = new Access("io.fabric8.mockwebserver.MockWebServer", "vertx", Vertx.class,
            "run the TLS front on the mock's own event loops instead of a second Vert.x");
    /** mockwebserver's HTTP server: its SSL options are swapped for the sandbox CA's serving certificate. */
    static final Access MOCK_HTTP_SERVER = new Access("io.fabric8.mockwebserver.MockWebServer", "httpServer", HttpServer.class,
            "install the serving certificate issued by the sandbox CA on the running server (the mock only makes a self-signed one)");
    /** kubernetes-server-mock's watchers: a closing watch is taken off the list before its blocking close runs aside. */
    static final Access WATCH_LISTENERS = new Access("io.fabric8.kubernetes.client.server.mock.WatchEventsListener",
            "watchEventListenerList", Set.class,
            "take a closing watch off the mock's list of watchers before its minute-long close runs off the event loop");

    /** All of them, for the canary test. */
    static final List<Access> ALL = List.of(CRUD_STORE, CRUD_LOCK, MOCK_VERTX, MOCK_HTTP_SERVER, WATCH_LISTENERS);

    private LibraryInternals() {
    }

    /** Puts {@code table} in place of the (still empty) store table of {@code dispatcher}. */
    static void replaceCrudStore(CrudDispatcher dispatcher, Map<AttributeSet, String> table) {
        CRUD_STORE.set(dispatcher, table);
    }

    /** The lock kubernetes-server-mock takes around its store. */
    static ReadWriteLock crudLock(KubernetesCrudDispatcher dispatcher) {
        return (ReadWriteLock) CRUD_LOCK.get(dispatcher);
    }

    /** The Vert.x instance the mock server runs on. */
    static Vertx mockVertx(MockWebServer web) {
        return (Vertx) MOCK_VERTX.get(web);
    }

    /** The mock server's own HTTP server (set once it has started). */
    static HttpServer mockHttpServer(MockWebServer web) {
        return (HttpServer) MOCK_HTTP_SERVER.get(web);
    }

    /**
     * Takes {@code listener} off its mock's list of watchers if it is the mock's watch listener; false when it is
     * another kind of listener (nothing to take off) or was not on the list.
     */
    @SuppressWarnings("unchecked")
    static boolean removeWatchListener(WebSocketListener listener) {
        if (!WATCH_LISTENERS.owner().isInstance(listener)) return false;
        return ((Set<Object>) WATCH_LISTENERS.get(listener)).remove(listener);
    }

    /** One private field of a library class that the sandbox reads or writes, and why. */
    static final class Access {
        private final String className;
        private final String fieldName;
        private final Class<?> type;
        private final String why;
        private volatile Field field;

        Access(String className, String fieldName, Class<?> type, String why) {
            this.className = className;
            this.fieldName = fieldName;
            this.type = type;
            this.why = why;
        }

        String className() {
            return className;
        }

        String fieldName() {
            return fieldName;
        }

        Class<?> owner() {
            try {
                return Class.forName(className, false, LibraryInternals.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw moved("the class is gone (" + e + ")", null, e);
            }
        }

        /** The field, made accessible; IllegalStateException naming class, field and library version when it moved. */
        Field field() {
            Field f = field;
            if (f != null) return f;
            Class<?> owner = owner();
            try {
                f = owner.getDeclaredField(fieldName);
            } catch (NoSuchFieldException e) {
                throw moved("it has no field '" + fieldName + "'", owner, e);
            }
            if (!type.isAssignableFrom(f.getType())) {
                throw moved("its field '" + fieldName + "' is now a " + f.getType().getName() + ", not a " + type.getName(), owner, null);
            }
            try {
                f.setAccessible(true);
            } catch (RuntimeException e) {
                throw moved("its field '" + fieldName + "' cannot be made accessible (" + e + ")", owner, e);
            }
            field = f;
            return f;
        }

        Object get(Object target) {
            try {
                return field().get(target);
            } catch (IllegalAccessException e) {
                throw moved("its field '" + fieldName + "' cannot be read (" + e + ")", owner(), e);
            }
        }

        void set(Object target, Object value) {
            try {
                field().set(target, value);
            } catch (IllegalAccessException e) {
                throw moved("its field '" + fieldName + "' cannot be written (" + e + ")", owner(), e);
            }
        }

        private IllegalStateException moved(String what, Class<?> owner, Exception cause) {
            return new IllegalStateException("library internals moved: kubejoin's sandbox uses the private field " + className + "." + fieldName
                    + " (" + type.getName() + ") to " + why + ", but in " + (owner == null ? "the fabric8 on the classpath" : versionOf(owner))
                    + " " + what + ". Written against fabric8 8.0.0: find where this version keeps it and update"
                    + " io.kubejoin.sandbox.api.LibraryInternals (and its canary, LibraryInternalsTest).", cause);
        }

        @Override
        public String toString() {
            return className + "." + fieldName;
        }
    }

    /**
     * "groupId:artifactId:version (jar)" of the jar a class comes from: the package's Implementation-Version when
     * the manifest has one (fabric8's has not), else the Maven pom.properties inside the jar.
     */
    static String versionOf(Class<?> c) {
        CodeSource source = c.getProtectionDomain() == null ? null : c.getProtectionDomain().getCodeSource();
        URL location = source == null ? null : source.getLocation();
        String jar = location == null ? "an unknown location" : location.getPath();
        Package p = c.getPackage();
        if (p != null && p.getImplementationVersion() != null) {
            return (p.getImplementationTitle() == null ? p.getName() : p.getImplementationTitle()) + " " + p.getImplementationVersion() + " (" + jar + ")";
        }
        if (location != null && jar.endsWith(".jar")) {
            try (JarFile file = new JarFile(Path.of(location.toURI()).toFile())) {
                for (JarEntry e : java.util.Collections.list(file.entries())) {
                    if (e.getName().startsWith("META-INF/maven/") && e.getName().endsWith("/pom.properties")) {
                        Properties props = new Properties();
                        try (InputStream in = file.getInputStream(e)) {
                            props.load(in);
                        }
                        return props.getProperty("groupId") + ":" + props.getProperty("artifactId") + ":" + props.getProperty("version")
                                + " (" + jar + ")";
                    }
                }
            } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
                return "an unreadable jar (" + jar + ": " + e + ")";
            }
        }
        return "version unknown (" + jar + ")";
    }
}
