package io.kubejoin.cluster.approval;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestSpec;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatus;
import io.kubejoin.version.KubeVersion;
import io.kubejoin.version.VersionRules;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;

/**
 * Decides, for one certificates.k8s.io/v1 CertificateSigningRequest, whether kubejoin approves it, denies it or
 * leaves it alone. Pure: everything it knows comes from the CSR and the {@link ApprovalContext}.
 *
 * <p>The article approves every pending CSR, which hands any bootstrap-token holder a certificate for any node
 * name or address. Here a client certificate ({@value #CLIENT_SIGNER}) is approved only for the node the
 * requesting token was issued for (or the node itself, renewing), and a serving certificate
 * ({@value #SERVING_SIGNER}) only for the names and addresses the inventory states for the node (never what the
 * kubelet reports in its own Node status), and nothing the cluster's signer would then refuse. Subject, key and
 * SANs are read from the PKCS#10 request itself, since that is what the signer copies into the certificate.
 *
 * <p>Deny versus ignore: what kubejoin can tell is forged or broken (a kubejoin token asking for another node,
 * a node asking for another node's name or address, a bad signature) is denied, so nobody approves it by
 * mistake later. What belongs to someone else (other signers, admin-created CSRs, bootstrap tokens kubejoin did
 * not issue, nodes outside the inventory) is left pending: denying it could break another tool's join.
 */
public final class CsrPolicy {
    public static final String CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";
    public static final String SERVING_SIGNER = "kubernetes.io/kubelet-serving";
    public static final String NODE_USER_PREFIX = "system:node:";
    public static final String BOOTSTRAP_USER_PREFIX = "system:bootstrap:";
    public static final String NODES_GROUP = "system:nodes";
    public static final String BOOTSTRAPPERS_GROUP = "system:bootstrappers";

    static final String DIGITAL_SIGNATURE = "digital signature";
    static final String KEY_ENCIPHERMENT = "key encipherment";
    static final String CLIENT_AUTH = "client auth";
    static final String SERVER_AUTH = "server auth";

    private static final Set<String> DECIDED = Set.of("Approved", "Denied", "Failed");

    /** The two kinds of certificate kubejoin approves. */
    private enum Kind {
        CLIENT(CLIENT_AUTH, KeyPurposeId.id_kp_clientAuth),
        SERVING(SERVER_AUTH, KeyPurposeId.id_kp_serverAuth);

        final String purpose;
        final KeyPurposeId keyPurpose;

        Kind(String purpose, KeyPurposeId keyPurpose) {
            this.purpose = purpose;
            this.keyPurpose = keyPurpose;
        }
    }

    /** Who asked: a node renewing or serving, or a bootstrap token. */
    private record Requester(boolean bootstrap, String id) {
        String user() {
            return (bootstrap ? BOOTSTRAP_USER_PREFIX : NODE_USER_PREFIX) + id;
        }
    }

