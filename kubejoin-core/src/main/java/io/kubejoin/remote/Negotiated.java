package io.kubejoin.remote;

/** What an SSH connection agreed on, for the join report ("curve25519-sha256, chacha20-poly1305@openssh.com"). */
public record Negotiated(String kex, String hostKeyType, String cipher, String mac) {
    @Override
    public String toString() {
        return kex + ", " + hostKeyType + ", " + cipher + (mac == null || mac.isEmpty() ? "" : ", " + mac);
    }
}
