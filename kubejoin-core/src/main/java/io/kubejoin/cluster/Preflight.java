package io.kubejoin.cluster;

import io.kubejoin.util.UserFacingException;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.VersionInfo;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.token.BootstrapToken;
import io.kubejoin.version.KubeVersion;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the control plane before anything is pushed to a node, so the article's failures T1 (bootstrap tokens
 * not accepted) and T2 (no kube-controller-manager) are named up front instead of showing up as nodes that never
 * become Ready. Problems with the admin connection itself are thrown as UserFacingException: nothing can go on.
 */
public final class Preflight {
    private static final Logger log = LoggerFactory.getLogger(Preflight.class);
    public static final String PROBE_DESCRIPTION = "kubejoin preflight probe";
    public static final String CHECK_TOKEN_AUTH = "bootstrap-token-auth";
    public static final String CHECK_CSR_RIGHTS = "bootstrap-csr-rights";
    public static final String CHECK_CONTROLLER_MANAGER = "controller-manager";
    public static final String CHECK_VERSION = "version-skew";
    public static final String CHECK_PROBE_CLEANUP = "probe-cleanup";
    private static final Pattern GIT_VERSION = Pattern.compile("v?(\\d+)\\.(\\d+)(?:\\.(\\d+))?.*");

    /**
     * @param probeTtl         the probe token's lifetime: if kubejoin dies before deleting it, it expires soon anyway
     * @param tokenPropagation how long a 401 for a brand-new token is retried: kube-apiserver reads token Secrets
     *                         from its informer cache, so one created a moment ago may not be known yet
     * @param leaseSlack       added to the lease's duration before it is called stale
     * @param signingWait      without a fresh lease, how long a throwaway CSR may take to be signed
     */
    public record Settings(Duration probeTtl, Duration tokenPropagation, Duration leaseSlack, Duration signingWait) {
        public Settings(Duration probeTtl, Duration tokenPropagation, Duration leaseSlack) {
            this(probeTtl, tokenPropagation, leaseSlack, Duration.ofSeconds(5));
        }

        public static Settings defaults() {
            return new Settings(Duration.ofMinutes(2), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(5));
        }
    }

    private final KubeConnection admin;
    private final TokenService tokens;
    private final Clock clock;
    private final Settings settings;

    public Preflight(KubeConnection admin, TokenService tokens, Clock clock, Settings settings) {
        this.admin = admin;
        this.tokens = tokens;
        this.clock = clock;
        this.settings = settings;
    }

    /** All checks, cheapest first. */
    public List<Finding> run(Inventory inv) {
        List<Finding> out = new ArrayList<>();
        out.add(checkVersionSkew(inv.kubernetesVersion()));
        out.addAll(checkBootstrapTokens(inv.bootstrap().group()));
        out.add(checkControllerManager());
        return out;
    }

    public static boolean anyFailed(List<Finding> findings) {
        return findings.stream().anyMatch(f -> f.level() == Finding.Level.FAIL);
    }

    /** kube-apiserver's /version against the kubelet version the inventory installs. */
    public Finding checkVersionSkew(KubeVersion kubelet) {
        VersionInfo info = admin.call(Access.cluster("get", "/version"), () -> admin.client().getKubernetesVersion());
        KubeVersion server = parse(info);
        if (server == null || server.major() == 0) {
            return Finding.warn(CHECK_VERSION, "kube-apiserver reports no version kubejoin can read ("
                    + (info == null ? "none" : info.getGitVersion()) + ")", "check the version skew by hand");
        }
        return VersionSkew.check(server, kubelet);
    }