    public CsrDecision decide(CertificateSigningRequest csr, ApprovalContext context) {
        Optional<CsrDecision> decided = alreadyDecided(csr.getStatus());
        if (decided.isPresent()) return decided.get();
        CertificateSigningRequestSpec spec = csr.getSpec();
        String signer = spec == null ? null : spec.getSignerName();
        Kind kind;
        if (CLIENT_SIGNER.equals(signer)) {
            kind = Kind.CLIENT;
        } else if (SERVING_SIGNER.equals(signer)) {
            kind = Kind.SERVING;
        } else {
            return ignore(Rule.UNHANDLED_SIGNER, "signer " + signer + " is not one kubejoin approves for ("
                    + CLIENT_SIGNER + ", " + SERVING_SIGNER + ")");
        }

        // --- who is asking, and is it kubejoin's business ---
        String username = spec.getUsername() == null ? "" : spec.getUsername();
        List<String> groups = spec.getGroups() == null ? List.of() : spec.getGroups();
        Requester requester;
        String node; // the node this requester may obtain certificates for
        if (username.startsWith(BOOTSTRAP_USER_PREFIX)) {
            requester = new Requester(true, username.substring(BOOTSTRAP_USER_PREFIX.length()));
            Optional<String> tokenNode = context.tokenNode(requester.id());
            if (tokenNode.isEmpty()) {
                return ignore(Rule.FOREIGN_TOKEN, "requester " + username + " uses bootstrap token "
                        + requester.id() + ", which kubejoin did not issue (no kube-system Secret labelled "
                        + "kubejoin.io/node); left for the approver that owns it");
            }
            node = tokenNode.get();
            if (kind == Kind.SERVING) {
                // kubelet asks for its serving certificate only once it has its own node credentials
                return deny(Rule.BOOTSTRAP_SERVING, "bootstrap token " + requester.id() + " (issued for node " + node
                        + ") asks for a serving certificate; only the node itself (" + NODE_USER_PREFIX + node
                        + ") may request one");
            }
            if (!groups.contains(BOOTSTRAPPERS_GROUP)) {
                return deny(Rule.BOOTSTRAP_GROUP_MISSING, "requester " + username + " is not in group "
                        + BOOTSTRAPPERS_GROUP + ", so it was not authenticated by a bootstrap token");
            }
        } else if (username.startsWith(NODE_USER_PREFIX) && username.length() > NODE_USER_PREFIX.length()) {
            requester = new Requester(false, username.substring(NODE_USER_PREFIX.length()));
            node = requester.id();
            if (context.statedNames(node).isEmpty()) {
                return ignore(Rule.NODE_NOT_IN_INVENTORY, "requester " + username + " is node " + node
                        + ", which is not in the inventory; left for whoever manages it");
            }
            if (!groups.contains(NODES_GROUP)) {
                return deny(Rule.NODE_GROUP_MISSING, "requester " + username + " is not in group " + NODES_GROUP
                        + ", so it is not node " + node + "'s credential");
            }
        } else {
            return ignore(Rule.FOREIGN_REQUESTER, "requester " + (username.isEmpty() ? "(none)" : username)
                    + " is neither a node (" + NODE_USER_PREFIX + "<name>) nor a bootstrap token ("
                    + BOOTSTRAP_USER_PREFIX + "<id>); left for a person or another approver");
        }

        // --- the request itself: what the signer would actually put in the certificate ---
        CertificateRequest request;
        try {
            request = CertificateRequest.parse(spec.getRequest());
        } catch (CertificateRequest.Problem p) {
            return deny(p.rule, p.getMessage());
        }
        Optional<CsrDecision> subject = checkSubject(request, requester, node, kind);
        if (subject.isPresent()) return subject.get();
        if (context.statedNames(node).isEmpty()) {
            // a kubejoin token for a node this inventory does not list: another inventory's join
            return ignore(Rule.NODE_NOT_IN_INVENTORY, "token " + requester.id() + " was issued for node " + node
                    + ", which is not in the inventory; left for whoever manages it");
        }
        Optional<CsrDecision> sans = kind == Kind.CLIENT
                ? checkClientSans(request.sans())
                : checkServingSans(request.sans(), node, context);
        if (sans.isPresent()) return sans.get();
        Optional<CsrDecision> usages = checkUsages(spec.getUsages(), kind, context.signerRelease());
        if (usages.isPresent()) return usages.get();
        Optional<CsrDecision> extensions = checkExtensions(request.extensions(), kind);
        if (extensions.isPresent()) return extensions.get();
        if (kind == Kind.SERVING && spec.getExpirationSeconds() != null
                && spec.getExpirationSeconds() > context.maxServingExpirationSeconds()) {
            return deny(Rule.EXPIRATION, "spec.expirationSeconds " + spec.getExpirationSeconds()
                    + " exceeds the maximum of " + context.maxServingExpirationSeconds()
                    + " seconds for a serving certificate");
        }
        String what = kind == Kind.CLIENT
                ? (requester.bootstrap() ? "client certificate for node " + node + " requested with its own token "
                + requester.id() : "client certificate renewal by node " + node)
                : "serving certificate for node " + node + " (" + describe(request.sans()) + ")";
        return new CsrDecision(Rule.APPROVED, "kubejoin approved the " + what + ", " + request.keyDescription()
                + " key");
    }

