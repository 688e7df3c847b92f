package io.kubejoin.pki;

import io.kubejoin.inventory.InvalidInputException;
import io.kubejoin.inventory.Problem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.DERPrintableString;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * A cfssl CSR JSON (the article's kube-proxy-csr.json): subject, SAN hosts and the key to generate.
 *
 * @param commonName   CN; Kubernetes takes it as the user name
 * @param names        the {@code names} entries
 * @param hosts        SANs: IP addresses, e-mail addresses, URIs (with "://") or DNS names, as cfssl sorts them
 * @param key          the key pair to generate
 * @param serialNumber the subject's serialNumber attribute (cfssl "serialnumber"), or null
 */
public record CsrSpec(String commonName, List<CsrName> names, List<String> hosts, KeySpec key, String serialNumber) {
    public CsrSpec {
        names = List.copyOf(names);
        hosts = List.copyOf(hosts);
    }

    /** Parses a cfssl CSR JSON file; errors name {@code file} and the inventory {@code field}. */
    public static CsrSpec load(Path file, String field) {
        return parse(PemFiles.readText(file, field), file, field);
    }

    public static CsrSpec parse(String json, Path file, String field) {
        JsonNode root;
        try {
            root = CaConfig.JSON.readTree(json);
        } catch (JacksonException e) {
            throw PkiProblems.invalid(file, field, "not valid JSON: " + e.getOriginalMessage(), "fix the JSON syntax (cfssl CSR JSON format)");
        }
        if (root == null || !root.isObject()) {
            throw PkiProblems.invalid(file, field, "not a JSON object", "use cfssl's CSR format: {\"CN\": ..., \"key\": ..., \"names\": [...]}");
        }
        List<String> errors = new ArrayList<>();
        String cn = null;
        String serial = null;
        List<CsrName> names = new ArrayList<>();
        List<String> hosts = new ArrayList<>();
        KeySpec key = KeySpec.ECDSA_256; // cfssl's default when "key" is absent
        // Go's encoding/json, which cfssl uses, matches keys case-insensitively: so do we
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            JsonNode v = e.getValue();
            switch (e.getKey().toLowerCase(Locale.ROOT)) {
                case "cn" -> cn = string(v, "CN", errors);
                case "serialnumber" -> serial = string(v, "serialnumber", errors);
                case "names" -> names(v, names, errors);
                case "hosts" -> hosts(v, hosts, errors);
                case "key" -> key = key(v, errors);
                case "ca" -> { } // settings for creating a CA (cfssl gencert -initca); no effect on a signed certificate
                default -> errors.add("\"" + e.getKey() + "\" is not supported (kubejoin reads CN, names, hosts, key)");
            }
        }
        if (cn == null && names.isEmpty()) {
            errors.add("neither CN nor names is set: the certificate would have an empty subject");
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors.stream()
                    .map(m -> new Problem(file, 0, field, m, "see the article's kube-proxy-csr.json for the format")).toList());
        }
        return new CsrSpec(cn, names, hosts, key, serial);
    }

    private static String string(JsonNode v, String path, List<String> errors) {
        if (v.isNull()) return null;
        if (!v.isString()) {
            errors.add(path + ": must be a string, not " + v);
            return null;
        }
        return v.stringValue().isEmpty() ? null : v.stringValue();
    }

    private static void names(JsonNode v, List<CsrName> out, List<String> errors) {
        if (v.isNull()) return;
        if (!v.isArray()) {
            errors.add("names: must be a list of objects like {\"O\": \"system:kube-proxy\"}");
            return;
        }
        int i = 0;
        for (JsonNode n : v) {
            String path = "names[" + i++ + "]";
            if (!n.isObject()) {
                errors.add(path + ": must be an object");
                continue;
            }
            String c = null, st = null, l = null, o = null, ou = null, em = null;
            for (Map.Entry<String, JsonNode> f : n.properties()) {
                String p = path + "." + f.getKey();
                switch (f.getKey().toLowerCase(Locale.ROOT)) {
                    case "c" -> c = string(f.getValue(), p, errors);
                    case "st" -> st = string(f.getValue(), p, errors);
                    case "l" -> l = string(f.getValue(), p, errors);
                    case "o" -> o = string(f.getValue(), p, errors);
                    case "ou" -> ou = string(f.getValue(), p, errors);
                    case "e" -> em = string(f.getValue(), p, errors);
                    // a typo here (say "0" for "O") would silently drop the user's group: refuse it
                    default -> errors.add(p + ": unknown or unsupported name field (kubejoin reads C, ST, L, O, OU, E)");
                }
            }
            out.add(new CsrName(c, st, l, o, ou, em));
        }
    }

    private static void hosts(JsonNode v, List<String> out, List<String> errors) {
        if (v.isNull()) return;
        if (!v.isArray()) {
            errors.add("hosts: must be a list of strings");
            return;
        }
        for (JsonNode h : v) {
            if (!h.isString() || h.stringValue().isBlank()) {
                errors.add("hosts: " + h + " is not a host name or address");
            } else {
                out.add(h.stringValue());
            }
        }
    }

    private static KeySpec key(JsonNode v, List<String> errors) {
        if (v.isNull()) return KeySpec.ECDSA_256;
        if (!v.isObject()) {
            errors.add("key: must be an object like {\"algo\": \"rsa\", \"size\": 2048}");
            return null;
        }
        String algo = null;
        Integer size = null;
        for (Map.Entry<String, JsonNode> f : v.properties()) {
            switch (f.getKey().toLowerCase(Locale.ROOT)) {
                case "algo" -> algo = string(f.getValue(), "key.algo", errors);
                case "size" -> {
                    if (f.getValue().isInt()) size = f.getValue().intValue();
                    else errors.add("key.size: must be a whole number, not " + f.getValue());
                }
                default -> errors.add("key." + f.getKey() + ": unknown field (use algo and size)");
            }
        }
        KeySpec.Algorithm a = KeySpec.algorithm(algo);
        if (a == null) {
            errors.add("key.algo: \"" + algo + "\" is not rsa or ecdsa");
            return null;
        }
        if (size == null) {
            errors.add("key.size: missing (e.g. 2048 for rsa, 256 for ecdsa)");
            return null;
        }
        String why = KeySpec.problem(a, size);
        if (why != null) {
            errors.add("key.size: " + why);
            return null;
        }
        return new KeySpec(a, size);
    }

    /**
     * The subject in the order cfssl (Go's pkix.Name) writes it: every C, ST, L, O, OU, then CN,
     * serialNumber, E. Each value is its own RDN (Go groups repeated types into one multi-valued RDN;
     * single-valued RDNs read the same to Kubernetes and every TLS library). Strings are
     * PrintableString when they fit, else UTF8String, as Go chooses.
     */
    public X500Name subject() {
        List<RDN> rdns = new ArrayList<>();
        for (CsrName n : names) add(rdns, BCStyle.C, n.c());
        for (CsrName n : names) add(rdns, BCStyle.ST, n.st());
        for (CsrName n : names) add(rdns, BCStyle.L, n.l());
        for (CsrName n : names) add(rdns, BCStyle.O, n.o());
        for (CsrName n : names) add(rdns, BCStyle.OU, n.ou());
        add(rdns, BCStyle.CN, commonName);
        add(rdns, BCStyle.SERIALNUMBER, serialNumber);
        for (CsrName n : names) {
            if (n.e() != null) rdns.add(new RDN(new AttributeTypeAndValue(BCStyle.EmailAddress, new DERIA5String(n.e()))));
        }
        return new X500Name(rdns.toArray(new RDN[0]));
    }

    private static void add(List<RDN> rdns, ASN1ObjectIdentifier type, String value) {
        if (value == null) return;
        ASN1Encodable v = DERPrintableString.isPrintableString(value) ? new DERPrintableString(value) : new DERUTF8String(value);
        rdns.add(new RDN(new AttributeTypeAndValue(type, v)));
    }
}
