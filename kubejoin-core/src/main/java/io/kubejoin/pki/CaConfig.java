package io.kubejoin.pki;

import io.kubejoin.util.GoDuration;

import io.kubejoin.inventory.InvalidInputException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * cfssl's ca-config.json: {@code signing.default} and {@code signing.profiles.<name>}, validated the way
 * cfssl validates on load (every profile needs an expiry; a named profile needs usages), plus two
 * deliberate differences: an unknown usage name is a problem (cfssl drops it silently, so a typo
 * such as "client-auth" would yield a certificate kube-apiserver rejects), and an unknown profile
 * name is a problem (cfssl silently falls back to the default profile). Fields that only matter to a
 * public CA (ocsp_url, crl_url, issuer_urls, policies, CT logs, whitelists) are accepted and not written
 * into certificates; remote signing, fixed not_before/not_after and CA-issuing profiles cannot be selected.
 */
public final class CaConfig {
    /** The article's ca-config.json; also what {@code kubejoin pki init-ca} writes. */
    public static final String ARTICLE_JSON = """
            {
              "signing": {
                "default": {
                  "expiry": "87600h"
                },
                "profiles": {
                  "kubernetes": {
                    "usages": [
                      "signing",
                      "key encipherment",
                      "server auth",
                      "client auth"
                    ],
                    "expiry": "87600h"
                  }
                }
              }
            }
            """;

    static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final Set<String> IGNORED_PROFILE_FIELDS = Set.of("issuer_urls", "ocsp_url", "crl_url",
            "ocsp_no_check", "auth_key", "name_whitelist", "ct_log_servers", "allowed_extensions", "cert_store",
            "policies", "lint_error_level", "ignored_lints", "copy_extensions");

    private final Path file;
    private final String field;
    private final SigningProfile defaultProfile;
    private final Map<String, SigningProfile> profiles;
    private final Map<String, String> unsupported; // profile name -> why kubejoin cannot sign with it

    private CaConfig(Path file, String field, SigningProfile defaultProfile, Map<String, SigningProfile> profiles,
                     Map<String, String> unsupported) {
        this.file = file;
        this.field = field;
        this.defaultProfile = defaultProfile;
        this.profiles = profiles;
        this.unsupported = unsupported;
    }

    /** kubejoin's built-in configuration when the user gives none: the article's file. */
    public static CaConfig builtIn() {
        return parse(ARTICLE_JSON, null, "pki.caConfig");
    }

    /** Loads {@code file}, or the built-in configuration when {@code file} is null. */
    public static CaConfig load(Path file, String field) {
        if (file == null) return builtIn();
        return parse(PemFiles.readText(file, field), file, field);
    }