    /** Approved, denied or failed already, or with a certificate: {@link #decide} leaves it ({@code ALREADY_DECIDED}). */
    static boolean decided(CertificateSigningRequest csr) {
        return alreadyDecided(csr.getStatus()).isPresent();
    }

    private static Optional<CsrDecision> alreadyDecided(CertificateSigningRequestStatus status) {
        if (status == null) return Optional.empty();
        if (status.getConditions() != null) {
            for (CertificateSigningRequestCondition c : status.getConditions()) {
                if (c != null && DECIDED.contains(c.getType())) {
                    return Optional.of(ignore(Rule.ALREADY_DECIDED, "already " + c.getType()
                            + (c.getReason() == null ? "" : " (" + c.getReason() + ")")));
                }
            }
        }
        if (status.getCertificate() != null && !status.getCertificate().isEmpty()) {
            return Optional.of(ignore(Rule.ALREADY_DECIDED, "already has a certificate"));
        }
        return Optional.empty();
    }

    /** kubelet writes exactly O=system:nodes, CN=system:node:&lt;name&gt;; anything more ends up in the certificate. */
    private static Optional<CsrDecision> checkSubject(CertificateRequest request, Requester requester, String node,
                                                      Kind kind) {
        List<String> orgs = new ArrayList<>();
        List<String> cns = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (CertificateRequest.SubjectAttribute a : request.subject()) {
            if (BCStyle.O.equals(a.type())) orgs.add(a.value());
            else if (BCStyle.CN.equals(a.type())) cns.add(a.value());
            else others.add(a.name() + "=" + a.value());
        }
        if (!orgs.equals(List.of(NODES_GROUP))) {
            return Optional.of(deny(Rule.SUBJECT, "the request's organization is " + (orgs.isEmpty() ? "missing"
                    : orgs) + "; it must be exactly [" + NODES_GROUP + "]"));
        }
        if (cns.size() != 1) {
            return Optional.of(deny(Rule.SUBJECT, "the request has " + cns.size()
                    + " common names; it must have exactly one, " + NODE_USER_PREFIX + "<node>"));
        }
        String cn = cns.get(0);
        if (!cn.startsWith(NODE_USER_PREFIX) || cn.length() == NODE_USER_PREFIX.length()) {
            return Optional.of(deny(Rule.SUBJECT, "the request's common name " + cn + " does not name a node ("
                    + NODE_USER_PREFIX + "<node>)"));
        }
        if (!others.isEmpty()) {
            return Optional.of(deny(Rule.SUBJECT, "the request's subject has attributes kubelet never sends: "
                    + String.join(", ", others)));
        }
        String asked = cn.substring(NODE_USER_PREFIX.length());
        if (!asked.equals(node)) {
            if (requester.bootstrap()) {
                return Optional.of(deny(Rule.TOKEN_NODE_MISMATCH, "token " + requester.id()
                        + " was issued for node " + node + ", but the request is for " + cn));
            }
            return Optional.of(deny(Rule.REQUESTER_NODE_MISMATCH, "requester " + requester.user()
                    + " may only request " + (kind == Kind.CLIENT ? "client" : "serving") + " certificates for "
                    + NODE_USER_PREFIX + node + ", but the request is for " + cn));
        }
        return Optional.empty();
    }

    /** A client certificate names a user; any SAN would only widen what it can be used for. */
    private static Optional<CsrDecision> checkClientSans(CertificateRequest.Sans sans) {
        if (!sans.isEmpty()) {
            return Optional.of(deny(Rule.CLIENT_SAN, "a kubelet client certificate carries no subject alternative"
                    + " names, but the request has " + describe(sans)));
        }
        return Optional.empty();
    }

