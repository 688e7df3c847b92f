package io.kubejoin.cluster.approval;

import static io.kubejoin.cluster.approval.TestCsrs.bootstrapClient;
import static io.kubejoin.cluster.approval.TestCsrs.csr;
import static io.kubejoin.cluster.approval.TestCsrs.ip;
import static io.kubejoin.cluster.approval.TestCsrs.nodeRequest;
import static io.kubejoin.cluster.approval.TestCsrs.renewal;
import static io.kubejoin.cluster.approval.TestCsrs.request;
import static io.kubejoin.cluster.approval.TestCsrs.serving;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.kubejoin.testing.TestInventories;
import io.kubejoin.version.KubeVersion;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.DERUTF8String;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

class CsrPolicyTest {
    static final long MAX_SERVING = Duration.ofDays(30).toSeconds();

    /**
     * worker-1 (10.0.0.11, token abc123) and worker-2 (10.0.0.12, token def456) are in the inventory; token
     * ghost1 was issued for worker-9, which is not. worker-1 has a second NIC 10.0.1.11 (extraAddresses) and the
     * name worker-1.example.com (extraNames); worker-7's serving addresses may come from approval.servingCIDRs
     * 192.168.50.0/24, which a careless administrator let overlap the API server's address 192.168.50.2. No Node
     * status is consulted: whatever a kubelet reports about itself counts for nothing.
     */
    static final ApprovalContext CONTEXT = context(KubeVersion.parse("1.32.4"));

    static ApprovalContext context(KubeVersion signerRelease) {
        return new InventoryApprovalContext(
                Map.of("worker-1", new StatedNames(new java.util.LinkedHashSet<>(List.of(ip("10.0.0.11"), ip("10.0.1.11"))),
                                new java.util.LinkedHashSet<>(List.of("worker-1", "worker-1.example.com")), List.of()),
                        "worker-2", StatedNames.of("worker-2", Set.of(ip("10.0.0.12"))),
                        "worker-6", StatedNames.of("worker-6", Set.of(ip("fd00::16"))),
                        "worker-7", new StatedNames(Set.of(ip("10.0.0.17")), Set.of("worker-7"),
                                List.of(IpLiterals.parseCidr("192.168.50.0/24").orElseThrow()))),
                Map.of("abc123", "worker-1", "def456", "worker-2", "ghost1", "worker-9"),
                Map.of("10.0.0.2", "the API server's address", "192.168.50.2", "the API server's address",
                        "10.254.0.0/16", "the service network 10.254.0.0/16"),
                Duration.ofDays(30), signerRelease);
    }

    /** A PEM of an ECDSA P-256 request made by openssl 3 (an implementation other than the one under test). */
    static final String OPENSSL_CLIENT_REQUEST = """
            -----BEGIN CERTIFICATE REQUEST-----
            MIHwMIGYAgEAMDYxFTATBgNVBAoMDHN5c3RlbTpub2RlczEdMBsGA1UEAwwUc3lz
            dGVtOm5vZGU6d29ya2VyLTEwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAR1jJ6A
            13eXDKurbEBm30uTM8BNL+cnrTENPbHyNXo4VooxTHmr8vzOuYKlpRMWhv94Omm5
            tGNgQP7uaKovtJp/oAAwCgYIKoZIzj0EAwIDRwAwRAIgA2sC/HX2vxKt6Xt3j6EE
            FpZs3Opabm5qxdEl8BbP/8YCIH2tMehkE3V7A6Qz/nHCCRHStPtAjQ8mWYdMKizV
            kX+w
            -----END CERTIFICATE REQUEST-----
            """;

    final CsrPolicy policy = new CsrPolicy();

    CsrDecision decide(CertificateSigningRequest csr) {
        return policy.decide(csr, CONTEXT);
    }

    static void assertDecision(CsrDecision d, Verdict verdict, Rule rule, String... messageParts) {
        assertThat(d.verdict()).as(d.toString()).isEqualTo(verdict);
        assertThat(d.rule()).as(d.toString()).isEqualTo(rule);
        for (String part : messageParts) assertThat(d.message()).contains(part);
    }

    static CertificateSigningRequest withUsages(CertificateSigningRequest csr, String... usages) {
        return new CertificateSigningRequestBuilder(csr).editSpec().withUsages(usages).endSpec().build();
    }