    static KubeVersion parse(VersionInfo info) {
        if (info == null) return null;
        if (info.getGitVersion() != null) {
            Matcher m = GIT_VERSION.matcher(info.getGitVersion().trim());
            if (m.matches()) {
                return new KubeVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                        m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
            }
        }
        try {
            // managed distributions report minor as e.g. "32+"
            return new KubeVersion(Integer.parseInt(info.getMajor().replaceAll("\\D", "")),
                    Integer.parseInt(info.getMinor().replaceAll("\\D", "")), 0);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * T1: creates a short-lived probe token, asks kube-apiserver a question as that token, and deletes it again.
     * A 401 means the apiserver does not accept bootstrap tokens; the answer itself says whether bootstrap
     * tokens may create CSRs (the kubelet-bootstrap binding).
     */
    public List<Finding> checkBootstrapTokens(String group) {
        List<Finding> out = new ArrayList<>();
        BootstrapToken probe = tokens.create(new TokenService.Request(null, settings.probeTtl(), group, PROBE_DESCRIPTION));
        try (KubeConnection asToken = admin.asBearerToken(probe.value(), "the preflight probe token " + probe.redacted())) {
            SelfSubjectAccessReview answer = askAsToken(asToken);
            if (answer == null) {
                out.add(Finding.fail(CHECK_TOKEN_AUTH, "kube-apiserver does not accept bootstrap tokens: a token "
                        + "created in kube-system was refused (401) for " + settings.tokenPropagation().toSeconds() + " s",
                        "start kube-apiserver with --enable-bootstrap-token-auth"));
                return out;
            }
            out.add(Finding.ok(CHECK_TOKEN_AUTH, "kube-apiserver accepts bootstrap tokens"));
            out.add(csrRights(answer));
        } finally {
            try {
                tokens.delete(probe.id());
            } catch (RuntimeException e) {
                out.add(Finding.warn(CHECK_PROBE_CLEANUP, "could not delete the probe token " + probe.redacted()
                        + ": " + e.getMessage(), "it expires by itself at " + probe.expiration()
                        + "; or: kubejoin token delete " + probe.id()));
            }
        }
        return out;
    }

    /** The review, or null when every try was answered 401 (the token was never accepted). */
    private SelfSubjectAccessReview askAsToken(KubeConnection asToken) {
        SelfSubjectAccessReview review = new SelfSubjectAccessReviewBuilder()
                .withNewSpec().withNewResourceAttributes()
                .withGroup("certificates.k8s.io").withResource("certificatesigningrequests").withVerb("create")
                .endResourceAttributes().endSpec()
                .build();
        Instant giveUp = clock.instant().plus(settings.tokenPropagation());
        while (true) {
            try {
                SelfSubjectAccessReview answer = asToken.client().authorization().v1().selfSubjectAccessReview().create(review);
                return answer == null ? new SelfSubjectAccessReview() : answer;
            } catch (RuntimeException e) {
                int code = ApiErrors.statusCode(e);
                if (code > 0 && code != 401) {
                    // authenticated (e.g. 403: not allowed to ask): the token itself was accepted
                    log.debug("probe token accepted; its review was answered {}", code);
                    return new SelfSubjectAccessReview();
                }
                if (code == 0) throw ApiErrors.translate(e, Access.cluster("create", "selfsubjectaccessreviews"), asToken);
                if (!clock.instant().isBefore(giveUp)) return null;
                sleep(Duration.ofMillis(500));
            }
        }
    }

    private static Finding csrRights(SelfSubjectAccessReview answer) {
        if (answer.getStatus() == null) {
            return Finding.warn(CHECK_CSR_RIGHTS, "could not tell whether bootstrap tokens may create certificate "
                    + "signing requests", "the join's RBAC step ensures the kubelet-bootstrap binding");
        }
        if (Boolean.TRUE.equals(answer.getStatus().getAllowed())) {
            return Finding.ok(CHECK_CSR_RIGHTS, "bootstrap tokens may create certificate signing requests");
        }
        return Finding.warn(CHECK_CSR_RIGHTS, "bootstrap tokens may not create certificate signing requests: "
                + "the kubelet-bootstrap ClusterRoleBinding is missing",
                "the join's RBAC step adds it (system:node-bootstrapper for group system:bootstrappers)");
    }

    /**
     * T2: kube-controller-manager signs node certificates; it is alive if its leader-election record was renewed
     * recently. The record is the Lease kube-system/kube-controller-manager, or on old clusters (endpoints lock,
     * before 1.20 by default) an annotation on the Endpoints of that name.
     */
    public Finding checkControllerManager() {
        Instant now = clock.instant();
        Lease lease = admin.call(Access.in("kube-system", "get", "leases"),
                () -> admin.client().leases().inNamespace("kube-system").withName("kube-controller-manager").get());
        Instant renewed = null;
        Integer duration = null;
        String holder = null;
        if (lease != null && lease.getSpec() != null) {
            renewed = lease.getSpec().getRenewTime() == null ? null : lease.getSpec().getRenewTime().toInstant();
            duration = lease.getSpec().getLeaseDurationSeconds();
            holder = lease.getSpec().getHolderIdentity();
        } else {
            Map<String, String> record = endpointsRecord();
            if (record != null) {
                renewed = instant(record.get("renewTime"));
                duration = integer(record.get("leaseDurationSeconds"));
                holder = record.get("holderIdentity");
            }
        }
        String fix = "start kube-controller-manager (with --leader-elect, and with --cluster-signing-cert-file/"
                + "--cluster-signing-key-file so it signs node certificates)";
        String noLease = null;
        if (renewed == null) {
            noLease = "no leader lease (kube-system/kube-controller-manager is missing)";
        } else {
            Duration age = Duration.between(renewed, now);
            Duration allowed = Duration.ofSeconds(duration == null ? 15 : duration).plus(settings.leaseSlack());
            if (age.compareTo(allowed) > 0) {
                noLease = "a stale leader lease (last renewed " + age.toSeconds() + " s ago" + (holder == null ? "" : " by " + holder) + ")";
            }
        }
        if (noLease != null) {
            // no lease is not no signing (--leader-elect=false holds none): ask the signer itself
            SigningProof proof = new SigningProof(admin, clock, settings.signingWait());
            SigningProof.Result r = proof.run();
            return switch (r.outcome()) {
                case SIGNED -> Finding.warn(CHECK_CONTROLLER_MANAGER, "kube-controller-manager holds " + noLease
                        + ", but it signs: it signed a throwaway certificate signing request in " + r.took().toMillis()
                        + " ms (it may run with --leader-elect=false)", "nothing to do if that is intended");
                case NOT_SIGNED -> Finding.fail(CHECK_CONTROLLER_MANAGER, "kube-controller-manager is not signing: it holds "
                        + noLease + ", and a throwaway certificate signing request approved " + settings.signingWait().toSeconds()
                        + " s ago is still unsigned", fix);
                case UNPROVEN -> Finding.warn(CHECK_CONTROLLER_MANAGER, "kube-controller-manager holds " + noLease
                        + ", and kubejoin could not test signing (" + r.detail() + ")",
                        "if nodes stay without certificates: " + fix);
            };
        }
        return Finding.ok(CHECK_CONTROLLER_MANAGER, "kube-controller-manager is running"
                + (holder == null ? "" : " (leader " + holder + ")"));
    }

    private Map<String, String> endpointsRecord() {
        Endpoints ep = admin.call(Access.in("kube-system", "get", "endpoints"),
                () -> admin.client().endpoints().inNamespace("kube-system").withName("kube-controller-manager").get());
        if (ep == null || ep.getMetadata().getAnnotations() == null) return null;
        String json = ep.getMetadata().getAnnotations().get("control-plane.alpha.kubernetes.io/leader");
        if (json == null) return null;
        Map<String, String> out = new java.util.HashMap<>();
        Matcher m = Pattern.compile("\"(\\w+)\"\\s*:\\s*\"?([^\",}]*)\"?").matcher(json);
        while (m.find()) out.put(m.group(1), m.group(2));
        return out;
    }

    private static Instant instant(String s) {
        try {
            return s == null ? null : Instant.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static Integer integer(String s) {
        try {
            return s == null ? null : Integer.valueOf(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
