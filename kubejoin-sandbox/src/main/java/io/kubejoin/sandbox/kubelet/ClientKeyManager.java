package io.kubejoin.sandbox.kubelet;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/**
 * kubelet's own certificate and key (client, or serving for its :10250), handed to TLS as they are. Vert.x's PEM options would first put them in
 * a password-protected PKCS#12 key store and read them back (two PBKDF2 derivations of 10,000 rounds per
 * certificate: a tenth of the sandbox's CPU in a join of a hundred nodes); the handshake is the same.
 */
final class ClientKeyManager extends javax.net.ssl.X509ExtendedKeyManager {
    private static final String ALIAS = "kubelet-client";
    private final PrivateKey key;
    private final X509Certificate[] chain;
    /** The key type TLS asks for ("EC", "RSA"), from the certificate: a key read by BouncyCastle says "ECDSA". */
    private final String keyType;

    ClientKeyManager(PrivateKey key, X509Certificate[] chain) {
        if (chain.length == 0) throw new IllegalArgumentException("no client certificate");
        this.chain = chain.clone();
        this.keyType = chain[0].getPublicKey().getAlgorithm();
        try {
            // re-read through the JDK's own key factory (as Vert.x's PEM options did): JSSE signs with it
            this.key = java.security.KeyFactory.getInstance(keyType)
                    .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(key.getEncoded()));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("unusable client key: " + e.getMessage(), e);
        }
    }

    private String alias(String[] keyTypes) {
        if (keyTypes == null) return null;
        for (String t : keyTypes) if (keyType.equals(t)) return ALIAS;
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
        return this.keyType.equals(keyType) ? new String[] {ALIAS} : null;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, java.security.Principal[] issuers, java.net.Socket socket) {
        return alias(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, java.security.Principal[] issuers, javax.net.ssl.SSLEngine engine) {
        return alias(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
        return this.keyType.equals(keyType) ? new String[] {ALIAS} : null;
    }

    @Override
    public String chooseServerAlias(String keyType, java.security.Principal[] issuers, java.net.Socket socket) {
        return this.keyType.equals(keyType) ? ALIAS : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, java.security.Principal[] issuers, javax.net.ssl.SSLEngine engine) {
        return this.keyType.equals(keyType) ? ALIAS : null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? chain.clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? key : null;
    }
}
