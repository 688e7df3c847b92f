package io.kubejoin.cli;

import io.kubejoin.util.UserFacingException;
import io.kubejoin.util.ExitCodes;
import io.kubejoin.util.GoDuration;

import io.kubejoin.inventory.InvalidInputException;
import io.kubejoin.inventory.Problem;
import io.kubejoin.util.SecureFiles;
import io.kubejoin.pki.CaConfig;
import io.kubejoin.pki.CaGenerator;
import io.kubejoin.pki.Certificates;
import io.kubejoin.pki.KeySpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** kubejoin pki init-ca: a new cluster CA (ca.pem, ca-key.pem, ca-config.json) for a lab cluster. */
@Command(name = "init-ca", mixinStandardHelpOptions = true,
        description = {"Create a cluster CA for a new lab cluster, as 'cfssl gencert -initca' would:",
                "ca.pem (0644), ca-key.pem (0600) and ca-config.json with the article's \"kubernetes\" profile."})
public class PkiInitCaCommand implements Callable<Integer> {
    static final String CERT = "ca.pem";
    static final String KEY = "ca-key.pem";
    static final String CONFIG = "ca-config.json";

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", required = true, description = "Folder to write into (created if missing).")
    Path dir;

    // the guide the article follows names its CA "kubernetes-ca"; it reads better in chains than "kubernetes"
    @Option(names = "--cn", defaultValue = "kubernetes-ca", description = "CA common name (default: ${DEFAULT-VALUE}).")
    String commonName;

    @Option(names = "--key-algo", defaultValue = "rsa", description = "rsa or ecdsa (default: ${DEFAULT-VALUE}).")
    String keyAlgo;

    @Option(names = "--key-size", description = "RSA bits (2048-8192, default 2048) or ECDSA curve (256, 384, 521; default 256).")
    Integer keySize;

    @Option(names = "--expiry", defaultValue = "87600h", description = "CA lifetime as a Go duration (default: ${DEFAULT-VALUE}).")
    String expiry;

    @Option(names = "--force", description = "Replace existing files.")
    boolean force;

    @Override
    public Integer call() {
        KeySpec key = keySpec();
        Duration lifetime = lifetime();
        if (commonName.isBlank()) throw bad("--cn", "must not be empty", "give the CA a name, e.g. --cn kubernetes-ca");
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw bad("--dir", dir + " exists and is not a directory", "choose a directory path");
        }
        List<Path> targets = List.of(dir.resolve(CERT), dir.resolve(KEY), dir.resolve(CONFIG));
        if (!force) {
            List<Problem> existing = new ArrayList<>();
            for (Path t : targets) {
                if (Files.exists(t)) {
                    existing.add(new Problem(t, 0, "--dir", "already exists; not overwriting a CA",
                            "pass --force to replace it (every certificate the old CA signed stops being trusted) or choose another --dir"));
                }
            }
            if (!existing.isEmpty()) throw new InvalidInputException(existing);
        }
        CaGenerator.GeneratedCa ca = CaGenerator.generate(commonName, key, lifetime, Instant.now());
        try {
            // key first: a ca.pem without its key would be useless, the reverse is merely incomplete
            SecureFiles.writeDurably(dir.resolve(KEY), ca.privateKeyPem().getBytes(StandardCharsets.US_ASCII), 0600);
            SecureFiles.writeDurably(dir.resolve(CERT), ca.certificatePem().getBytes(StandardCharsets.US_ASCII), 0644);
            SecureFiles.writeDurably(dir.resolve(CONFIG), CaConfig.ARTICLE_JSON.getBytes(StandardCharsets.UTF_8), 0644);
        } catch (IOException | UnsupportedOperationException e) {
            throw new UserFacingException("cannot write the CA into " + dir + ": " + e, ExitCodes.FAILED, e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("Created CA '" + ca.certificate().getSubjectX500Principal().getName() + "' (" + key + "), valid until "
                + ca.certificate().getNotAfter().toInstant());
        out.println("  SHA-256 fingerprint " + Certificates.sha256Fingerprint(ca.certificate()));
        out.println("  wrote " + dir.resolve(CERT) + " (0644)");
        out.println("  wrote " + dir.resolve(KEY) + " (0600, private key: keep it secret)");
        out.println("  wrote " + dir.resolve(CONFIG) + " (0644, profile \"kubernetes\")");
        out.flush();
        return ExitCodes.OK;
    }

    private KeySpec keySpec() {
        KeySpec.Algorithm algo = KeySpec.algorithm(keyAlgo);
        if (algo == null) throw bad("--key-algo", "\"" + keyAlgo + "\" is not rsa or ecdsa", "use --key-algo rsa or --key-algo ecdsa");
        int size = keySize != null ? keySize : algo == KeySpec.Algorithm.RSA ? 2048 : 256;
        try {
            return new KeySpec(algo, size);
        } catch (IllegalArgumentException e) {
            throw bad("--key-size", e.getMessage(), "RSA: 2048-8192; ECDSA: 256, 384 or 521");
        }
    }

    private Duration lifetime() {
        try {
            Duration d = GoDuration.parse(expiry);
            if (d.isNegative() || d.isZero()) throw bad("--expiry", "must be positive", "e.g. --expiry 87600h (10 years)");
            return d;
        } catch (IllegalArgumentException e) {
            throw bad("--expiry", e.getMessage(), "e.g. --expiry 87600h (10 years)");
        }
    }

    private static InvalidInputException bad(String option, String message, String fix) {
        return new InvalidInputException(new Problem(null, 0, option, message, fix));
    }
}
