package io.kubejoin.cluster.approval;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERPrintableString;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** Real PKCS#10 requests and CSR objects for tests, built as kubelet builds them unless told otherwise. */
final class TestCsrs {
    private TestCsrs() {
    }

    static KeyPair ec(String curve) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec(curve));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair p256() {
        return ec("secp256r1");
    }

    static KeyPair rsa(int bits) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(bits);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Subject O=system:nodes, CN=system:node:&lt;node&gt; in Go's order (O before CN). */
    static X500Name nodeSubject(String node) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "system:nodes")
                .addRDN(BCStyle.CN, "system:node:" + node).build();
    }

    /** Builder for one PKCS#10 request. */
    static final class Request {
        X500Name subject;
        KeyPair keys = p256();
        /** Signs with this key instead of {@link #keys}' private key (a forged proof of possession). */
        KeyPair signingKeys;
        String signatureAlgorithm;
        final List<GeneralName> sans = new ArrayList<>();
        final List<Extension> extensions = new ArrayList<>();
        final List<ASN1ObjectIdentifier> attributeTypes = new ArrayList<>();
        final List<ASN1Encodable> attributeValues = new ArrayList<>();

        Request(X500Name subject) {
            this.subject = subject;
        }

        Request keys(KeyPair k) {
            keys = k;
            return this;
        }

        Request signedBy(KeyPair k) {
            signingKeys = k;
            return this;
        }

        Request algorithm(String alg) {
            signatureAlgorithm = alg;
            return this;
        }

        Request dns(String name) {
            sans.add(new GeneralName(GeneralName.dNSName, name));
            return this;
        }

        Request ip(String literal) {
            sans.add(new GeneralName(GeneralName.iPAddress, literal));
            return this;
        }

        Request email(String address) {
            sans.add(new GeneralName(GeneralName.rfc822Name, address));
            return this;
        }

        Request uri(String uri) {
            sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
            return this;
        }

        Request extension(ASN1ObjectIdentifier oid, boolean critical, ASN1Encodable value) {
            try {
                extensions.add(new Extension(oid, critical, value.toASN1Primitive().getEncoded()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Request attribute(ASN1ObjectIdentifier type, ASN1Encodable value) {
            attributeTypes.add(type);
            attributeValues.add(value);
            return this;
        }

        PKCS10CertificationRequest build() {
            PublicKey pub = keys.getPublic();
            JcaPKCS10CertificationRequestBuilder b = new JcaPKCS10CertificationRequestBuilder(subject, pub);
            try {
                if (!sans.isEmpty() || !extensions.isEmpty()) {
                    ExtensionsGenerator g = new ExtensionsGenerator();
                    if (!sans.isEmpty()) {
                        g.addExtension(Extension.subjectAlternativeName, false,
                                new GeneralNames(sans.toArray(GeneralName[]::new)));
                    }
                    for (Extension e : extensions) g.addExtension(e);
                    b.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, g.generate());
                }
                for (int i = 0; i < attributeTypes.size(); i++) {
                    b.addAttribute(attributeTypes.get(i), attributeValues.get(i));
                }
                KeyPair signer = signingKeys == null ? keys : signingKeys;
                String alg = signatureAlgorithm != null ? signatureAlgorithm
                        : signer.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
                ContentSigner cs = new JcaContentSignerBuilder(alg).build(signer.getPrivate());
                return b.build(cs);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (OperatorCreationException e) {
                throw new IllegalStateException(e);
            }
        }

        /** spec.request as the API carries it: base64 of the PEM. */
        String specRequest() {
            return encode(build());
        }
    }

    static Request request(X500Name subject) {
        return new Request(subject);
    }

    static Request nodeRequest(String node) {
        return new Request(nodeSubject(node));
    }

    static String encode(PKCS10CertificationRequest req) {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(req);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return base64(w.toString());
    }

    static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }

    static CertificateSigningRequest csr(String name, String signer, String username, List<String> groups,
                                         List<String> usages, String specRequest) {
        return new CertificateSigningRequestBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withNewSpec()
                .withSignerName(signer)
                .withUsername(username)
                .withGroups(groups)
                .withUsages(usages)
                .withRequest(specRequest)
                .endSpec()
                .build();
    }

    /** What kubelet sends when bootstrapping with a token (usages as kubelet up to 1.26 writes them). */
    static CertificateSigningRequest bootstrapClient(String tokenId, String specRequest) {
        return csr("node-csr-" + tokenId, CsrPolicy.CLIENT_SIGNER, "system:bootstrap:" + tokenId,
                List.of("system:bootstrappers", "system:bootstrappers:kubejoin", "system:authenticated"),
                List.of("digital signature", "key encipherment", "client auth"), specRequest);
    }

    /** A client certificate renewal by the node itself. */
    static CertificateSigningRequest renewal(String node, String specRequest) {
        return csr("csr-renew-" + node, CsrPolicy.CLIENT_SIGNER, "system:node:" + node,
                List.of("system:nodes", "system:authenticated"),
                List.of("digital signature", "client auth"), specRequest);
    }

    /** A serving certificate request by the node (ECDSA key, so no key encipherment, as kubelet 1.27+). */
    static CertificateSigningRequest serving(String node, String specRequest) {
        return csr("csr-serving-" + node, CsrPolicy.SERVING_SIGNER, "system:node:" + node,
                List.of("system:nodes", "system:authenticated"),
                List.of("digital signature", "server auth"), specRequest);
    }

    static InetAddress ip(String literal) {
        return IpLiterals.parse(literal).orElseThrow();
    }

    static DERPrintableString printable(String s) {
        return new DERPrintableString(s);
    }
}
