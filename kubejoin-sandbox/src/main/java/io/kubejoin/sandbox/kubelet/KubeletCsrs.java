package io.kubejoin.sandbox.kubelet;

import java.io.IOException;
import java.io.StringWriter;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Certificate requests as kubelet's TLS bootstrap writes them (k8s.io/client-go/util/certificate/csr): a fresh
 * ECDSA P-256 key, subject O=system:nodes, CN=system:node:&lt;name&gt;, no extensions for a client certificate.
 */
public final class KubeletCsrs {
    private KubeletCsrs() {
    }

    /** A request and the key it was made with. */
    public record Request(KeyPair keys, String pem) {
        @Override
        public String toString() {
            return "KubeletCsrs.Request[key redacted]";
        }
    }

    public static Request client(String nodeName) {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair keys = gen.generateKeyPair();
            PKCS10CertificationRequest req = new JcaPKCS10CertificationRequestBuilder(
                    new X500NameBuilder(BCStyle.INSTANCE)
                            .addRDN(BCStyle.O, "system:nodes")
                            .addRDN(BCStyle.CN, "system:node:" + nodeName).build(),
                    keys.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
            StringWriter pem = new StringWriter();
            try (JcaPEMWriter w = new JcaPEMWriter(pem)) {
                w.writeObject(req);
            }
            return new Request(keys, pem.toString());
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot make a certificate request", e);
        }
    }
}
