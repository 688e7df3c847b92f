package io.kubejoin.state;

import io.kubejoin.inventory.InvalidInputException;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Problem;
import io.kubejoin.pki.CaConfig;
import io.kubejoin.pki.CertificateAuthority;
import io.kubejoin.pki.CertificateStore;
import io.kubejoin.pki.CsrSpec;
import io.kubejoin.pki.KeyPrefetch;
import io.kubejoin.pki.KubeProxyCertificate;
import io.kubejoin.pki.SigningProfile;
import io.kubejoin.render.ClusterMaterial;
import io.kubejoin.token.BootstrapToken;
import io.kubejoin.token.TokenRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers what the pure renderers need from the outside world: the cluster CA, kube-proxy's certificate
 * (issued once, P1, and kept in the state folder) and one bootstrap token per node (K1, kept likewise).
 * Reusing both is what makes a second render byte-identical.
 */
public final class RenderInputs {
    private static final Logger log = LoggerFactory.getLogger(RenderInputs.class);
    /** Re-issue kube-proxy's certificate once less than this is left (capped at a third of the profile's expiry). */
    static final Duration RENEW_BEFORE = Duration.ofDays(30);

    private RenderInputs() {
    }

    /**
     * @param tokensChanged whether any node got a new bootstrap token in this run
     * @param notes         lines for the user (no secrets)
     */
    public record Prepared(ClusterMaterial material, Map<String, BootstrapToken> tokens, boolean tokensChanged,
                           boolean kubeProxyCertificateReused, List<String> notes) {
    }

    public static Prepared prepare(Inventory inv, StateStore state, Instant now, SecureRandom random) {
        return prepare(inv, state, now, random, KeyPrefetch.none());
    }

    /**
     * Starts generating kube-proxy's key when no certificate is stored yet (a first join), so that it is ready by
     * the time {@link #prepare} needs it; nothing when the inventory's CSR file cannot be read (prepare reports that).
     */
    public static KeyPrefetch prefetchKubeProxyKey(Inventory inv, StateStore state) {
        if (Files.exists(state.kubeProxyCertFile())) return KeyPrefetch.none();
        try {
            return KeyPrefetch.start(KubeProxyCertificate.csr(inv.pki().kubeProxyCsr(), "pki.kubeProxyCsr").key());
        } catch (RuntimeException e) {
            return KeyPrefetch.none();
        }
    }

    /** The inventory's PKI inputs, each checked: the CA (a CA, valid now, with its own key), the profile, the CSR. */
    public record CheckedPki(CertificateAuthority ca, SigningProfile profile, CsrSpec csr) {
    }

    /**
     * Loads and checks everything the inventory's pki section names, reporting all its problems at once. Commands
     * call it before their first request to the cluster, so a wrong CA key changes nothing anywhere.
     *
     * @throws InvalidInputException naming the pki field and file at fault
     */
    public static CheckedPki checkPki(Inventory inv, Instant now) {
        List<Problem> problems = new ArrayList<>();
        CertificateAuthority ca = collect(problems, () -> CertificateAuthority.load(
                inv.pki().caCert(), "pki.caCert", inv.pki().caKey(), "pki.caKey", now));
        SigningProfile profile = collect(problems, () -> {
            CaConfig config = CaConfig.load(inv.pki().caConfig(), "pki.caConfig");
            return KubeProxyCertificate.checkProfile(config.profile(inv.pki().profile(), "pki.profile"), config, "pki.profile");
        });
        CsrSpec csr = collect(problems, () -> KubeProxyCertificate.csr(inv.pki().kubeProxyCsr(), "pki.kubeProxyCsr"));
        if (!problems.isEmpty()) throw new InvalidInputException(problems);
        return new CheckedPki(ca, profile, csr);
    }

    /** As above; a new kube-proxy key comes from {@code keys}. */
    public static Prepared prepare(Inventory inv, StateStore state, Instant now, SecureRandom random, KeyPrefetch keys) {
        return prepare(inv, state, now, random, keys, checkPki(inv, now));
    }

    /** As above, with the PKI inputs already checked by {@link #checkPki}. */
    public static Prepared prepare(Inventory inv, StateStore state, Instant now, SecureRandom random, KeyPrefetch keys,
                                   CheckedPki pki) {
        CertificateAuthority ca = pki.ca();
        SigningProfile profile = pki.profile();
        CsrSpec csr = pki.csr();

        List<String> notes = new ArrayList<>();
        CertificateStore.Obtained proxyCert;
        try {
            state.createDir();
            Duration renewBefore = profile.expiry().dividedBy(3).compareTo(RENEW_BEFORE) < 0
                    ? profile.expiry().dividedBy(3) : RENEW_BEFORE;
            proxyCert = CertificateStore.obtain(state.kubeProxyCertFile(), state.kubeProxyKeyFile(),
                    ca, csr, profile, now, renewBefore, keys);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep kube-proxy's certificate in " + state.dir(), e);
        }
        if (proxyCert.reused()) {
            log.debug("reusing kube-proxy's certificate from {}", state.dir());
        } else {
            String why = proxyCert.reasons().isEmpty() ? "none stored yet" : String.join("; ", proxyCert.reasons());
            notes.add("issued kube-proxy's certificate from the cluster CA (" + why + ")");
        }
        if (proxyCert.certificate().notAfterCappedToCa()) {
            notes.add("kube-proxy's certificate ends with the CA, on " + proxyCert.certificate().certificate().getNotAfter().toInstant()
                    + ", before the profile's expiry");
        }

        TokenRegistry.Tokens tokens = TokenRegistry.reconcile(inv, state.tokens(), now, random);
        if (tokens.changed()) {
            state.saveTokens(tokens.byNode());
            if (tokens.issued() > 0) {
                notes.add("issued " + tokens.issued() + " bootstrap token(s), valid for " + inv.bootstrap().tokenTTL().toMinutes()
                        + " min; kept in " + state.dir());
            }
        }
        ClusterMaterial material = new ClusterMaterial(ca.certificatePem(),
                proxyCert.certificate().certificatePem(), proxyCert.certificate().privateKeyPem());
        return new Prepared(material, tokens.byNode(), tokens.changed(), proxyCert.reused(), notes);
    }

    private static <T> T collect(List<Problem> problems, Supplier<T> step) {
        try {
            return step.get();
        } catch (InvalidInputException e) {
            problems.addAll(e.problems());
            return null;
        }
    }
}
