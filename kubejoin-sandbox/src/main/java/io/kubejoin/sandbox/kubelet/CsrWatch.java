package io.kubejoin.sandbox.kubelet;

import static io.kubejoin.sandbox.kubelet.ApiServerClient.reason;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import io.kubejoin.sandbox.kubelet.ApiServerClient.Answer;
import io.kubejoin.sandbox.kubelet.ApiServerClient.Connection;
import io.kubejoin.sandbox.kubelet.SimulatedKubelet.KubeletExit;

/** client-go's csr.WaitForCertificate, shared by the client and the serving certificate: a watch on one CSR. */
final class CsrWatch extends KubeletPart {
    static final String CSR_PATH = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

    private final ApiServerClient api;

    CsrWatch(SimulatedKubelet kubelet, ApiServerClient api) {
        super(kubelet);
        this.api = api;
    }

    /**
     * client-go's csr.WaitForCertificate: a watch on the one CSR until it carries a certificate, or fails with
     * {@link CsrNotSigned} when it is denied, failed or deleted.
     */
    Future<String> waitForCertificate(Connection c, String name) {
        Promise<String> done = Promise.promise();
        // after the current task, so that the connection the CSR was created on is back in the pool for the watch
        api.nextTick().onComplete(v -> watchCsr(c, name, done, new boolean[1]));
        return done.future();
    }

    private void watchCsr(Connection c, String name, Promise<String> done, boolean[] loggedApproved) {
        if (kubelet.stopped) {
            done.tryFail(new KubeletExit("stopped while waiting for certificate signing request " + name));
            return;
        }
        // client-go's watch: a plain GET streamed line by line, on the connection the CSR was created on (no second
        // connection, no second TLS handshake); the server starts it with the CSR as it is now (an ADDED event), so
        // a certificate issued before the watch began is seen too
        RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setHost(c.host()).setPort(c.port()).setSsl(c.ssl())
                .setURI(CSR_PATH + "?fieldSelector=metadata.name%3D" + name + "&watch=true").setConnectTimeout(10_000)
                .putHeader("Accept", "application/json")
                .putHeader("User-Agent", "kubelet/" + gitVersion() + " (linux/amd64) kubernetes/sandbox");
        if (c.tls() != null) o.setSslOptions(c.tls());
        if (c.bearer() != null) o.putHeader("Authorization", "Bearer " + c.bearer());
        runtime.http().request(o).compose(req -> {
            kubelet.watch = req;
            done.future().onComplete(r -> req.reset()); // client-go stops reading once it has the certificate
            return req.send();
        }).onSuccess(resp -> {
            if (resp.statusCode() != 200) {
                resp.body().onComplete(b -> {
                    journal.warning("reflector.go:561", "failed to watch *v1.CertificateSigningRequest: "
                            + reason(new Answer(resp.statusCode(), b.succeeded() ? b.result().toString(StandardCharsets.UTF_8) : "")));
                    if (!done.future().isComplete()) runtime.vertx().setTimer(1000, t -> watchCsr(c, name, done, loggedApproved));
                });
                return;
            }
            RecordParser lines = RecordParser.newDelimited("\n", line -> {
                if (line.length() > 0) onWatchEvent(line.toString(StandardCharsets.UTF_8), name, done, loggedApproved);
            });
            lines.maxRecordSize(4 * 1024 * 1024);
            resp.handler(lines);
            resp.endHandler(v -> {
                // the server ended the watch: watch again, as the reflector does
                if (!done.future().isComplete()) runtime.vertx().setTimer(500, t -> watchCsr(c, name, done, loggedApproved));
            });
            resp.exceptionHandler(e -> {
                if (!done.future().isComplete()) runtime.vertx().setTimer(500, t -> watchCsr(c, name, done, loggedApproved));
            });
        }).onFailure(e -> {
            if (done.future().isComplete()) return; // the reset after the certificate
            journal.warning("reflector.go:561", "failed to watch *v1.CertificateSigningRequest: " + e.getMessage());
            runtime.vertx().setTimer(1000, t -> watchCsr(c, name, done, loggedApproved));
        });
    }

    private void onWatchEvent(String text, String name, Promise<String> done, boolean[] loggedApproved) {
        try {
            Event event = decode(text);
            CertificateSigningRequest csr = event.object();
            if (csr == null || csr.getMetadata() == null || !name.equals(csr.getMetadata().getName())) return; // field selectors are not honoured
            if ("DELETED".equals(event.type())) {
                done.tryFail(new CsrNotSigned("csr \"" + name + "\" was deleted"));
                return;
            }
            examine(csr, done, loggedApproved);
        } catch (RuntimeException e) {
            journal.warning("watch.go:98", "unable to decode an event from the watch stream: " + e.getClass().getSimpleName());
        }
    }

    /**
     * WaitForCertificate's error for a CSR that was created but will never carry a certificate (denied, failed,
     * deleted): formatError's "cannot watch on the certificate signing request: " and the watch condition's error.
     */
    static final class CsrNotSigned extends RuntimeException {
        CsrNotSigned(String err) {
            super("cannot watch on the certificate signing request: " + err, null, false, false);
        }
    }

    /** One line of the watch stream, as client-go's watch decoder gives it: the event type and the object, typed. */
    record Event(String type, CertificateSigningRequest object) {
    }

    /**
     * A watch line decoded in one pass into the typed event, as client-go's decoder does. It was read into a map, the
     * object written back to JSON and read again as a CSR: three passes over every event of a thousand kubelets' watches.
     */
    static Event decode(String line) {
        return Serialization.unmarshal(line, Event.class);
    }

    private void examine(CertificateSigningRequest csr, Promise<String> done, boolean[] loggedApproved) {
        // the watch and the initial GET race: a stale copy arriving after the certificate must not be logged as if
        // the request were still waiting (client-go stops reading once it has the certificate)
        if (done.future().isComplete()) return;
        String name = csr.getMetadata().getName();
        List<CertificateSigningRequestCondition> conditions = csr.getStatus() == null || csr.getStatus().getConditions() == null
                ? List.of() : csr.getStatus().getConditions();
        for (CertificateSigningRequestCondition c : conditions) {
            if (!"True".equals(c.getStatus()) && c.getStatus() != null) continue;
            if ("Denied".equals(c.getType()) || "Failed".equals(c.getType())) {
                // csr.go's texts (no CSR name in them); the caller logs it: the certificate manager as "certificate
                // request was not signed" and tries again with a new CSR, LoadClientCert by ending the process
                String err = ("Denied".equals(c.getType()) ? "certificate signing request is denied" : "certificate signing request failed")
                        + ", reason: " + c.getReason() + ", message: " + c.getMessage();
                done.tryFail(new CsrNotSigned(err));
                return;
            }
        }
        String cert = csr.getStatus() == null ? null : csr.getStatus().getCertificate();
        if (cert != null && !cert.isEmpty()) {
            if (done.tryComplete(new String(Base64.getDecoder().decode(cert), StandardCharsets.US_ASCII))) {
                journal.info("csr.go:257", "certificate signing request " + name + " is issued");
            }
            return;
        }
        if (conditions.stream().anyMatch(c -> "Approved".equals(c.getType())) && !loggedApproved[0]) {
            loggedApproved[0] = true;
            journal.info("csr.go:261", "certificate signing request " + name + " is approved, waiting to be issued");
        }
    }
}
