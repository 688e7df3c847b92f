package io.kubejoin.inventory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;

/** An IPv4 or IPv6 literal, parsed without ever touching DNS. */
record IpAddress(byte[] bytes) {
    // Go's net.ParseIP (what kubelet uses) rejects leading zeros such as 192.168.01.1
    private static final Pattern V4 = Pattern.compile("(0|[1-9]\\d{0,2})(\\.(0|[1-9]\\d{0,2})){3}");
    // starting with a hex digit or ':' keeps InetAddress on its literal parser (anything else may go to DNS)
    private static final Pattern V6_CHARS = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");

    static Optional<IpAddress> parse(String text) {
        if (text == null) return Optional.empty();
        if (V4.matcher(text).matches()) {
            byte[] b = new byte[4];
            String[] parts = text.split("\\.");
            for (int i = 0; i < 4; i++) {
                int v = Integer.parseInt(parts[i]);
                if (v > 255) return Optional.empty();
                b[i] = (byte) v;
            }
            return Optional.of(new IpAddress(b));
        }
        // only hex digits, colons and dots with at least one colon: InetAddress treats it as a literal, no lookup
        if (text.contains(":") && V6_CHARS.matcher(text).matches()) {
            try {
                byte[] b = InetAddress.getByName(text).getAddress();
                // IPv4-mapped forms come back as 4 bytes; keep them IPv6 so families compare as written
                if (b.length == 4) return Optional.empty();
                return Optional.of(new IpAddress(b));
            } catch (UnknownHostException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    boolean isV4() {
        return bytes.length == 4;
    }

    boolean isLoopback() {
        if (isV4()) return (bytes[0] & 0xff) == 127;
        for (int i = 0; i < 15; i++) if (bytes[i] != 0) return false;
        return bytes[15] == 1;
    }

    boolean isUnspecified() {
        for (byte b : bytes) if (b != 0) return false;
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpAddress other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return format(bytes);
    }

    /** Dotted quad, or RFC 5952 text (longest zero run compressed, lower case). */
    static String format(byte[] b) {
        if (b.length == 4) {
            return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        int bestStart = -1;
        int bestLen = 1; // a single zero group is not compressed
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) j++;
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }
}