    public static CaConfig parse(String json, Path file, String field) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw PkiProblems.invalid(file, field, "not valid JSON: " + e.getOriginalMessage(),
                    "fix the JSON syntax (cfssl's ca-config.json format)");
        }
        if (root == null || !root.isObject() || !root.path("signing").isObject()) {
            throw PkiProblems.invalid(file, field, "no \"signing\" object: this is not a cfssl ca-config.json",
                    "use a file like {\"signing\":{\"profiles\":{\"kubernetes\":{\"usages\":[...],\"expiry\":\"87600h\"}}}}");
        }
        JsonNode signing = root.get("signing");
        List<String> errors = new ArrayList<>();
        Map<String, String> unsupported = new LinkedHashMap<>();
        SigningProfile def;
        if (signing.path("default").isMissingNode() || signing.path("default").isNull()) {
            // cfssl's DefaultConfig(): one year, the four usages
            def = new SigningProfile("default", Duration.ofHours(8760), SigningProfile.DEFAULT_BACKDATE,
                    List.of("signing", "key encipherment", "server auth", "client auth"));
        } else {
            def = profile("default", signing.get("default"), null, true, errors, unsupported);
        }
        Map<String, SigningProfile> profiles = new LinkedHashMap<>();
        JsonNode ps = signing.path("profiles");
        if (!ps.isMissingNode() && !ps.isNull() && !ps.isObject()) {
            errors.add("signing.profiles: must be an object of named profiles");
        } else if (ps.isObject()) {
            for (Map.Entry<String, JsonNode> e : ps.properties()) {
                SigningProfile p = profile(e.getKey(), e.getValue(), def, false, errors, unsupported);
                if (p != null) profiles.put(e.getKey(), p);
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors.stream()
                    .map(m -> new io.kubejoin.inventory.Problem(file, 0, field, m,
                            "cfssl's format: expiry is a Go duration (\"87600h\"), usages from: " + String.join(", ", CfsslUsages.known())))
                    .toList());
        }
        return new CaConfig(file, field, def, profiles, unsupported);
    }

    private static SigningProfile profile(String name, JsonNode node, SigningProfile def, boolean isDefault,
                                          List<String> errors, Map<String, String> unsupported) {
        String path = isDefault ? "signing.default" : "signing.profiles." + name;
        if (!node.isObject()) {
            errors.add(path + ": must be an object");
            return null;
        }
        if (node.hasNonNull("remote") || node.path("auth_remote").hasNonNull("remote")) {
            // cfssl skips expiry checks for remote profiles: they are signed elsewhere
            unsupported.put(name, "it signs through a remote cfssl server, which kubejoin does not call");
            return new SigningProfile(name, def == null ? Duration.ofHours(8760) : def.expiry(), SigningProfile.DEFAULT_BACKDATE, List.of());
        }
        int before = errors.size();
        Duration expiry = duration(node, "expiry", path, true, errors);
        Duration backdate = duration(node, "backdate", path, false, errors);
        List<String> usages = new ArrayList<>();
        JsonNode us = node.path("usages");
        if (us.isArray()) {
            for (JsonNode u : us) {
                if (!u.isString()) {
                    errors.add(path + ".usages: " + u + " is not a string");
                } else if (!CfsslUsages.isKnown(u.stringValue())) {
                    errors.add(path + ".usages: unknown usage \"" + u.stringValue() + "\"");
                } else {
                    usages.add(u.stringValue());
                }
            }
        } else if (!us.isMissingNode() && !us.isNull()) {
            errors.add(path + ".usages: must be a list of strings");
        }
        if (!isDefault && us.isMissingNode()) {
            errors.add(path + ": no usages (cfssl requires them for a named profile)");
        }
        if (node.hasNonNull("not_before") || node.hasNonNull("not_after")) {
            unsupported.put(name, "it sets fixed not_before/not_after dates");
        } else if (node.path("ca_constraint").path("is_ca").asBoolean(false) || node.path("is_ca").asBoolean(false)) {
            unsupported.put(name, "it issues CA certificates (ca_constraint.is_ca), not client certificates");
        }
        for (String f : node.propertyNames()) {
            if (!Set.of("expiry", "backdate", "usages", "not_before", "not_after", "ca_constraint", "is_ca").contains(f)
                    && !IGNORED_PROFILE_FIELDS.contains(f)) {
                errors.add(path + ": unknown field \"" + f + "\"");
            }
        }
        if (errors.size() > before) return null;
        if (expiry.isZero() && def != null) expiry = def.expiry(); // cfssl: a zero expiry falls back to the default's
        return new SigningProfile(name, expiry, backdate == null || backdate.isZero() ? SigningProfile.DEFAULT_BACKDATE : backdate, usages);
    }

    private static Duration duration(JsonNode node, String key, String path, boolean required, List<String> errors) {
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull() || (v.isString() && v.stringValue().isEmpty())) {
            if (required) errors.add(path + ": no " + key + " (cfssl requires one, e.g. \"87600h\")");
            return required ? Duration.ZERO : null;
        }
        if (!v.isString()) {
            errors.add(path + "." + key + ": must be a string Go duration like \"87600h\", not " + v);
            return Duration.ZERO;
        }
        try {
            Duration d = GoDuration.parse(v.stringValue());
            if (d.isNegative()) {
                errors.add(path + "." + key + ": must not be negative");
            }
            return d;
        } catch (IllegalArgumentException e) {
            errors.add(path + "." + key + ": " + e.getMessage());
            return Duration.ZERO;
        }
    }

    /**
     * The named profile; null or "" selects signing.default, as cfssl does without -profile.
     *
     * @param profileField the inventory field that named the profile (e.g. "pki.profile"), for problems
     */
    public SigningProfile profile(String name, String profileField) {
        SigningProfile p;
        if (name == null || name.isEmpty()) {
            p = defaultProfile;
        } else {
            p = profiles.get(name);
            if (p == null) {
                throw PkiProblems.invalid(file, profileField, "no profile \"" + name + "\" in "
                                + (file == null ? "the built-in ca-config.json" : "the ca-config.json"),
                        profiles.isEmpty() ? "add it under signing.profiles"
                                : "available profiles: " + String.join(", ", profiles.keySet()));
            }
        }
        String why = unsupported.get(p.name());
        if (why != null) {
            throw PkiProblems.invalid(file, profileField, "profile \"" + p.name() + "\" cannot be used: " + why,
                    "add a plain profile like the article's \"kubernetes\" and select it");
        }
        if (p.keyUsageBits() == 0 && p.extendedKeyUsages().isEmpty()) {
            throw PkiProblems.invalid(file, profileField, "profile \"" + p.name() + "\" has no usages",
                    "give it usages, e.g. signing, key encipherment, client auth");
        }
        return p;
    }

    public Set<String> profileNames() {
        return profiles.keySet();
    }

    /** The file it came from; null for the built-in configuration. */
    public Path file() {
        return file;
    }

    String field() {
        return field;
    }
}
