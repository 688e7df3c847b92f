package io.kubejoin.remote;

import io.kubejoin.bench.OpenSshNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/** What the tests on real sshd nodes ({@link OpenSshNode}) need: skipped where missing, a failure in CI (CI=true). */
public final class OpenSshRequirements {
    private OpenSshRequirements() {
    }

    public static void requireSshd() {
        require(OpenSshNode.sshdMissing(), ".ci/run must install openssh-server");
    }

    public static void requireIsolation() {
        require(OpenSshNode.isolationMissing(), "the isolated sshd tests need it");
    }

    /** Real sudo, for the become-password tests (a password-only user of an isolated node). */
    public static void requireSudo() {
        Path sudo = Path.of("/usr/bin/sudo");
        require(Files.isExecutable(sudo) ? Optional.empty() : Optional.of(sudo + " not installed (apt-get install sudo)"),
                ".ci/run must install sudo");
    }

    private static void require(Optional<String> missing, String ciHint) {
        if ("true".equals(System.getenv("CI"))) {
            if (missing.isPresent()) throw new AssertionError(missing.get() + "; " + ciHint);
        } else {
            Assumptions.assumeTrue(missing.isEmpty(), () -> missing.orElse("") + ": skipping");
        }
    }
}
