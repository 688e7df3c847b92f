package io.kubejoin.sandbox.kubelet;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/** A credential without a client certificate: TLS sends an empty Certificate message, as with no key manager. */
final class NoClientCertificate extends javax.net.ssl.X509ExtendedKeyManager {
    @Override
    public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers, java.net.Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, java.security.Principal[] issuers, javax.net.ssl.SSLEngine engine) {
        return null;
    }

    @Override
    public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseServerAlias(String keyType, java.security.Principal[] issuers, java.net.Socket socket) {
        return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return null;
    }
}