    @Nested
    class Legitimate {
        @Test
        void kubeletBootstrapClientRequestMadeByOpenssl() {
            CsrDecision d = decide(bootstrapClient("abc123", TestCsrs.base64(OPENSSL_CLIENT_REQUEST)));
            assertDecision(d, Verdict.APPROVE, Rule.APPROVED,
                    "client certificate for node worker-1 requested with its own token abc123", "ECDSA P-256");
            assertThat(d.conditionReason()).isEqualTo("KubejoinPolicyApproved");
        }

        @Test
        void bootstrapClientWithoutKeyEnciphermentAsNewerKubelets() {
            CertificateSigningRequest c = withUsages(bootstrapClient("abc123", nodeRequest("worker-1").specRequest()),
                    "digital signature", "client auth");
            assertDecision(decide(c), Verdict.APPROVE, Rule.APPROVED);
        }

        @Test
        void bootstrapClientWithRsa2048Key() {
            CertificateSigningRequest c = bootstrapClient("def456",
                    nodeRequest("worker-2").keys(TestCsrs.rsa(2048)).specRequest());
            assertDecision(decide(c), Verdict.APPROVE, Rule.APPROVED, "worker-2", "RSA 2048");
        }

        @Test
        void renewalByTheNodeItself() {
            assertDecision(decide(renewal("worker-1", nodeRequest("worker-1").specRequest())),
                    Verdict.APPROVE, Rule.APPROVED, "client certificate renewal by node worker-1");
        }

        @Test
        void servingWithNodeNameAndInventoryIp() {
            CertificateSigningRequest c = serving("worker-2",
                    nodeRequest("worker-2").dns("worker-2").ip("10.0.0.12").specRequest());
            assertDecision(decide(c), Verdict.APPROVE, Rule.APPROVED,
                    "serving certificate for node worker-2 (DNS worker-2, IP 10.0.0.12)");
        }

        @Test
        void servingWithAnExtraAddressTheInventoryStates() {
            CertificateSigningRequest c = serving("worker-1",
                    nodeRequest("worker-1").dns("worker-1").ip("10.0.0.11").ip("10.0.1.11").specRequest());
            assertDecision(decide(c), Verdict.APPROVE, Rule.APPROVED, "IP 10.0.1.11");
        }

        @Test
        void servingWithAnExtraNameTheInventoryStates() {
            CertificateSigningRequest c = serving("worker-1",
                    nodeRequest("worker-1").dns("worker-1").dns("worker-1.example.com").ip("10.0.0.11").specRequest());
            assertDecision(decide(c), Verdict.APPROVE, Rule.APPROVED, "DNS worker-1.example.com");
        }

        @Test
        void servingWithAnAddressInsideServingCidrs() {
            CertificateSigningRequest c = serving("worker-7",
                    nodeRequest("worker-7").dns("worker-7").ip("10.0.0.17").ip("192.168.50.77").specRequest());
            assertDecision(decide(c), Verdict.APPROVE, Rule.APPROVED, "IP 192.168.50.77");
        }

        @Test
        void clientWithoutKeyEnciphermentWhereTheSignerAcceptsIt() {
            // 1.25's signer accepts the set without key encipherment (kubernetes#111061)
            CertificateSigningRequest c = withUsages(bootstrapClient("abc123", nodeRequest("worker-1").specRequest()),
                    "digital signature", "client auth");
            assertDecision(policy.decide(c, context(KubeVersion.parse("1.25.0"))), Verdict.APPROVE, Rule.APPROVED);
            CertificateSigningRequest s = withUsages(serving("worker-2", nodeRequest("worker-2").dns("worker-2")
                    .specRequest()), "digital signature", "server auth");
            assertDecision(policy.decide(s, context(KubeVersion.parse("1.25.0"))), Verdict.APPROVE, Rule.APPROVED);
        }

        @Test
        void keyEnciphermentAsOldKubeletsSendItWhereTheSignerRequiresIt() {
            CertificateSigningRequest c = withUsages(bootstrapClient("abc123", nodeRequest("worker-1").specRequest()),
                    "digital signature", "key encipherment", "client auth");
            assertDecision(policy.decide(c, context(KubeVersion.parse("1.24.17"))), Verdict.APPROVE, Rule.APPROVED);
        }

