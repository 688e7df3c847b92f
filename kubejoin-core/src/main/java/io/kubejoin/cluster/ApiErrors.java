package io.kubejoin.cluster;

import io.kubejoin.util.ExitCodes;
import io.fabric8.kubernetes.client.KubernetesClientException;

import io.kubejoin.util.UserFacingException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Turns what fabric8 throws into one line a person can act on. fabric8 wraps transport failures several times
 * (KubernetesClientException → ExecutionException → IOException → the real cause), so the cause chain is searched.
 */
public final class ApiErrors {
    /**
     * What kubejoin needs when it is not cluster-admin, by the commands that need it; shown with every 403 (whose
     * message names the refused verb and resource first).
     */
    public static final String MINIMAL_RIGHTS = "join: create/get/list/patch/delete secrets in kube-system, get/create/update/delete "
            + "clusterrolebindings, list/watch nodes and certificatesigningrequests, get leases in kube-system; "
            + "plan (its drain preview), remove and upgrade (their drain): list/get pods, get daemonsets, list "
            + "poddisruptionbudgets; remove and upgrade also: get/patch nodes (cordon, uncordon), create pods/eviction, "
            + "delete pods (force)";

    private ApiErrors() {
    }

    public static UserFacingException translate(RuntimeException e, Access access, KubeConnection conn) {
        if (e instanceof UserFacingException already) return already;
        String url = conn.serverUrl();
        KubernetesClientException k = find(e, KubernetesClientException.class);
        int code = k == null ? 0 : k.getCode();
        if (code == 401) {
            return new UserFacingException("the credentials in " + conn.source() + " were rejected by " + url
                    + " (401 Unauthorized): they are expired, revoked or for another cluster", ExitCodes.FAILED, e);
        }
        if (code == 403) {
            return new UserFacingException(url + " refused to let the user of " + conn.source() + " "
                    + access.describe() + " (403 Forbidden): kubejoin needs cluster-admin (or at least: "
                    + MINIMAL_RIGHTS + ")", ExitCodes.FAILED, e);
        }
        if (code > 0) {
            String reason = k.getStatus() != null && k.getStatus().getMessage() != null
                    ? k.getStatus().getMessage() : "HTTP " + code;
            return new UserFacingException("cannot " + access.describe() + " on " + url + ": " + reason,
                    ExitCodes.FAILED, e);
        }
        return transport(e, url, conn.source(), conn.requestTimeout().toSeconds());
    }

    /**
     * One line for a failed request, naming the server, for code that holds a bare client (the CSR approver): the
     * HTTP status and the server's message, or what went wrong below HTTP. Never a library's class name.
     */
    public static String oneLine(Throwable e, String url, long timeoutSeconds) {
        KubernetesClientException k = find(e, KubernetesClientException.class);
        if (k != null && k.getCode() > 0) {
            return url + " answered HTTP " + k.getCode() + (k.getStatus() != null && k.getStatus().getMessage() != null
                    ? ": " + k.getStatus().getMessage() : "");
        }
        return transport(e, url, "the kubeconfig", timeoutSeconds).getMessage();
    }

    /** A failure below HTTP: no connection, TLS, timeout. */
    static UserFacingException transport(Throwable e, String url, String source, long timeoutSeconds) {
        if (find(e, SSLException.class) != null || find(e, CertificateException.class) != null) {
            return new UserFacingException(TlsDiagnosis.explain(e, url, source), ExitCodes.FAILED, e);
        }
        if (find(e, ConnectException.class) != null || find(e, NoRouteToHostException.class) != null) {
            if (find(e, HttpConnectTimeoutException.class) != null) return timeout(e, url, timeoutSeconds);
            return new UserFacingException("cannot reach kube-apiserver at " + url + " (connection refused): "
                    + "is kube-apiserver running, and is the address right?", ExitCodes.FAILED, e);
        }
        if (find(e, UnknownHostException.class) != null) {
            return new UserFacingException("cannot reach kube-apiserver at " + url + ": the host name "
                    + host(url) + " does not resolve: is the address right?", ExitCodes.FAILED, e);
        }
        if (find(e, HttpTimeoutException.class) != null || find(e, TimeoutException.class) != null
                || find(e, InterruptedIOException.class) != null) {
            return timeout(e, url, timeoutSeconds);
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        // the innermost message says most (e.g. "HTTP/1.1 header parser received no bytes"); a class name would
        // mean nothing to the user
        String why = root.getMessage() != null && !root.getMessage().isBlank() ? root.getMessage()
                : find(e, java.io.IOException.class) != null ? "the connection was closed without an answer"
                : "no answer";
        return new UserFacingException("request to kube-apiserver at " + url + " failed: " + why, ExitCodes.FAILED, e);
    }

    private static UserFacingException timeout(Throwable e, String url, long seconds) {
        return new UserFacingException("kube-apiserver at " + url + " did not answer within " + seconds + " s: "
                + "is kube-apiserver running, and is the address right (or is a firewall dropping the traffic)? "
                + "--request-timeout sets the limit", ExitCodes.FAILED, e);
    }

    static String host(String url) {
        try {
            return URI.create(url).getHost();
        } catch (IllegalArgumentException e) {
            return url;
        }
    }

    static boolean isCertPathFailure(Throwable e) {
        return find(e, CertPathBuilderException.class) != null || find(e, CertPathValidatorException.class) != null
                || messageContains(e, "unable to find valid certification path") || messageContains(e, "PKIX");
    }

    static boolean messageContains(Throwable e, String text) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(text)) return true;
            for (Throwable s : t.getSuppressed()) {
                if (s.getMessage() != null && s.getMessage().contains(text)) return true;
            }
        }
        return false;
    }

    static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) return type.cast(t);
            for (Throwable s : t.getSuppressed()) {
                if (type.isInstance(s)) return type.cast(s);
            }
        }
        return null;
    }

    /** The HTTP status of a fabric8 failure, 0 when there was no HTTP answer. */
    public static int statusCode(Throwable e) {
        KubernetesClientException k = find(e, KubernetesClientException.class);
        return k == null ? 0 : k.getCode();
    }
}
