package io.kubejoin.cluster.approval;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.render.ClusterManifests;
import io.kubejoin.token.BootstrapToken;
import io.kubejoin.version.KubeVersion;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * K11 without the article's "approve everything": lists or watches CertificateSigningRequests and approves or
 * denies each through the approval subresource as {@link CsrPolicy} decides, with kubejoin's reason and message
 * in the condition. Token → node comes from the kube-system bootstrap-token Secrets labelled kubejoin.io/node
 * (only the Secret's name and labels are read, never the token secret); what a node's serving certificate may
 * carry only from the inventory, never from the Node objects, whose status the kubelets write themselves.
 */
public final class CsrApprover implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CsrApprover.class);
    static final String BOOTSTRAP_TOKEN_TYPE = "bootstrap.kubernetes.io/token";
    static final String TOKEN_SECRET_PREFIX = "bootstrap-token-";
    static final long MAX_BACKOFF_SECONDS = 30;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    /** A write the server did not finish is tried again after 1 s, then 2, 4 … up to {@value #MAX_BACKOFF_SECONDS} s. */
    private static final Duration FIRST_WRITE_RETRY = Duration.ofSeconds(1);

    /** What happened to one CSR. */
    public enum Action { APPROVED, DENIED, LEFT_PENDING, FAILED }

    /**
     * @param error why the API call failed ({@link Action#FAILED} only), else null
     * @param mayRetry the failure was the server's or the way to it (timeout, no answer, 429, 5xx, a conflict), so
     *                 the same write can succeed later; false for a refusal (403, 404, 422)
     * @param retryIn when the watch tries this CSR again; null: it does not
     */
    public record Outcome(String csrName, CsrDecision decision, Action action, String error, boolean mayRetry,
                          Duration retryIn) {
        public Outcome(String csrName, CsrDecision decision, Action action, String error) {
            this(csrName, decision, action, error, false, null);
        }

        Outcome retryingIn(Duration delay) {
            return new Outcome(csrName, decision, action, error, mayRetry, delay);
        }

        @Override
        public String toString() {
            return csrName + ": " + action + (error == null ? "" : " (" + error + ")") + " — " + decision;
        }

        /**
         * For the terminal: "approved: kubejoin approved …", and for a write that failed what was meant and why it
         * did not happen, never the decision's own words alone (they would read as if it had been approved).
         */
        public String describe() {
            return switch (action) {
                case APPROVED -> "approved: " + decision.message();
                case DENIED -> "denied: " + decision.message();
                case LEFT_PENDING -> "pending: " + decision.message();
                case FAILED -> "NOT " + (decision.verdict() == Verdict.APPROVE ? "approved" : "denied")
                        + (retryIn != null ? " yet: " + error + "; trying again in " + retryIn.toSeconds() + " s"
                        : ", it stays pending: " + error);
            };
        }
    }

    private final KubernetesClient client;
    private final Inventory inventory;
    private final Duration maxServingExpiration;
    private volatile KubeVersion signerRelease;
    private final Clock clock;
    private final CsrPolicy policy = new CsrPolicy();
    private final IssuedServingCertificates issuedServing = new IssuedServingCertificates();
    private final Object lock = new Object();
    private Live cached;
    private volatile boolean closed;
    private volatile Watch watch;
    /** The API server did not answer the last list/watch: said once as a warning, not at every retry. */
    private volatile boolean unreachable;
    private ScheduledExecutorService reconnector;
    /** CSRs being handled now: a MODIFIED event for one of them (often our own write) is not handled twice. */
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    /** CSRs whose write is to be tried again: their retry owns them, a watch event (the replay of a pending CSR) waits. */
    private final Set<String> retrying = ConcurrentHashMap.newKeySet();
    private final ExecutorService workers = Executors.newFixedThreadPool(WORKERS, r -> {
        Thread t = new Thread(r, "kubejoin-csr-worker");
        t.setDaemon(true);
        return t;
    });
    private static final int WORKERS = 8;

    public CsrApprover(KubernetesClient client, Inventory inventory, Duration maxServingExpiration) {
        this(client, inventory, maxServingExpiration, Clock.systemUTC());
    }

    CsrApprover(KubernetesClient client, Inventory inventory, Duration maxServingExpiration, Clock clock) {
        this.client = Objects.requireNonNull(client);
        this.inventory = Objects.requireNonNull(inventory);
        this.maxServingExpiration = Objects.requireNonNull(maxServingExpiration);
        this.clock = Objects.requireNonNull(clock);
    }

    /** A snapshot of what the policy needs: the inventory's statements, kubejoin's token Secrets, the signer's release. */
    public ApprovalContext loadContext() {
        return loadLive();
    }

    private Live loadLive() {
        Live live = new Live(InventoryApprovalContext.of(inventory, Map.of(), maxServingExpiration, signerRelease()));
        // in pages, as the join's own Secret list: a 10,000-node join's token Secrets were one response and 10,000
        // Secret objects at once, the largest passing peak of its heap
        io.kubejoin.cluster.Pages.each(o -> client.secrets().inNamespace("kube-system").withLabel(ClusterManifests.NODE_LABEL)
                .list(o), s -> tokenId(s).ifPresent(id -> live.tokenNodes.put(id,
                        s.getMetadata().getLabels().get(ClusterManifests.NODE_LABEL))));
        return live;
    }

    /**
     * The release whose signer rules apply: the API server's (kube-controller-manager runs the same release in a
     * binary install), read once; the inventory's kubernetesVersion when /version cannot be read.
     */
    private KubeVersion signerRelease() {
        KubeVersion v = signerRelease;
        if (v != null) return v;
        try {
            var info = client.getKubernetesVersion();
            v = KubeVersion.parse(info.getGitVersion());
        } catch (RuntimeException e) {
            LOG.debug("cannot read the API server's version ({}); the signer is taken to be {}", e.getMessage(),
                    inventory.kubernetesVersion());
            return inventory.kubernetesVersion();
        }
        signerRelease = v;
        return v;
    }

    /**
     * The context the watch decides with: the inventory's part fixed, token → node as last read, refreshed for one
     * CSR at a time ({@link #refresh}) instead of re-reading every Secret.
     */
    private static final class Live implements ApprovalContext {
        private final ApprovalContext inventoryPart;
        final Map<String, String> tokenNodes = new ConcurrentHashMap<>();

        Live(ApprovalContext inventoryPart) {
            this.inventoryPart = inventoryPart;
        }

        @Override
        public Optional<StatedNames> statedNames(String node) {
            return inventoryPart.statedNames(node);
        }

        @Override
        public Optional<String> tokenNode(String tokenId) {
            return Optional.ofNullable(tokenNodes.get(tokenId));
        }

        @Override
        public Optional<String> reservedBy(java.net.InetAddress ip, String requestingNode) {
            return inventoryPart.reservedBy(ip, requestingNode);
        }

        @Override
        public long maxServingExpirationSeconds() {
            return inventoryPart.maxServingExpirationSeconds();
        }

        @Override
        public KubeVersion signerRelease() {
            return inventoryPart.signerRelease();
        }
    }

    /**
     * Reads afresh what the policy consults for this CSR: the Secret of the requesting bootstrap token. One GET,
     * where re-reading every token Secret for each new node's CSRs made a join of n nodes read O(n²) objects.
     */
    private void refresh(Live live, CertificateSigningRequest csr) {
        String user = csr.getSpec() == null || csr.getSpec().getUsername() == null ? "" : csr.getSpec().getUsername();
        if (!user.startsWith(CsrPolicy.BOOTSTRAP_USER_PREFIX)) return;
        String id = user.substring(CsrPolicy.BOOTSTRAP_USER_PREFIX.length());
        if (!BootstrapToken.ID.matcher(id).matches()) return;
        Secret s = client.secrets().inNamespace("kube-system").withName(TOKEN_SECRET_PREFIX + id).get();
        Optional<String> valid = s == null ? Optional.empty() : tokenId(s).filter(id::equals);
        if (valid.isPresent()) {
            live.tokenNodes.put(id, s.getMetadata().getLabels().get(ClusterManifests.NODE_LABEL));
        } else {
            live.tokenNodes.remove(id);
        }
    }

    /**
     * The token id a bootstrap-token Secret makes valid. kube-apiserver finds the Secret by the name
     * bootstrap-token-&lt;id&gt; and requires its token-id to match, so a Secret failing either cannot
     * authenticate anybody and is skipped.
     */
    static Optional<String> tokenId(Secret s) {
        if (!BOOTSTRAP_TOKEN_TYPE.equals(s.getType()) || s.getMetadata() == null
                || s.getMetadata().getName() == null || !s.getMetadata().getName().startsWith(TOKEN_SECRET_PREFIX)) {
            return Optional.empty();
        }
        String node = s.getMetadata().getLabels() == null ? null
                : s.getMetadata().getLabels().get(ClusterManifests.NODE_LABEL);
        String id = s.getMetadata().getName().substring(TOKEN_SECRET_PREFIX.length());
        if (node == null || node.isEmpty() || !BootstrapToken.ID.matcher(id).matches()) return Optional.empty();
        String declared = null;
        if (s.getData() != null && s.getData().get("token-id") != null) {
            try {
                declared = new String(Base64.getDecoder().decode(s.getData().get("token-id")), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        } else if (s.getStringData() != null) {
            declared = s.getStringData().get("token-id"); // a server that did not merge stringData into data
        }
        if (declared != null && !declared.equals(id)) {
            LOG.warn("Secret kube-system/{} declares token-id {}; kube-apiserver would not accept it, skipped",
                    s.getMetadata().getName(), declared);
            return Optional.empty();
        }
        return Optional.of(id);
    }

    /** Nodes whose serving certificate was issued, as this approver's list and watch saw the CSRs. */
    public IssuedServingCertificates issuedServing() {
        return issuedServing;
    }

    /** Decides every pending CSR once, with one fresh snapshot, and approves or denies it. */
    public List<Outcome> approveOnce() {
        synchronized (lock) {
            Live context = loadLive();
            cached = context;
            List<Outcome> outcomes = new ArrayList<>();
            for (CertificateSigningRequest csr : client.certificates().v1().certificateSigningRequests().list()
                    .getItems()) {
                issuedServing.observe(csr);
                CsrDecision d = policy.decide(csr, context);
                if (d.rule() == Rule.ALREADY_DECIDED) continue;
                outcomes.add(apply(csr, d));
            }
            return outcomes;
        }
    }

    /**
     * Decides one CSR with the cached snapshot; anything short of approval is decided again after re-reading the
     * requester's token Secret, so a token created after the snapshot never gets a legitimate CSR denied or
     * skipped.
     */
    public Outcome handle(CertificateSigningRequest csr) {
        Live context;
        boolean fresh = false;
        synchronized (lock) {
            if (cached == null) {
                cached = loadLive();
                fresh = true;
            }
            context = cached;
        }
        // deciding and writing happen outside the lock, so several CSRs are handled at once (measured: one at a
        // time, each approval waits for the previous PUT, ~50 CSR/s)
        CsrDecision d = policy.decide(csr, context);
        if (d.verdict() != Verdict.APPROVE && d.rule() != Rule.ALREADY_DECIDED
                && d.rule() != Rule.UNHANDLED_SIGNER && !fresh) {
            refresh(context, csr);
            d = policy.decide(csr, context);
        }
        if (d.rule() == Rule.ALREADY_DECIDED) {
            return new Outcome(csr.getMetadata().getName(), d, Action.LEFT_PENDING, null);
        }
        return apply(csr, d);
    }

    private Outcome apply(CertificateSigningRequest csr, CsrDecision d) {
        String name = csr.getMetadata().getName();
        if (d.verdict() == Verdict.IGNORE) {
            LOG.debug("CSR {} left pending: {}", name, d.message());
            return new Outcome(name, d, Action.LEFT_PENDING, null);
        }
        String now = DateTimeFormatter.ISO_INSTANT.format(Instant.now(clock).truncatedTo(ChronoUnit.SECONDS));
        CertificateSigningRequestCondition condition = new CertificateSigningRequestConditionBuilder()
                .withType(d.verdict() == Verdict.APPROVE ? "Approved" : "Denied")
                .withStatus("True")
                .withReason(d.conditionReason())
                .withMessage(d.message())
                .withLastUpdateTime(now)
                .withLastTransitionTime(now)
                .build();
        try {
            write(csr, condition, d.verdict() == Verdict.APPROVE);
            if (d.verdict() == Verdict.APPROVE) {
                LOG.debug("CSR {} approved: {}", name, d.message());
                return new Outcome(name, d, Action.APPROVED, null);
            }
            LOG.debug("CSR {} denied: {}", name, d.message());
            return new Outcome(name, d, Action.DENIED, null);
        } catch (KubernetesClientException e) {
            // the caller shows the outcome; the log keeps the detail for -v
            String error = "could not write the " + (d.verdict() == Verdict.APPROVE ? "Approved" : "Denied")
                    + " condition: " + describe(e);
            LOG.debug("CSR {}: {}", name, error);
            int code = e.getCode();
            boolean mayRetry = code <= 0 || code == 409 || code == 429 || code >= 500;
            return new Outcome(name, d, Action.FAILED, error, mayRetry, null);
        }
    }

    /**
     * Writes the decision's condition to /approval in one PUT of the CSR as it was decided on (from the list or the
     * watch event), its resourceVersion kept: the API server refuses it with 409 when the CSR changed since, and only
     * then is it read again and the condition written to the current version (fabric8's approve/deny: GET, then
     * PUT), as before for every CSR. The status sent is the condition alone, as fabric8's approve/deny send it.
     */
    private void write(CertificateSigningRequest decided, CertificateSigningRequestCondition condition, boolean approve) {
        var csrs = client.certificates().v1().certificateSigningRequests();
        String name = decided.getMetadata().getName();
        if (decided.getMetadata().getResourceVersion() != null) {
            CertificateSigningRequest sent = new io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder(decided)
                    .withStatus(new io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatusBuilder()
                            .addToConditions(condition).build())
                    .build();
            try {
                csrs.resource(sent).subresource("approval").update();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) throw e;
                LOG.debug("CSR {} changed since it was read; writing the condition to its current version", name);
            }
        }
        if (approve) csrs.withName(name).approve(condition);
        else csrs.withName(name).deny(condition);
    }

    /**
     * Handles pending CSRs now and then as they are added or modified, until {@link #close()}. When the watch
     * closes with an error it lists again (catching up on what it missed) and watches anew, backing off up to
     * {@value #MAX_BACKOFF_SECONDS} s while the API server is unreachable.
     */
    public void watch(Consumer<Outcome> listener) {
        Objects.requireNonNull(listener);
        synchronized (lock) {
            if (reconnector != null) throw new IllegalStateException("already watching");
            reconnector = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "kubejoin-csr-approver");
                t.setDaemon(true);
                return t;
            });
        }
        reconnector.execute(() -> start(listener, FIRST_BACKOFF));
    }

    /** Lists, then watches; on failure tries again after {@code backoff}, doubling it up to the maximum. */
    private void start(Consumer<Outcome> listener, Duration backoff) {
        if (closed) return;
        try {
            // list first so CSRs created before (or while) the watch was down are not missed
            for (Outcome o : approveOnce()) {
                if (o.action() == Action.FAILED && o.mayRetry()) {
                    o = o.retryingIn(FIRST_WRITE_RETRY);
                    retrying.add(o.csrName());
                    retryLater(o.csrName(), listener, FIRST_WRITE_RETRY);
                }
                listener.accept(o);
            }
            watch = client.certificates().v1().certificateSigningRequests().watch(new Watcher<>() {
                @Override
                public void eventReceived(Watcher.Action action, CertificateSigningRequest csr) {
                    if (closed || (action != Watcher.Action.ADDED && action != Watcher.Action.MODIFIED)) return;
                    issuedServing.observe(csr);
                    // most events are of CSRs decided already (our approval, then the signer's certificate): the
                    // policy would leave them, so they stay on the watch's thread, no worker hand-off each
                    if (CsrPolicy.decided(csr)) return;
                    String name = csr.getMetadata().getName();
                    // events arrive one at a time on the watch's thread: hand them to workers, one per CSR at a time
                    process(name, () -> csr, listener, null);
                }

                @Override
                public void onClose(WatcherException cause) {
                    if (closed) return;
                    LOG.debug("CSR watch closed ({}); listing and watching again", cause.getMessage());
                    schedule(listener, FIRST_BACKOFF, FIRST_BACKOFF);
                }

                @Override
                public void onClose() {
                    // closed by us
                }
            });
            if (closed) watch.close();
            if (unreachable) {
                unreachable = false;
                LOG.info("CSR approver: the API server answers again; pending CSRs handled");
            }
        } catch (RuntimeException e) {
            if (closed) return;
            // once, not at every retry: the join's own lines say what the loss means for each node
            if (!unreachable) {
                unreachable = true;
                LOG.warn("CSR approver: {}; trying again, up to every {} s", describe(e), MAX_BACKOFF_SECONDS);
            } else {
                LOG.debug("CSR approver: {}; retrying in {} ms", describe(e), backoff.toMillis());
            }
            Duration next = backoff.multipliedBy(2);
            Duration max = Duration.ofSeconds(MAX_BACKOFF_SECONDS);
            schedule(listener, backoff, next.compareTo(max) > 0 ? max : next);
        }
    }

    /**
     * Decides and writes one CSR on a worker, one CSR at a time. A write the server did not finish (timeout, 5xx,
     * 429) leaves the CSR pending with no new event to bring it back, so it is tried again here with a fresh read,
     * backing off; the first failure is reported ("trying again"), later ones only logged, the outcome when it lands.
     *
     * @param retried the delay this attempt came after; null for a watch event
     */
    private void process(String name, java.util.function.Supplier<CertificateSigningRequest> read,
                         Consumer<Outcome> listener, Duration retried) {
        if (retried == null && retrying.contains(name)) return;
        if (!inFlight.add(name)) { // handled right now (a new event, or our own write's)
            if (retried != null) retryLater(name, listener, retried);
            return;
        }
        try {
            workers.execute(() -> {
                Duration next = null; // set when this CSR is to be tried again
                try {
                    CertificateSigningRequest csr = read.get();
                    if (csr == null) return; // deleted meanwhile
                    if (retried != null) issuedServing.observe(csr);
                    Outcome o = handle(csr);
                    if (closed && o.action() == CsrApprover.Action.FAILED) {
                        // a write cut short because kubejoin is stopping is not news: the CSR stays pending and
                        // the next approver run handles it
                        LOG.debug("CSR {}: {}", name, o.error());
                        return;
                    }
                    if (o.action() == Action.FAILED && o.mayRetry()) {
                        next = retried == null ? FIRST_WRITE_RETRY : longer(retried);
                        if (retried != null) {
                            LOG.debug("CSR {}: {}; trying again in {} s", name, o.error(), next.toSeconds());
                            return;
                        }
                        o = o.retryingIn(next);
                    }
                    if (o.decision().rule() != Rule.ALREADY_DECIDED) listener.accept(o);
                } catch (RuntimeException e) {
                    if (closed) {
                        LOG.debug("CSR {}: {}", name, describe(e));
                    } else if (retried != null) {
                        // the fresh read failed too: the server is still busy
                        LOG.debug("CSR {}: {}", name, describe(e));
                        next = longer(retried);
                    } else {
                        LOG.warn("CSR {}: {}", name, describe(e));
                    }
                } finally {
                    if (next != null) {
                        retrying.add(name);
                        retryLater(name, listener, next);
                    } else {
                        retrying.remove(name);
                    }
                    inFlight.remove(name);
                }
            });
        } catch (RejectedExecutionException stopped) {
            inFlight.remove(name);
        }
    }

    private static Duration longer(Duration d) {
        Duration next = d.multipliedBy(2);
        Duration max = Duration.ofSeconds(MAX_BACKOFF_SECONDS);
        return next.compareTo(max) > 0 ? max : next;
    }

    /** Reads the CSR afresh after {@code delay} and handles it again, unless kubejoin stops first. */
    private void retryLater(String name, Consumer<Outcome> listener, Duration delay) {
        ScheduledExecutorService ex = reconnector;
        if (closed || ex == null || ex.isShutdown()) return;
        try {
            ex.schedule(() -> process(name,
                    () -> client.certificates().v1().certificateSigningRequests().withName(name).get(), listener, delay),
                    delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            // closing
        }
    }

    /** One line for a failed request: the server and what went wrong, never a library's class name. */
    private String describe(RuntimeException e) {
        String url = String.valueOf(client.getConfiguration().getMasterUrl()).replaceFirst("/$", "");
        return io.kubejoin.cluster.ApiErrors.oneLine(e, url, client.getConfiguration().getRequestTimeout() / 1000);
    }

    private void schedule(Consumer<Outcome> listener, Duration delay, Duration nextBackoff) {
        ScheduledExecutorService ex = reconnector;
        if (closed || ex == null || ex.isShutdown()) return;
        ex.schedule(() -> start(listener, nextBackoff), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops watching; safe to call more than once. */
    @Override
    public void close() {
        closed = true;
        Watch w = watch;
        if (w != null) w.close();
        ScheduledExecutorService ex = reconnector;
        if (ex != null) ex.shutdownNow();
        // let approvals already under way write their condition: interrupted, they would fail half-done
        workers.shutdown();
        try {
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) workers.shutdownNow();
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