        @Test
        void servingWithExpirationWithinTheMaximumAndKeyEnciphermentForRsa() {
            CertificateSigningRequest c = new CertificateSigningRequestBuilder(serving("worker-1",
                    nodeRequest("worker-1").keys(TestCsrs.rsa(2048)).dns("worker-1").specRequest()))
                    .editSpec().withExpirationSeconds((int) MAX_SERVING)
                    .withUsages("key encipherment", "digital signature", "server auth").endSpec().build();
            assertDecision(decide(c), Verdict.APPROVE, Rule.APPROVED);
        }

        @Test
        void requestedExtensionsThatAgreeWithTheUsages() {
            CertificateSigningRequest c = serving("worker-1", nodeRequest("worker-1").dns("worker-1")
                    .extension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .extension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .extension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .specRequest());
            assertDecision(decide(c), Verdict.APPROVE, Rule.APPROVED);
        }

        @Test
        void servingWithAnIpv6InventoryAddressWrittenDifferently() {
            CertificateSigningRequest c = serving("worker-6",
                    nodeRequest("worker-6").dns("worker-6").ip("fd00:0:0:0:0:0:0:16").specRequest());
            assertDecision(decide(c), Verdict.APPROVE, Rule.APPROVED);
        }

        @Test
        void contextFromTheArticleInventory() {
            ApprovalContext ctx = InventoryApprovalContext.of(TestInventories.article(), Map.of("abc123", "slave"),
                    InventoryApprovalContext.DEFAULT_MAX_SERVING_EXPIRATION, null);
            assertThat(ctx.signerRelease()).isEqualTo(TestInventories.article().kubernetesVersion());
            assertDecision(policy.decide(serving("slave", nodeRequest("slave").dns("slave").ip("192.168.0.114")
                    .specRequest()), ctx), Verdict.APPROVE, Rule.APPROVED);
            assertDecision(policy.decide(bootstrapClient("abc123", nodeRequest("slave").specRequest()), ctx),
                    Verdict.APPROVE, Rule.APPROVED);
            assertThat(ctx.reservedBy(ip("192.168.0.107"), "slave")).contains("the API server's address");
            assertThat(ctx.reservedBy(ip("10.254.0.1"), "slave")).contains("the service network 10.254.0.0/16");
            assertThat(ctx.reservedBy(ip("172.30.4.5"), "slave")).contains("the pod network 172.30.0.0/16");
            assertThat(ctx.reservedBy(ip("192.168.0.114"), "slave")).isEmpty();
        }
    }

    /** The hostile set: forged or foreign CSRs, each denied or left pending with its reason. */
    @Nested
    @Tag("hostile")
    class Hostile {
        @Test
        void tokenOfNodeAAskingForNodeB() {
            CsrDecision d = decide(bootstrapClient("abc123", nodeRequest("worker-2").specRequest()));
            assertDecision(d, Verdict.DENY, Rule.TOKEN_NODE_MISMATCH,
                    "token abc123 was issued for node worker-1, but the request is for system:node:worker-2");
            assertThat(d.conditionReason()).isEqualTo("KubejoinPolicyDenied");
        }

        @Test
        void extraIpSan() {
            assertDecision(decide(serving("worker-1", nodeRequest("worker-1").dns("worker-1").ip("10.0.0.11")
                            .ip("10.9.9.9").specRequest())), Verdict.DENY, Rule.IP_SAN,
                    "IP address 10.9.9.9 is not an address the inventory states for node worker-1 (address and "
                            + "extraAddresses: 10.0.0.11, 10.0.1.11; approval.servingCIDRs: none)",
                    "an address it only reports there is not trusted", "add it to the node's extraAddresses");
        }

        @Test
        void anAddressTheKubeletOnlyReportsInItsNodeStatusIsDenied() {
            // issue 13: a kubelet added 8.8.8.8 to its own Node status and asked for it; only the inventory counts
            assertDecision(decide(serving("worker-2", nodeRequest("worker-2").dns("worker-2").ip("10.0.0.12")
                            .ip("8.8.8.8").specRequest())), Verdict.DENY, Rule.IP_SAN,
                    "IP address 8.8.8.8 is not an address the inventory states for node worker-2");
        }

