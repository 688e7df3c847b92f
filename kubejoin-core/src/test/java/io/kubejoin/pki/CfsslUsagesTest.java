package io.kubejoin.pki;

import static org.assertj.core.api.Assertions.assertThat;

import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The table in cloudflare/cfssl config/config.go, entry by entry. */
class CfsslUsagesTest {
    @ParameterizedTest
    @CsvSource({
            "signing, 128", "digital signature, 128", "content committment, 64", "content commitment, 64",
            "key encipherment, 32", "data encipherment, 16", "key agreement, 8", "cert sign, 4", "crl sign, 2",
            "encipher only, 1", "decipher only, 32768"})
    void keyUsages(String name, int bit) {
        assertThat(CfsslUsages.keyUsageBit(name)).isEqualTo(bit);
        assertThat(CfsslUsages.extendedKeyUsage(name)).isNull();
    }

    @Test
    void bitsAreBouncyCastlesKeyUsageConstants() {
        assertThat(CfsslUsages.keyUsageBit("signing")).isEqualTo(KeyUsage.digitalSignature);
        assertThat(CfsslUsages.keyUsageBit("cert sign")).isEqualTo(KeyUsage.keyCertSign);
        assertThat(CfsslUsages.keyUsageBit("decipher only")).isEqualTo(KeyUsage.decipherOnly);
    }

    @ParameterizedTest
    @CsvSource({
            "any, 2.5.29.37.0", "server auth, 1.3.6.1.5.5.7.3.1", "client auth, 1.3.6.1.5.5.7.3.2",
            "code signing, 1.3.6.1.5.5.7.3.3", "email protection, 1.3.6.1.5.5.7.3.4", "s/mime, 1.3.6.1.5.5.7.3.4",
            "ipsec end system, 1.3.6.1.5.5.7.3.5", "ipsec tunnel, 1.3.6.1.5.5.7.3.6", "ipsec user, 1.3.6.1.5.5.7.3.7",
            "timestamping, 1.3.6.1.5.5.7.3.8", "ocsp signing, 1.3.6.1.5.5.7.3.9",
            "microsoft sgc, 1.3.6.1.4.1.311.10.3.3", "netscape sgc, 2.16.840.1.113730.4.1"})
    void extendedKeyUsages(String name, String oid) {
        assertThat(CfsslUsages.extendedKeyUsage(name).getId()).isEqualTo(oid);
        assertThat(CfsslUsages.keyUsageBit(name)).isZero();
    }

    @Test
    void unknownNamesAreUnknown() {
        assertThat(CfsslUsages.isKnown("client-auth")).isFalse();
        assertThat(CfsslUsages.isKnown("Client Auth")).isFalse(); // cfssl's map is case-sensitive
        assertThat(CfsslUsages.known()).hasSize(24);
    }
}
