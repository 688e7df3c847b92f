package io.kubejoin.sandbox.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.spi.tls.SslContextFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The JDK TLS engine for the simulated nodes' clients, with one TLS client context (and so one session cache) per
 * client credential, as a real kubelet has one {@code tls.Config} per credential: the HTTP client and the
 * WebSocket client of {@code SimulatorRuntime} each resolve their own context for equal options, so a kubelet's
 * watch connection could not resume the TLS session of its own request connection and did a full handshake.
 * Shared by both clients, this resolves the same context for the same key manager instance (a credential: each
 * {@code SimulatedKubelet} connection has its own, the bootstrap one too) and the same trusted CAs; never across
 * credentials, so a session made with one client certificate (or none) is never resumed with another.
 */
public final class PerCredentialSslEngineOptions extends JdkSSLEngineOptions {
    private static final int MAX_CONTEXTS = 8192;
    private final Map<List<Object>, SslContext> contexts;

    public PerCredentialSslEngineOptions() {
        this(new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<List<Object>, SslContext> e) {
                return size() > MAX_CONTEXTS;
            }
        });
    }

    private PerCredentialSslEngineOptions(Map<List<Object>, SslContext> contexts) {
        this.contexts = contexts;
    }

    @Override
    public PerCredentialSslEngineOptions copy() {
        return new PerCredentialSslEngineOptions(contexts); // the copy a client keeps shares the cache
    }

    @Override
    public SslContextFactory sslContextFactory() {
        SslContextFactory delegate = super.sslContextFactory();
        return new SslContextFactory() {
            private final List<Object> key = new ArrayList<>();
            private KeyManagerFactory kmf;
            private TrustManagerFactory tmf;
            private boolean cacheable = true;

            @Override
            public SslContextFactory useAlpn(boolean useAlpn) {
                key.add("alpn=" + useAlpn);
                delegate.useAlpn(useAlpn);
                return this;
            }

            @Override
            public SslContextFactory forServer(ClientAuth clientAuth) {
                cacheable = false; // servers: as Vert.x makes them
                delegate.forServer(clientAuth);
                return this;
            }

            @Override
            public SslContextFactory forClient(SNIServerName serverName, String endpointIdentificationAlgorithm) {
                key.add("sni=" + serverName);
                key.add("eia=" + endpointIdentificationAlgorithm);
                delegate.forClient(serverName, endpointIdentificationAlgorithm);
                return this;
            }

            @Override
            public SslContextFactory enabledProtocols(Set<String> enabledProtocols) {
                key.add("protocols=" + enabledProtocols);
                delegate.enabledProtocols(enabledProtocols);
                return this;
            }

            @Override
            public SslContextFactory keyMananagerFactory(KeyManagerFactory kmf) {
                this.kmf = kmf;
                delegate.keyMananagerFactory(kmf);
                return this;
            }

            @Override
            public SslContextFactory trustManagerFactory(TrustManagerFactory tmf) {
                this.tmf = tmf;
                delegate.trustManagerFactory(tmf);
                return this;
            }

            @Override
            public SslContextFactory enabledCipherSuites(Set<String> enabledCipherSuites) {
                key.add("ciphers=" + enabledCipherSuites);
                delegate.enabledCipherSuites(enabledCipherSuites);
                return this;
            }

            @Override
            public SslContextFactory applicationProtocols(List<String> applicationProtocols) {
                key.add("ap=" + applicationProtocols);
                delegate.applicationProtocols(applicationProtocols);
                return this;
            }

            @Override
            public SslContext create() throws SSLException {
                List<Object> k = cacheable ? fullKey() : null;
                if (k == null) return delegate.create();
                synchronized (contexts) {
                    SslContext known = contexts.get(k);
                    if (known != null) return known;
                }
                SslContext made = delegate.create();
                synchronized (contexts) {
                    SslContext raced = contexts.putIfAbsent(k, made);
                    return raced != null ? raced : made;
                }
            }

            /** The credential (key managers by identity) and the trusted CAs; null when either is unknown. */
            private List<Object> fullKey() {
                if (kmf == null) return null; // no credential object to tell connections apart: not shared
                List<Object> k = new ArrayList<>(key);
                for (KeyManager km : kmf.getKeyManagers()) k.add(new Identity(km));
                if (tmf != null) {
                    for (TrustManager tm : tmf.getTrustManagers()) {
                        if (!(tm instanceof X509TrustManager x)) return null;
                        k.add(Arrays.asList(x.getAcceptedIssuers()));
                    }
                }
                return k;
            }
        };
    }

    /** Equal only to the same object. */
    private record Identity(Object o) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Identity i && i.o == o;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(o);
        }
    }
}