        @Test
        void servingCidrsDoNotOpenTheApiServersAddressOrOtherNodes() {
            assertDecision(decide(serving("worker-7", nodeRequest("worker-7").dns("worker-7").ip("192.168.50.2")
                    .specRequest())), Verdict.DENY, Rule.IP_SAN, "192.168.50.2 is the API server's address");
            assertDecision(decide(serving("worker-7", nodeRequest("worker-7").dns("worker-7").ip("192.168.51.1")
                    .specRequest())), Verdict.DENY, Rule.IP_SAN, "approval.servingCIDRs: 192.168.50.0/24");
        }

        @Test
        void dnsNamesCompareExactlyLowerCaseWithoutTrailingDot() {
            assertDecision(decide(serving("worker-1", nodeRequest("worker-1").dns("worker-1.").specRequest())),
                    Verdict.DENY, Rule.DNS_SAN, "DNS name worker-1. is not a name the inventory states for node "
                            + "worker-1", "names compare exactly, and worker-1. is not written as worker-1");
            assertDecision(decide(serving("worker-1", nodeRequest("worker-1").dns("Worker-1").specRequest())),
                    Verdict.DENY, Rule.DNS_SAN, "names compare exactly, and Worker-1 is not written as worker-1");
            assertDecision(decide(serving("worker-1", nodeRequest("worker-1").dns("worker-1")
                            .dns("WORKER-1.EXAMPLE.COM.").specRequest())), Verdict.DENY, Rule.DNS_SAN,
                    "WORKER-1.EXAMPLE.COM. is not written as worker-1.example.com");
            // another node's extra name is not this node's
            assertDecision(decide(serving("worker-2", nodeRequest("worker-2").dns("worker-1.example.com")
                    .specRequest())), Verdict.DENY, Rule.DNS_SAN, "(its name and extraNames: worker-2)");
        }

        @Test
        void clientWithoutKeyEnciphermentIsDeniedWhereThe124SignerWouldFailIt() {
            // issue 12: the 1.24 signer marks it Failed (SignerValidationFailure) after kubejoin approved it
            CertificateSigningRequest c = withUsages(bootstrapClient("abc123", nodeRequest("worker-1").specRequest()),
                    "digital signature", "client auth");
            assertDecision(policy.decide(c, context(KubeVersion.parse("1.24.17"))), Verdict.DENY,
                    Rule.SIGNER_WOULD_REFUSE, "lack \"key encipherment\"",
                    "kubernetes.io/kube-apiserver-client-kubelet signer of Kubernetes 1.24 refuses that");
            CertificateSigningRequest s = withUsages(serving("worker-2", nodeRequest("worker-2").dns("worker-2")
                    .specRequest()), "digital signature", "server auth");
            assertDecision(policy.decide(s, context(KubeVersion.parse("1.19.0"))), Verdict.DENY,
                    Rule.SIGNER_WOULD_REFUSE, "kubernetes.io/kubelet-serving signer of Kubernetes 1.19");
        }

        @Test
        void ipv6SanNotTheNodes() {
            assertDecision(decide(serving("worker-6", nodeRequest("worker-6").dns("worker-6").ip("fd00::17")
                    .specRequest())), Verdict.DENY, Rule.IP_SAN, "is not an address the inventory states for node worker-6 (address and extraAddresses: fd00:");
        }

        @Test
        void ipSanOfAnotherNode() {
            // worker-1's Node status even claims it; the inventory says it is worker-2's
            assertDecision(decide(serving("worker-1", nodeRequest("worker-1").dns("worker-1").ip("10.0.0.12")
                            .specRequest())), Verdict.DENY, Rule.IP_SAN,
                    "IP address 10.0.0.12 is an inventory address of node worker-2, not an address of node worker-1");
        }

        @Test
        void ipSanOfTheApiServerOrAServiceClaimedInNodeStatus() {
            assertDecision(decide(serving("worker-1", nodeRequest("worker-1").ip("10.0.0.2").specRequest())),
                    Verdict.DENY, Rule.IP_SAN, "10.0.0.2 is the API server's address");
            assertDecision(decide(serving("worker-1", nodeRequest("worker-1").ip("10.254.0.1").specRequest())),
                    Verdict.DENY, Rule.IP_SAN, "10.254.0.1 is the service network 10.254.0.0/16");
        }