    private static Optional<CsrDecision> checkServingSans(CertificateRequest.Sans sans, String node,
                                                          ApprovalContext context) {
        if (!sans.emails().isEmpty() || !sans.uris().isEmpty() || !sans.other().isEmpty()) {
            List<String> bad = new ArrayList<>();
            sans.emails().forEach(e -> bad.add("email " + e));
            sans.uris().forEach(u -> bad.add("URI " + u));
            bad.addAll(sans.other());
            return Optional.of(deny(Rule.SAN_TYPE, "a kubelet serving certificate carries only DNS and IP names,"
                    + " but the request has " + String.join(", ", bad)));
        }
        if (sans.dns().isEmpty() && sans.ips().isEmpty()) {
            return Optional.of(deny(Rule.NO_SAN, "the serving request names no DNS name or IP address"));
        }
        // Allowed is only what the inventory states: kubelet fills its serving request from its own Node
        // status (Hostname and *DNS addresses as DNS names, InternalIP/ExternalIP as IPs), and NodeRestriction
        // lets a kubelet write that status, so an address it merely reports proves nothing.
        StatedNames stated = context.statedNames(node).orElseThrow();
        for (String dns : sans.dns()) {
            // exact: kubelet sends its names as Node status holds them, lower case and without a trailing dot
            if (stated.dnsNames().contains(dns)) continue;
            String plain = dns.toLowerCase(Locale.ROOT);
            if (plain.endsWith(".")) plain = plain.substring(0, plain.length() - 1);
            String owner = !plain.equals(node) && context.statedNames(plain).isPresent()
                    ? " (that is node " + plain + ")" : "";
            String spelling = !plain.equals(dns) && stated.dnsNames().contains(plain)
                    ? "; names compare exactly, and " + dns + " is not written as " + plain : "";
            return Optional.of(deny(Rule.DNS_SAN, "DNS name " + dns + owner + " is not a name the inventory states"
                    + " for node " + node + " (its name and extraNames: " + stated.describeNames() + ")" + spelling
                    + "; if it is the node's, add it to the node's extraNames"));
        }
        for (InetAddress ip : sans.ips()) {
            Optional<String> owner = context.reservedBy(ip, node);
            if (owner.isPresent()) {
                return Optional.of(deny(Rule.IP_SAN, "IP address " + IpLiterals.format(ip) + " is "
                        + owner.get() + ", not an address of node " + node));
            }
            if (stated.allowsIp(ip)) continue;
            return Optional.of(deny(Rule.IP_SAN, "IP address " + IpLiterals.format(ip) + " is not an address the"
                    + " inventory states for node " + node + " (" + stated.describeAddresses() + "); a kubelet"
                    + " writes its own Node status, so an address it only reports there is not trusted; if "
                    + IpLiterals.format(ip) + " is the node's, add it to the node's extraAddresses or its network"
                    + " to approval.servingCIDRs"));
        }
        return Optional.empty();
    }

    /**
     * spec.usages are what the signer puts in the certificate: exactly the signer's purpose plus digital
     * signature; key encipherment is allowed because kubelet adds it for RSA keys (and always did before 1.27),
     * and required while the cluster's signer refuses a request without it (VersionRules: until 1.24).
     */
    private static Optional<CsrDecision> checkUsages(List<String> usages, Kind kind, KubeVersion signerRelease) {
        Set<String> got = usages == null ? Set.of() : new TreeSet<>(usages);
        Set<String> extra = new TreeSet<>(got);
        extra.removeAll(Set.of(DIGITAL_SIGNATURE, KEY_ENCIPHERMENT, kind.purpose));
        Set<String> missing = new TreeSet<>(Set.of(DIGITAL_SIGNATURE, kind.purpose));
        missing.removeAll(got);
        String signer = kind == Kind.CLIENT ? CLIENT_SIGNER : SERVING_SIGNER;
        if (!extra.isEmpty() || !missing.isEmpty()) {
            return Optional.of(deny(Rule.USAGES, "spec.usages " + (usages == null ? "[]" : usages) + " for signer "
                    + signer + " must be \"" + DIGITAL_SIGNATURE + "\" and \"" + kind.purpose + "\" (\""
                    + KEY_ENCIPHERMENT + "\" allowed)"
                    + (extra.isEmpty() ? "" : "; not allowed: " + extra)
                    + (missing.isEmpty() ? "" : "; missing: " + missing)));
        }
        if (!got.contains(KEY_ENCIPHERMENT) && VersionRules.signerRequiresKeyEncipherment(signerRelease)) {
            // approving it would leave the kubelet with an approved CSR the signer marks Failed
            return Optional.of(deny(Rule.SIGNER_WOULD_REFUSE, "spec.usages " + usages + " lack \"" + KEY_ENCIPHERMENT
                    + "\", and the " + signer + " signer of Kubernetes " + signerRelease.minorString()
                    + " refuses that (it accepts it from 1.25); a kubelet of this release always sends it, so the"
                    + " request comes from something else or from a kubelet newer than the control plane"));
        }
        return Optional.empty();
    }

