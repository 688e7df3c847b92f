package io.kubejoin.pki;

import java.nio.file.Path;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyPurposeId;

/**
 * What kube-proxy's client certificate must be (article step P1). Kubernetes' built-in
 * ClusterRoleBinding system:node-proxier grants kube-proxy's rights to User "system:kube-proxy",
 * the certificate's CN; so a CSR JSON with another CN would yield a working certificate with no rights.
 */
public final class KubeProxyCertificate {
    public static final String USER = "system:kube-proxy";

    private KubeProxyCertificate() {
    }

    /**
     * The default subject: CN and O system:kube-proxy, OU system, RSA 2048, no hosts. The article's
     * C=CN, ST/L=NanJing are left out: Kubernetes ignores them, and they would state a place the
     * user never chose; give a CSR JSON to have them.
     */
    public static CsrSpec defaultCsr() {
        return new CsrSpec(USER, List.of(new CsrName(null, null, null, USER, "system", null)), List.of(), KeySpec.RSA_2048, null);
    }

    /** The CSR JSON at {@code file}, or {@link #defaultCsr()} when it is null; its CN must be system:kube-proxy. */
    public static CsrSpec csr(Path file, String field) {
        if (file == null) return defaultCsr();
        CsrSpec csr = CsrSpec.load(file, field);
        if (!USER.equals(csr.commonName())) {
            throw PkiProblems.invalid(file, field,
                    "CN is " + (csr.commonName() == null ? "missing" : "\"" + csr.commonName() + "\"") + "; kube-proxy's must be \"" + USER + "\"",
                    "set \"CN\": \"" + USER + "\": the built-in binding system:node-proxier grants rights to that user only");
        }
        return csr;
    }

    /** The profile must allow TLS client authentication, or kube-apiserver refuses the certificate. */
    public static SigningProfile checkProfile(SigningProfile profile, CaConfig config, String profileField) {
        List<KeyPurposeId> ekus = profile.extendedKeyUsages();
        if (!ekus.isEmpty() && !ekus.contains(KeyPurposeId.id_kp_clientAuth) && !ekus.contains(KeyPurposeId.anyExtendedKeyUsage)) {
            throw PkiProblems.invalid(config.file(), profileField,
                    "profile \"" + profile.name() + "\" lacks \"client auth\"; kube-apiserver would reject kube-proxy's certificate",
                    "add \"client auth\" to its usages or pick the article's \"kubernetes\" profile");
        }
        return profile;
    }
}
