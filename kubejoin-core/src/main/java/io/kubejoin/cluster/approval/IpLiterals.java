package io.kubejoin.cluster.approval;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/** IP literals parsed without ever touching DNS (the policy must stay free of I/O). */
public final class IpLiterals {
    private static final Pattern V4 = Pattern.compile("(0|[1-9]\\d{0,2})(\\.(0|[1-9]\\d{0,2})){3}");
    // only hex digits, colons and dots with a colon: InetAddress takes its literal path, never DNS
    private static final Pattern V6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");

    private IpLiterals() {
    }

    static Optional<InetAddress> parse(String text) {
        if (text == null) return Optional.empty();
        String t = text.trim();
        try {
            if (V4.matcher(t).matches()) {
                String[] parts = t.split("\\.");
                byte[] b = new byte[4];
                for (int i = 0; i < 4; i++) {
                    int v = Integer.parseInt(parts[i]);
                    if (v > 255) return Optional.empty();
                    b[i] = (byte) v;
                }
                return Optional.of(InetAddress.getByAddress(b));
            }
            if (t.contains(":") && V6.matcher(t).matches()) {
                return Optional.of(InetAddress.getByName(t));
            }
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** An address/prefix network such as 10.254.0.0/16; empty when not one. */
    static Optional<Network> parseCidr(String text) {
        if (text == null) return Optional.empty();
        int slash = text.indexOf('/');
        if (slash < 0 || !text.substring(slash + 1).matches("\\d{1,3}")) return Optional.empty();
        int prefix = Integer.parseInt(text.substring(slash + 1));
        return parse(text.substring(0, slash))
                .filter(ip -> prefix <= ip.getAddress().length * 8)
                .map(ip -> new Network(text, ip.getAddress(), prefix));
    }

    /** Text for messages: dotted quad or Java's IPv6 form. */
    static String format(InetAddress ip) {
        return ip.getHostAddress();
    }

    public record Network(String text, byte[] base, int prefix) {
        boolean contains(InetAddress ip) {
            byte[] b = ip.getAddress();
            if (b.length != base.length) return false;
            for (int bit = 0; bit < prefix; bit++) {
                int mask = 0x80 >>> (bit % 8);
                if ((b[bit / 8] & mask) != (base[bit / 8] & mask)) return false;
            }
            return true;
        }
    }
}
