package io.kubejoin.util;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The certificate a TLS server presents, from a handshake alone, as {@code openssl s_client} shows it: no
 * credentials are sent and no request is made. The certificate is only looked at (expiry, names), never trusted
 * for anything, so any chain is accepted here. Used for kubelet's serving certificate (status) and for
 * explaining a TLS failure with the API server.
 */
public final class PeerCertificate {
    private PeerCertificate() {
    }

    /** The leaf certificate presented at {@code host:port}. */
    public static X509Certificate fetch(String host, int port, Duration timeout) throws IOException {
        SSLContext tls;
        try {
            tls = SSLContext.getInstance("TLS");
            tls.init(null, new TrustManager[] {new LookOnly()}, null);
        } catch (GeneralSecurityException e) {
            throw new IOException("no TLS in this Java runtime", e);
        }
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            plain.setSoTimeout((int) timeout.toMillis());
            try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(plain, host, port, false)) {
                s.startHandshake();
                Certificate[] chain = s.getSession().getPeerCertificates();
                if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
                    throw new IOException("no certificate in the handshake");
                }
                return leaf;
            }
        }
    }

    /** Accepts any server chain: the probe reads the certificate, it does not rely on it. */
    private static final class LookOnly implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