    /** Extensions in the request besides subjectAltName must not contradict spec.usages or ask for a CA. */
    private static Optional<CsrDecision> checkExtensions(Extensions extensions, Kind kind) {
        if (extensions == null) return Optional.empty();
        for (ASN1ObjectIdentifier oid : extensions.getExtensionOIDs()) {
            Extension ext = extensions.getExtension(oid);
            try {
                if (Extension.subjectAlternativeName.equals(oid)) {
                    continue;
                } else if (Extension.keyUsage.equals(oid)) {
                    KeyUsage ku = KeyUsage.getInstance(ext.getParsedValue());
                    int allowed = KeyUsage.digitalSignature | KeyUsage.keyEncipherment;
                    if (ku.getBytes().length > 2 || (maskOf(ku) & ~allowed) != 0) {
                        return Optional.of(deny(Rule.REQUEST_EXTENSION, "the request asks for key usage "
                                + ku + "; only digital signature and key encipherment are allowed"));
                    }
                } else if (Extension.extendedKeyUsage.equals(oid)) {
                    ExtendedKeyUsage eku = ExtendedKeyUsage.getInstance(ext.getParsedValue());
                    List<String> purposes = new ArrayList<>();
                    for (KeyPurposeId id : eku.getUsages()) purposes.add(id.toOID().getId());
                    if (!purposes.equals(List.of(kind.keyPurpose.toOID().getId()))) {
                        return Optional.of(deny(Rule.REQUEST_EXTENSION, "the request asks for extended key usages "
                                + purposes + ", which contradict \"" + kind.purpose + "\" ("
                                + kind.keyPurpose.toOID().getId() + ")"));
                    }
                } else if (Extension.basicConstraints.equals(oid)) {
                    if (BasicConstraints.getInstance(ext.getParsedValue()).isCA()) {
                        return Optional.of(deny(Rule.REQUEST_EXTENSION, "the request asks to be a certificate"
                                + " authority (basicConstraints CA:TRUE)"));
                    }
                } else {
                    return Optional.of(deny(Rule.REQUEST_EXTENSION, "the request asks for extension " + oid.getId()
                            + ", which kubelet never sends"));
                }
            } catch (RuntimeException e) {
                return Optional.of(deny(Rule.MALFORMED_REQUEST, "the request's extension " + oid.getId()
                        + " is malformed: " + e.getMessage()));
            }
        }
        return Optional.empty();
    }

    /** BC's KeyUsage bit values (digitalSignature = 0x80, ..., decipherOnly = 0x8000) from the bit string. */
    private static int maskOf(KeyUsage ku) {
        byte[] b = ku.getBytes();
        int mask = 0;
        if (b.length > 0) mask |= b[0] & 0xff;
        if (b.length > 1) mask |= (b[1] & 0xff) << 8;
        return mask;
    }

    private static String describe(CertificateRequest.Sans sans) {
        List<String> parts = new ArrayList<>();
        sans.dns().forEach(d -> parts.add("DNS " + d));
        sans.ips().forEach(ip -> parts.add("IP " + IpLiterals.format(ip)));
        sans.emails().forEach(e -> parts.add("email " + e));
        sans.uris().forEach(u -> parts.add("URI " + u));
        parts.addAll(sans.other());
        return String.join(", ", parts);
    }

    private static CsrDecision deny(Rule rule, String message) {
        return new CsrDecision(rule, message);
    }

    private static CsrDecision ignore(Rule rule, String message) {
        return new CsrDecision(rule, message);
    }
}
