package io.kubejoin.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.kubejoin.inventory.InvalidInputException;
import io.kubejoin.inventory.Problem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

class CaConfigTest {
    @TempDir
    Path dir;

    static final String TWO_PROFILES = """
            {"signing": {
               "default": {"expiry": "168h", "usages": ["signing"]},
               "profiles": {
                 "kubernetes": {"usages": ["signing", "key encipherment", "server auth", "client auth"], "expiry": "87600h"},
                 "client": {"usages": ["digital signature", "client auth"], "expiry": "0h", "backdate": "1h"}
               }}}
            """;

    private CaConfig load(String json) throws Exception {
        Path f = dir.resolve("ca-config.json");
        Files.writeString(f, json);
        return CaConfig.load(f, "pki.caConfig");
    }

    private static List<Problem> problems(Throwable t) {
        assertThat(t).isInstanceOf(InvalidInputException.class);
        return ((InvalidInputException) t).problems();
    }

    @Test
    void builtInIsTheArticlesKubernetesProfile() {
        SigningProfile p = CaConfig.builtIn().profile("kubernetes", "pki.profile");

        assertThat(p.expiry()).isEqualTo(Duration.ofHours(87600));
        assertThat(p.backdate()).isEqualTo(Duration.ofMinutes(5));
        assertThat(p.usages()).containsExactly("signing", "key encipherment", "server auth", "client auth");
        assertThat(p.keyUsageBits()).isEqualTo(KeyUsage.digitalSignature | KeyUsage.keyEncipherment);
        assertThat(p.extendedKeyUsages()).containsExactly(KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth);
        assertThat(CaConfig.load(null, "pki.caConfig").profileNames()).containsExactly("kubernetes");
    }

    @Test
    void readsProfilesDefaultsAndBackdate() throws Exception {
        CaConfig c = load(TWO_PROFILES);

        assertThat(c.profile("kubernetes", "pki.profile").expiry()).isEqualTo(Duration.ofHours(87600));
        SigningProfile client = c.profile("client", "pki.profile");
        assertThat(client.expiry()).isEqualTo(Duration.ofHours(168)); // cfssl: a zero expiry takes the default's
        assertThat(client.backdate()).isEqualTo(Duration.ofHours(1));
        assertThat(client.keyUsageBits()).isEqualTo(KeyUsage.digitalSignature);
        assertThat(c.profile(null, "pki.profile").name()).isEqualTo("default");
    }

    @Tag("hostile")
    @Test
    void unknownProfileNamesTheAvailableOnes() throws Exception {
        CaConfig c = load(TWO_PROFILES);

        Problem p = problems(catchThrowable(() -> c.profile("kube", "pki.profile"))).get(0);

        assertThat(p.file()).isEqualTo(dir.resolve("ca-config.json"));
        assertThat(p.fieldPath()).isEqualTo("pki.profile");
        assertThat(p.message()).contains("no profile \"kube\"");
        assertThat(p.fix()).contains("kubernetes, client");
    }

    @Tag("hostile")
    @Test
    void badExpiryUnknownUsageAndMissingUsagesAreEachReported() {
        List<Problem> ps = problems(catchThrowable(() -> load("""
                {"signing": {"profiles": {
                   "a": {"usages": ["signing", "client-auth"], "expiry": "10y"},
                   "b": {"expiry": "365d"},
                   "c": {"usages": ["client auth"]}}}}
                """)));

        assertThat(ps).extracting(Problem::fieldPath).containsOnly("pki.caConfig");
        assertThat(ps).extracting(Problem::message).anyMatch(m -> m.contains("signing.profiles.a.expiry") && m.contains("'10y'"))
                .anyMatch(m -> m.contains("unknown usage \"client-auth\""))
                .anyMatch(m -> m.contains("365d") && m.contains("8760h"))
                .anyMatch(m -> m.contains("signing.profiles.b") && m.contains("no usages"))
                .anyMatch(m -> m.contains("signing.profiles.c") && m.contains("no expiry"));
    }

    @Tag("hostile")
    @Test
    void notJsonOrNotCfsslIsAProblem() {
        assertThat(problems(catchThrowable(() -> load("{\"signing\": "))).get(0).message()).contains("not valid JSON");
        assertThat(problems(catchThrowable(() -> load("{\"profiles\": {}}"))).get(0).message()).contains("no \"signing\"");
        assertThat(problems(catchThrowable(() -> load("{\"signing\": {}, \"signing\": {}}"))).get(0).message()).contains("not valid JSON");
    }

    @Tag("hostile")
    @Test
    void remoteAndCaProfilesCannotBeUsed() throws Exception {
        CaConfig c = load("""
                {"signing": {"profiles": {
                   "remote": {"remote": "server1", "usages": ["client auth"]},
                   "ca": {"usages": ["cert sign"], "expiry": "1h", "ca_constraint": {"is_ca": true}}}}}
                """);

        assertThat(problems(catchThrowable(() -> c.profile("remote", "pki.profile"))).get(0).message()).contains("remote cfssl server");
        assertThat(problems(catchThrowable(() -> c.profile("ca", "pki.profile"))).get(0).message()).contains("CA certificates");
    }

    @Test
    void articleJsonParsesAndItsUsagelessDefaultCannotSign() {
        CaConfig c = CaConfig.parse(CaConfig.ARTICLE_JSON, null, "x");
        assertThat(c.profile("kubernetes", "x").expiry()).isEqualTo(Duration.ofHours(87600));
        // cfssl refuses to sign with no usages (NoKeyUsages): so do we, up front
        assertThat(problems(catchThrowable(() -> c.profile("", "pki.profile"))).get(0).message()).contains("no usages");
    }
}