        @Test
        void loopbackIpSanClaimedInNodeStatus() {
            assertDecision(decide(serving("worker-1", nodeRequest("worker-1").dns("worker-1").ip("127.0.0.1")
                    .specRequest())), Verdict.DENY, Rule.IP_SAN, "127.0.0.1 is not an address the inventory states for node worker-1");
        }

        @Test
        void dnsSanOfAnotherNode() {
            assertDecision(decide(serving("worker-1", nodeRequest("worker-1").dns("worker-1").dns("worker-2")
                            .specRequest())), Verdict.DENY, Rule.DNS_SAN,
                    "DNS name worker-2 (that is node worker-2) is not a name the inventory states for node worker-1");
        }

        @Test
        void dnsSanOfTheApiServer() {
            assertDecision(decide(serving("worker-1", nodeRequest("worker-1").dns("worker-1")
                            .dns("kubernetes.default.svc").specRequest())), Verdict.DENY, Rule.DNS_SAN,
                    "DNS name kubernetes.default.svc is not a name the inventory states for node worker-1");
        }

        @Test
        void emailSanOnServing() {
            assertDecision(decide(serving("worker-1", nodeRequest("worker-1").dns("worker-1")
                            .email("root@worker-1").specRequest())), Verdict.DENY, Rule.SAN_TYPE,
                    "carries only DNS and IP names, but the request has email root@worker-1");
        }

        @Test
        void uriSanOnServing() {
            assertDecision(decide(serving("worker-1", nodeRequest("worker-1").dns("worker-1")
                            .uri("spiffe://cluster.local/ns/kube-system/sa/admin").specRequest())),
                    Verdict.DENY, Rule.SAN_TYPE, "URI spiffe://cluster.local/ns/kube-system/sa/admin");
        }

        @Test
        void anySanOnAClientCertificate() {
            assertDecision(decide(bootstrapClient("abc123", nodeRequest("worker-1").dns("worker-1").specRequest())),
                    Verdict.DENY, Rule.CLIENT_SAN, "carries no subject alternative names, but the request has DNS worker-1");
            assertDecision(decide(bootstrapClient("abc123", nodeRequest("worker-1").ip("10.0.0.11").specRequest())),
                    Verdict.DENY, Rule.CLIENT_SAN, "IP 10.0.0.11");
            assertDecision(decide(renewal("worker-1", nodeRequest("worker-1").email("a@b").specRequest())),
                    Verdict.DENY, Rule.CLIENT_SAN, "email a@b");
            assertDecision(decide(renewal("worker-1", nodeRequest("worker-1").uri("https://x").specRequest())),
                    Verdict.DENY, Rule.CLIENT_SAN, "URI https://x");
        }

        @Test
        void wrongOrganization() {
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "system:masters")
                    .addRDN(BCStyle.CN, "system:node:worker-1").build();
            assertDecision(decide(bootstrapClient("abc123", request(subject).specRequest())), Verdict.DENY,
                    Rule.SUBJECT, "organization is [system:masters]; it must be exactly [system:nodes]");
        }

