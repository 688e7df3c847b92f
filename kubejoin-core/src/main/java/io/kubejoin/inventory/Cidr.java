package io.kubejoin.inventory;

import java.util.Optional;

/** An IP network such as 10.254.0.0/16, as written (host bits possibly set; see {@link #hasHostBits}). */
record Cidr(IpAddress address, int prefix) {

    static Optional<Cidr> parse(String text) {
        if (text == null) return Optional.empty();
        int slash = text.indexOf('/');
        if (slash < 0 || !text.substring(slash + 1).matches("\\d{1,3}")) return Optional.empty();
        int prefix = Integer.parseInt(text.substring(slash + 1));
        return IpAddress.parse(text.substring(0, slash))
                .filter(ip -> prefix <= ip.bytes().length * 8)
                .map(ip -> new Cidr(ip, prefix));
    }

    boolean isV4() {
        return address.isV4();
    }

    /** The network address: the written address with its host bits cleared. */
    IpAddress network() {
        byte[] b = address.bytes().clone();
        for (int bit = prefix; bit < b.length * 8; bit++) {
            b[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return new IpAddress(b);
    }

    boolean hasHostBits() {
        return !network().equals(address);
    }

    boolean contains(IpAddress ip) {
        if (ip.bytes().length != address.bytes().length) return false;
        return new Cidr(ip, prefix).network().equals(network());
    }

    boolean overlaps(Cidr other) {
        if (other.isV4() != isV4()) return false;
        Cidr wider = prefix <= other.prefix ? this : other;
        Cidr narrower = wider == this ? other : this;
        return wider.contains(narrower.address);
    }

    @Override
    public String toString() {
        return address + "/" + prefix;
    }
}
