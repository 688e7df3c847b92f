package io.kubejoin.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs /usr/bin/openssl: the independent judge of what this package writes. */
public final class OpenSsl {
    public record Result(int exit, String out, String err) {
    }

    private OpenSsl() {
    }

    public static Result run(Path dir, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("/usr/bin/openssl");
        cmd.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
            pb.environment().remove("OPENSSL_CONF");
            Path errFile = Files.createTempFile(dir, "openssl", ".err");
            pb.redirectError(errFile.toFile());
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("openssl timed out: " + cmd);
            }
            String err = Files.readString(errFile);
            Files.delete(errFile);
            return new Result(p.exitValue(), out, err);
        } catch (IOException e) {
            throw new AssertionError("cannot run openssl", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Runs and asserts exit 0; returns stdout. */
    public static String ok(Path dir, String... args) {
        Result r = run(dir, args);
        assertThat(r.exit()).as("openssl %s\nstdout: %s\nstderr: %s", String.join(" ", args), r.out(), r.err()).isZero();
        return r.out();
    }

    /** The x509 -text dump of a certificate file. */
    public static String text(Path dir, String certFile) {
        return ok(dir, "x509", "-in", certFile, "-noout", "-text");
    }

    private static final String CNF = """
            [req]
            distinguished_name = dn
            prompt = no
            [dn]
            CN = %s
            [ca]
            basicConstraints = critical,CA:TRUE
            keyUsage = critical,keyCertSign,cRLSign
            subjectKeyIdentifier = hash
            [nosign]
            basicConstraints = critical,CA:TRUE
            keyUsage = critical,digitalSignature
            [leaf]
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,digitalSignature
            subjectKeyIdentifier = hash
            """;

    /** A key with openssl: "rsa-pkcs1", "rsa-pkcs8", "ec-sec1", "ec-sec1-params", "ec-pkcs8". */
    public static void key(Path dir, String kind, String file) {
        switch (kind) {
            case "rsa-pkcs1" -> ok(dir, "genrsa", "-traditional", "-out", file, "2048");
            case "rsa-pkcs8" -> ok(dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", file);
            case "ec-sec1" -> ok(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", file);
            case "ec-sec1-params" -> ok(dir, "ecparam", "-name", "prime256v1", "-genkey", "-out", file);
            case "ec-pkcs8" -> ok(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file);
            default -> throw new IllegalArgumentException(kind);
        }
    }

    /** A self-signed certificate for {@code keyFile}; section "ca" (CA:TRUE) or "leaf" (CA:FALSE). */
    public static void selfSigned(Path dir, String keyFile, String certFile, String cn, String section, int days) {
        try {
            Path cnf = dir.resolve("openssl-" + section + ".cnf");
            Files.writeString(cnf, String.format(CNF, cn));
            ok(dir, "req", "-x509", "-new", "-key", keyFile, "-out", certFile, "-days", String.valueOf(days),
                    "-config", cnf.toString(), "-extensions", section, "-sha256");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** An openssl-made CA: key of {@code kind} in ca-key.pem, certificate ca.pem, 10 years. */
    public static void ca(Path dir, String kind) {
        key(dir, kind, "ca-key.pem");
        selfSigned(dir, "ca-key.pem", "ca.pem", "test-ca", "ca", 3650);
    }
}