        @Test
        void extraOrganization() {
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "system:nodes")
                    .addRDN(BCStyle.O, "system:masters").addRDN(BCStyle.CN, "system:node:worker-1").build();
            assertDecision(decide(bootstrapClient("abc123", request(subject).specRequest())), Verdict.DENY,
                    Rule.SUBJECT, "organization is [system:nodes, system:masters]");
        }

        @Test
        void missingOrganization() {
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, "system:node:worker-1").build();
            assertDecision(decide(bootstrapClient("abc123", request(subject).specRequest())), Verdict.DENY,
                    Rule.SUBJECT, "organization is missing");
        }

        @Test
        void commonNameNotANode() {
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "system:nodes")
                    .addRDN(BCStyle.CN, "admin").build();
            assertDecision(decide(bootstrapClient("abc123", request(subject).specRequest())), Verdict.DENY,
                    Rule.SUBJECT, "common name admin does not name a node");
        }

        @Test
        void extraSubjectAttribute() {
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "system:nodes")
                    .addRDN(BCStyle.OU, "ops").addRDN(BCStyle.CN, "system:node:worker-1").build();
            assertDecision(decide(bootstrapClient("abc123", request(subject).specRequest())), Verdict.DENY,
                    Rule.SUBJECT, "attributes kubelet never sends: OU=ops");
        }

        @Test
        void multiValuedRdn() {
            RDN both = new RDN(new AttributeTypeAndValue[]{
                    new AttributeTypeAndValue(BCStyle.O, new DERUTF8String("system:nodes")),
                    new AttributeTypeAndValue(BCStyle.CN, new DERUTF8String("system:node:worker-1"))});
            assertDecision(decide(bootstrapClient("abc123", request(new X500Name(new RDN[]{both})).specRequest())),
                    Verdict.DENY, Rule.SUBJECT, "multi-valued RDN");
        }

        @Test
        void signerKubejoinDoesNotHandleIsIgnored() {
            CertificateSigningRequest c = new CertificateSigningRequestBuilder(
                    bootstrapClient("abc123", nodeRequest("worker-1").specRequest()))
                    .editSpec().withSignerName("kubernetes.io/kube-apiserver-client").endSpec().build();
            CsrDecision d = decide(c);
            assertDecision(d, Verdict.IGNORE, Rule.UNHANDLED_SIGNER,
                    "signer kubernetes.io/kube-apiserver-client is not one kubejoin approves");
            assertThat(d.conditionReason()).isNull();
        }

        @Test
        void renewalByNodeAForNodeB() {
            assertDecision(decide(renewal("worker-1", nodeRequest("worker-2").specRequest())), Verdict.DENY,
                    Rule.REQUESTER_NODE_MISMATCH,
                    "requester system:node:worker-1 may only request client certificates for system:node:worker-1,"
                            + " but the request is for system:node:worker-2");
        }

        @Test
        void servingForAnotherNodesCommonName() {
            assertDecision(decide(serving("worker-1", nodeRequest("worker-2").dns("worker-1").specRequest())),
                    Verdict.DENY, Rule.REQUESTER_NODE_MISMATCH, "serving certificates for system:node:worker-1");
        }

        @Test
        void serverAuthOnTheClientSigner() {
            CertificateSigningRequest c = withUsages(bootstrapClient("abc123", nodeRequest("worker-1").specRequest()),
                    "digital signature", "client auth", "server auth");
            assertDecision(decide(c), Verdict.DENY, Rule.USAGES, "not allowed: [server auth]");
        }

        @Test
        void clientAuthOnTheServingSigner() {
            CertificateSigningRequest c = withUsages(serving("worker-1",
                    nodeRequest("worker-1").dns("worker-1").specRequest()), "digital signature", "client auth");
            assertDecision(decide(c), Verdict.DENY, Rule.USAGES, "not allowed: [client auth]", "missing: [server auth]");
        }

        @Test
        void specUsagesIncludingCertSign() {
            CertificateSigningRequest c = withUsages(serving("worker-1",
                            nodeRequest("worker-1").dns("worker-1").specRequest()),
                    "digital signature", "server auth", "cert sign");
            assertDecision(decide(c), Verdict.DENY, Rule.USAGES, "not allowed: [cert sign]");
        }

        @Test
        void requestExtensionsContradictingTheUsages() {
            assertDecision(decide(bootstrapClient("abc123", nodeRequest("worker-1")
                            .extension(Extension.extendedKeyUsage, false,
                                    new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth)).specRequest())),
                    Verdict.DENY, Rule.REQUEST_EXTENSION, "contradict \"client auth\"");
            assertDecision(decide(serving("worker-1", nodeRequest("worker-1").dns("worker-1")
                            .extension(Extension.basicConstraints, true, new BasicConstraints(true)).specRequest())),
                    Verdict.DENY, Rule.REQUEST_EXTENSION, "certificate authority");
            assertDecision(decide(serving("worker-1", nodeRequest("worker-1").dns("worker-1")
                            .extension(Extension.keyUsage, true,
                                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyCertSign)).specRequest())),
                    Verdict.DENY, Rule.REQUEST_EXTENSION, "only digital signature and key encipherment");
            assertDecision(decide(serving("worker-1", nodeRequest("worker-1").dns("worker-1")
                            .extension(Extension.nameConstraints, true, new DERSequence()).specRequest())),
                    Verdict.DENY, Rule.REQUEST_EXTENSION, "extension 2.5.29.30, which kubelet never sends");
        }

        @Test
        void requestAttributeOtherThanExtensionRequest() {
            assertDecision(decide(bootstrapClient("abc123", nodeRequest("worker-1")
                            .attribute(PKCSObjectIdentifiers.pkcs_9_at_challengePassword, TestCsrs.printable("pw"))
                            .specRequest())),
                    Verdict.DENY, Rule.REQUEST_EXTENSION, "attribute 1.2.840.113549.1.9.7");
        }

        @Test
        void bootstrapTokenNotIssuedByKubejoinIsIgnored() {
            assertDecision(decide(bootstrapClient("zzz999", nodeRequest("worker-1").specRequest())),
                    Verdict.IGNORE, Rule.FOREIGN_TOKEN, "bootstrap token zzz999, which kubejoin did not issue");
        }

        @Test
        void nodeNotInTheInventoryIsIgnored() {
            assertDecision(decide(renewal("worker-9", nodeRequest("worker-9").specRequest())), Verdict.IGNORE,
                    Rule.NODE_NOT_IN_INVENTORY, "node worker-9, which is not in the inventory");
            assertDecision(decide(bootstrapClient("ghost1", nodeRequest("worker-9").specRequest())), Verdict.IGNORE,
                    Rule.NODE_NOT_IN_INVENTORY, "token ghost1 was issued for node worker-9, which is not in the inventory");
        }

        @Test
        void kubejoinTokenOfARemovedNodeAskingForAnInventoryNode() {
            assertDecision(decide(bootstrapClient("ghost1", nodeRequest("worker-1").specRequest())), Verdict.DENY,
                    Rule.TOKEN_NODE_MISMATCH, "token ghost1 was issued for node worker-9");
        }

        @Test
        void signatureByAnotherKey() {
            assertDecision(decide(bootstrapClient("abc123", nodeRequest("worker-1").signedBy(TestCsrs.p256())
                            .specRequest())), Verdict.DENY, Rule.BAD_SIGNATURE,
                    "does not verify with its own public key");
        }

        @Test
        void tamperedRequestBody() throws Exception {
            // flip one byte of the subject after signing: the signature no longer covers what is sent
            byte[] der = TestCsrs.nodeRequest("worker-1").build().getEncoded().clone();
            String text = new String(der, java.nio.charset.StandardCharsets.ISO_8859_1);
            int at = text.indexOf("worker-1");
            der[at + 7] = (byte) '2';
            String pem = "-----BEGIN CERTIFICATE REQUEST-----\n"
                    + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                    + "\n-----END CERTIFICATE REQUEST-----\n";
            assertDecision(decide(bootstrapClient("abc123", TestCsrs.base64(pem))), Verdict.DENY, Rule.BAD_SIGNATURE);
        }

        @Test
        void malformedBase64() {
            assertDecision(decide(bootstrapClient("abc123", "not base64 at all!")), Verdict.DENY,
                    Rule.MALFORMED_REQUEST, "spec.request is not base64");
        }

        @Test
        void notAPemBlock() {
            assertDecision(decide(bootstrapClient("abc123", TestCsrs.base64("hello"))), Verdict.DENY,
                    Rule.MALFORMED_REQUEST, "spec.request holds no PEM block");
        }

        @Test
        void pemOfTheWrongType() {
            String pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
            assertDecision(decide(bootstrapClient("abc123", TestCsrs.base64(pem))), Verdict.DENY,
                    Rule.MALFORMED_REQUEST, "a PEM \"CERTIFICATE\" block, not a \"CERTIFICATE REQUEST\"");
        }

        @Test
        void pemWithGarbageInside() {
            String pem = "-----BEGIN CERTIFICATE REQUEST-----\nAAECAwQF\n-----END CERTIFICATE REQUEST-----\n";
            assertDecision(decide(bootstrapClient("abc123", TestCsrs.base64(pem))), Verdict.DENY,
                    Rule.MALFORMED_REQUEST, "not a PKCS#10 request");
        }

        @Test
        void twoPemBlocks() {
            String one = new String(java.util.Base64.getDecoder().decode(nodeRequest("worker-1").specRequest()));
            assertDecision(decide(bootstrapClient("abc123", TestCsrs.base64(one + one))), Verdict.DENY,
                    Rule.MALFORMED_REQUEST, "more than one PEM block");
        }

        @Test
        void servingRequestedByABootstrapIdentity() {
            CertificateSigningRequest c = csr("x", CsrPolicy.SERVING_SIGNER, "system:bootstrap:abc123",
                    List.of("system:bootstrappers"), List.of("digital signature", "server auth"),
                    nodeRequest("worker-1").dns("worker-1").specRequest());
            assertDecision(decide(c), Verdict.DENY, Rule.BOOTSTRAP_SERVING,
                    "bootstrap token abc123 (issued for node worker-1) asks for a serving certificate");
        }

        @Test
        void expirationOverTheMaximum() {
            CertificateSigningRequest c = new CertificateSigningRequestBuilder(serving("worker-1",
                    nodeRequest("worker-1").dns("worker-1").specRequest()))
                    .editSpec().withExpirationSeconds((int) MAX_SERVING + 1).endSpec().build();
            assertDecision(decide(c), Verdict.DENY, Rule.EXPIRATION,
                    "spec.expirationSeconds 2592001 exceeds the maximum of 2592000 seconds");
        }

        @Test
        void servingWithoutAnyName() {
            assertDecision(decide(serving("worker-1", nodeRequest("worker-1").specRequest())), Verdict.DENY,
                    Rule.NO_SAN, "names no DNS name or IP address");
        }

        @Test
        void weakOrUnusualKeys() {
            assertDecision(decide(bootstrapClient("abc123", nodeRequest("worker-1").keys(TestCsrs.rsa(1024))
                    .specRequest())), Verdict.DENY, Rule.KEY_TYPE, "RSA key has 1024 bits");
            assertDecision(decide(bootstrapClient("abc123", nodeRequest("worker-1").keys(TestCsrs.ec("secp384r1"))
                    .algorithm("SHA384withECDSA").specRequest())), Verdict.DENY, Rule.KEY_TYPE, "not on curve P-256");
        }

        @Test
        void sha1Signature() {
            assertDecision(decide(bootstrapClient("abc123", nodeRequest("worker-1").algorithm("SHA1withECDSA")
                    .specRequest())), Verdict.DENY, Rule.SIGNATURE_ALGORITHM, "signed with algorithm 1.2.840.10045.4.1");
        }

        @Test
        void bootstrapRequesterWithoutTheBootstrappersGroup() {
            CertificateSigningRequest c = new CertificateSigningRequestBuilder(
                    bootstrapClient("abc123", nodeRequest("worker-1").specRequest()))
                    .editSpec().withGroups("system:authenticated").endSpec().build();
            assertDecision(decide(c), Verdict.DENY, Rule.BOOTSTRAP_GROUP_MISSING,
                    "requester system:bootstrap:abc123 is not in group system:bootstrappers");
        }

        @Test
        void nodeRequesterWithoutTheNodesGroup() {
            CertificateSigningRequest c = new CertificateSigningRequestBuilder(
                    renewal("worker-1", nodeRequest("worker-1").specRequest()))
                    .editSpec().withGroups("system:authenticated").endSpec().build();
            assertDecision(decide(c), Verdict.DENY, Rule.NODE_GROUP_MISSING,
                    "requester system:node:worker-1 is not in group system:nodes");
        }

        @Test
        void adminRequesterIsIgnored() {
            CertificateSigningRequest c = new CertificateSigningRequestBuilder(
                    bootstrapClient("abc123", nodeRequest("worker-1").specRequest()))
                    .editSpec().withUsername("kubernetes-admin").withGroups("system:masters").endSpec().build();
            assertDecision(decide(c), Verdict.IGNORE, Rule.FOREIGN_REQUESTER, "requester kubernetes-admin is neither");
        }

        @Test
        void alreadyDecidedIsIgnored() {
            CertificateSigningRequest forged = bootstrapClient("abc123", nodeRequest("worker-2").specRequest());
            CertificateSigningRequest denied = new CertificateSigningRequestBuilder(forged).withNewStatus()
                    .addNewCondition().withType("Denied").withStatus("True").withReason("KubejoinPolicyDenied")
                    .endCondition().endStatus().build();
            assertDecision(decide(denied), Verdict.IGNORE, Rule.ALREADY_DECIDED, "already Denied (KubejoinPolicyDenied)");
            CertificateSigningRequest failed = new CertificateSigningRequestBuilder(forged).withNewStatus()
                    .addNewCondition().withType("Failed").withStatus("True").endCondition().endStatus().build();
            assertDecision(decide(failed), Verdict.IGNORE, Rule.ALREADY_DECIDED, "already Failed");
        }
    }
}
