package io.kubejoin.pki;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyPurposeId;

/**
 * One cfssl signing profile ({@code signing.profiles.<name>} or {@code signing.default}).
 *
 * @param name     profile name, "default" for signing.default
 * @param expiry   certificate lifetime (cfssl "expiry")
 * @param backdate how far notBefore is set back (cfssl "backdate"; 5 minutes when absent, as cfssl does)
 * @param usages   cfssl usage names, all known to {@link CfsslUsages}
 */
public record SigningProfile(String name, Duration expiry, Duration backdate, List<String> usages) {
    public static final Duration DEFAULT_BACKDATE = Duration.ofMinutes(5);

    public SigningProfile {
        usages = List.copyOf(usages);
    }

    /** The article's "kubernetes" profile: 87600h, signing + key encipherment + server auth + client auth. */
    public static SigningProfile kubernetes() {
        return new SigningProfile("kubernetes", Duration.ofHours(87600), DEFAULT_BACKDATE,
                List.of("signing", "key encipherment", "server auth", "client auth"));
    }

    /** OR of BC KeyUsage bits; 0 means no keyUsage extension, as Go leaves it out too. */
    public int keyUsageBits() {
        int bits = 0;
        for (String u : usages) bits |= CfsslUsages.keyUsageBit(u);
        return bits;
    }

    /** Extended key usages in the profile's order, duplicates dropped. */
    public List<KeyPurposeId> extendedKeyUsages() {
        LinkedHashSet<KeyPurposeId> out = new LinkedHashSet<>();
        for (String u : usages) {
            KeyPurposeId id = CfsslUsages.extendedKeyUsage(u);
            if (id != null) out.add(id);
        }
        return new ArrayList<>(out);
    }

    public boolean hasExtendedKeyUsage(KeyPurposeId id) {
        return extendedKeyUsages().contains(id);
    }
}
