package io.kubejoin.pki;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;

/**
 * cfssl's usage names, mapped as cloudflare/cfssl config/config.go does (KeyUsage / ExtKeyUsage maps).
 * "signing" is digitalSignature, not keyCertSign. Both spellings of content commitment are accepted:
 * cfssl's map has long said "content committment".
 */
public final class CfsslUsages {
    private static final Map<String, Integer> KEY_USAGE = new LinkedHashMap<>();
    private static final Map<String, KeyPurposeId> EXT_KEY_USAGE = new LinkedHashMap<>();

    static {
        KEY_USAGE.put("signing", KeyUsage.digitalSignature);
        KEY_USAGE.put("digital signature", KeyUsage.digitalSignature);
        KEY_USAGE.put("content committment", KeyUsage.nonRepudiation);
        KEY_USAGE.put("content commitment", KeyUsage.nonRepudiation);
        KEY_USAGE.put("key encipherment", KeyUsage.keyEncipherment);
        KEY_USAGE.put("key agreement", KeyUsage.keyAgreement);
        KEY_USAGE.put("data encipherment", KeyUsage.dataEncipherment);
        KEY_USAGE.put("cert sign", KeyUsage.keyCertSign);
        KEY_USAGE.put("crl sign", KeyUsage.cRLSign);
        KEY_USAGE.put("encipher only", KeyUsage.encipherOnly);
        KEY_USAGE.put("decipher only", KeyUsage.decipherOnly);

        EXT_KEY_USAGE.put("any", KeyPurposeId.anyExtendedKeyUsage);
        EXT_KEY_USAGE.put("server auth", KeyPurposeId.id_kp_serverAuth);
        EXT_KEY_USAGE.put("client auth", KeyPurposeId.id_kp_clientAuth);
        EXT_KEY_USAGE.put("code signing", KeyPurposeId.id_kp_codeSigning);
        EXT_KEY_USAGE.put("email protection", KeyPurposeId.id_kp_emailProtection);
        EXT_KEY_USAGE.put("s/mime", KeyPurposeId.id_kp_emailProtection);
        EXT_KEY_USAGE.put("ipsec end system", KeyPurposeId.id_kp_ipsecEndSystem);
        EXT_KEY_USAGE.put("ipsec tunnel", KeyPurposeId.id_kp_ipsecTunnel);
        EXT_KEY_USAGE.put("ipsec user", KeyPurposeId.id_kp_ipsecUser);
        EXT_KEY_USAGE.put("timestamping", KeyPurposeId.id_kp_timeStamping);
        EXT_KEY_USAGE.put("ocsp signing", KeyPurposeId.id_kp_OCSPSigning);
        // Go's ExtKeyUsageMicrosoftServerGatedCrypto / ExtKeyUsageNetscapeServerGatedCrypto
        EXT_KEY_USAGE.put("microsoft sgc", KeyPurposeId.getInstance(new ASN1ObjectIdentifier("1.3.6.1.4.1.311.10.3.3")));
        EXT_KEY_USAGE.put("netscape sgc", KeyPurposeId.getInstance(new ASN1ObjectIdentifier("2.16.840.1.113730.4.1")));
    }

    private CfsslUsages() {
    }

    public static boolean isKnown(String usage) {
        return KEY_USAGE.containsKey(usage) || EXT_KEY_USAGE.containsKey(usage);
    }

    /** BC KeyUsage bit for a key-usage name, or 0 when the name is an extended usage (or unknown). */
    public static int keyUsageBit(String usage) {
        return KEY_USAGE.getOrDefault(usage, 0);
    }

    /** The EKU for an extended-usage name, or null. */
    public static KeyPurposeId extendedKeyUsage(String usage) {
        return EXT_KEY_USAGE.get(usage);
    }

    public static Set<String> known() {
        Set<String> all = new TreeSet<>(KEY_USAGE.keySet());
        all.addAll(EXT_KEY_USAGE.keySet());
        return all;
    }
}
