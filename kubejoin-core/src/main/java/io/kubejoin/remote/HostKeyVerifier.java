package io.kubejoin.remote;

import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier.HostEntryPair;
import org.apache.sshd.client.keyverifier.RejectAllServerKeyVerifier;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.digest.BuiltinDigests;
import org.apache.sshd.common.util.net.SshdSocketAddress;

/**
 * The client's one ServerKeyVerifier: checks each connection against the known_hosts file its node names (carried
 * in the connection context), and remembers why a key was refused so the error can say so.
 */
final class HostKeyVerifier implements ServerKeyVerifier {
    static final AttributeRepository.AttributeKey<Attempt> ATTEMPT = new AttributeRepository.AttributeKey<>();

    enum Refusal { UNKNOWN, CHANGED, REVOKED, UNRECORDABLE }

    /** Per connection attempt: the file to check and, afterwards, what happened. */
    static final class Attempt {
        final Path knownHosts;
        final boolean acceptNew;
        /** the node as the inventory names it: through a bastion the TCP peer is a local forwarding port */
        final String host;
        final int port;
        volatile PublicKey presented;
        volatile Refusal refusal;
        volatile PublicKey expected;
        volatile boolean recorded;
        volatile Throwable recordFailure;

        Attempt(Path knownHosts, boolean acceptNew, String host, int port) {
            this.knownHosts = knownHosts.toAbsolutePath();
            this.acceptNew = acceptNew;
            this.host = host;
            this.port = port;
        }

        String knownHostsName() {
            return port == 22 ? host : "[" + host + "]:" + port;
        }
    }

    // one parsed known_hosts per (file, mode): reloaded by MINA when the file changes, and appends are serialized
    private final ConcurrentMap<String, KnownHosts> files = new ConcurrentHashMap<>();

    @Override
    public boolean verifyServerKey(ClientSession session, SocketAddress remote, PublicKey serverKey) {
        Attempt a = attempt(session);
        if (a == null) return false; // a connection not opened by SshConnector: refuse rather than guess
        a.presented = serverKey;
        return files.computeIfAbsent(a.acceptNew + ":" + a.knownHosts, k -> new KnownHosts(a.knownHosts, a.acceptNew))
                .verifyServerKey(session, remote, serverKey);
    }

    static Attempt attempt(ClientSession session) {
        AttributeRepository ctx = session.getConnectionContext();
        return ctx == null ? null : ctx.getAttribute(ATTEMPT);
    }

    static String fingerprint(PublicKey key) {
        return KeyUtils.getFingerPrint(BuiltinDigests.sha256, key);
    }

    static final class KnownHosts extends KnownHostsServerKeyVerifier {
        /** files shorter than this are kept as MINA loads them: the index pays off only for a fleet's file */
        static final int INDEX_FROM = 32;

        /** The file's bytes at the last load and the entries they held: a later load parses only what was appended. */
        private byte[] loadedBytes;
        private java.util.List<HostEntryPair> loadedEntries;
        /** Lines parsed by all loads so far (the tests' view of how much each load cost). */
        private long linesParsed;

        KnownHosts(Path file, boolean acceptNew) {
            // the delegate decides about keys that are not in the file at all; modified keys never reach it
            // (a lambda rather than AcceptAllServerKeyVerifier, which logs a warning per host)
            super(acceptNew ? (session, remote, key) -> true : RejectAllServerKeyVerifier.INSTANCE, file);
        }

        /**
         * MINA's load (its parse, and lines whose key cannot be decoded left out), kept as the lines' text with an
         * index by host instead of a parsed entry per line (see {@link KnownHostsIndex}). MINA loads the file again
         * after every change, its own appends included: with --accept-new-host-keys a first join records one line a
         * node, and each next connection parsed and decoded the whole file again, O(nodes²) (~45 us a line: ~22 s of
         * CPU for 1,000 new nodes). When the file is what was loaded plus lines after it, only those are parsed and
         * added; any other change (a line edited or removed, another tool's rewrite) loads the whole file as before.
         */
        @Override
        protected synchronized java.util.List<HostEntryPair> reloadKnownHosts(ClientSession session, Path file)
                throws java.io.IOException, java.security.GeneralSecurityException {
            // recorded before the read: a change after it is seen by the next check and loaded then
            updateReloadAttributes();
            byte[] bytes = java.nio.file.Files.readAllBytes(file);
            byte[] before = loadedBytes;
            java.util.List<HostEntryPair> entries;
            if (before != null && bytes.length >= before.length
                    && (before.length == 0 || before[before.length - 1] == '\n')
                    && java.util.Arrays.equals(bytes, 0, before.length, before, 0, before.length)) {
                java.util.List<HostEntryPair> added = parse(bytes, before.length, file);
                entries = added.isEmpty() ? loadedEntries : plus(loadedEntries, added);
            } else {
                entries = plus(java.util.List.of(), parse(bytes, 0, file));
            }
            loadedBytes = bytes;
            loadedEntries = entries;
            return entries;
        }

        /** MINA's parse of the file's lines from byte {@code from}, each with its decoded key (undecodable: left out). */
        private java.util.List<HostEntryPair> parse(byte[] bytes, int from, Path file) throws java.io.IOException {
            java.util.List<KnownHostEntry> read = KnownHostEntry.readKnownHostEntries(new java.io.StringReader(
                    new String(bytes, from, bytes.length - from, java.nio.charset.StandardCharsets.UTF_8)), true);
            linesParsed += read.size();
            PublicKeyEntryResolver resolver = getFallbackPublicKeyEntryResolver();
            java.util.List<HostEntryPair> out = new java.util.ArrayList<>(read.size());
            for (KnownHostEntry entry : read) {
                try {
                    PublicKey key = resolveHostKey(null, entry, resolver);
                    if (key != null) out.add(new HostEntryPair(entry, key));
                } catch (Exception e) {
                    // as MINA's own load: a line whose key cannot be decoded is left out, with a warning
                    log.warn("reloadKnownHosts({}) failed ({}) to load key of {}: {}", file,
                            e.getClass().getSimpleName(), entry, e.getMessage());
                }
            }
            return out;
        }

        /** {@code base} and then {@code added}: MINA's plain list while short, the index from {@link #INDEX_FROM} lines. */
        private java.util.List<HostEntryPair> plus(java.util.List<HostEntryPair> base, java.util.List<HostEntryPair> added) {
            if (base instanceof KnownHostsIndex index) return index.plus(added);
            java.util.List<HostEntryPair> all = new java.util.ArrayList<>(base.size() + added.size());
            all.addAll(base);
            all.addAll(added);
            if (all.size() < INDEX_FROM) return all;
            // parsed again without the session that loaded the file, which the index must not keep alive
            PublicKeyEntryResolver resolver = getFallbackPublicKeyEntryResolver();
            return new KnownHostsIndex(all, line -> {
                KnownHostEntry entry = KnownHostEntry.parseKnownHostEntry(line);
                return new HostEntryPair(entry, resolveHostKey(null, entry, resolver));
            });
        }

        synchronized long linesParsed() {
            return linesParsed;
        }

        /** Look the node up by its inventory name and port, not by the socket's peer (a forwarding port). */
        @Override
        protected java.util.Collection<SshdSocketAddress> resolveHostNetworkIdentities(ClientSession session,
                SocketAddress remote) {
            Attempt a = attempt(session);
            return a == null ? super.resolveHostNetworkIdentities(session, remote)
                    : java.util.List.of(new SshdSocketAddress(a.host, a.port));
        }

        /** Tests only the lines that name the node and its port (see {@link KnownHostsIndex}). */
        @Override
        protected java.util.List<HostEntryPair> findKnownHostEntries(ClientSession session, SocketAddress remote,
                java.util.Collection<HostEntryPair> knownHosts) {
            Attempt a = attempt(session);
            if (a == null || !(knownHosts instanceof KnownHostsIndex index)) {
                return super.findKnownHostEntries(session, remote, knownHosts);
            }
            return super.findKnownHostEntries(session, remote, index.candidates(a.host, a.port));
        }

        /** Recorded as OpenSSH writes it ("[host]:port type key"), for the inventory's name of the node. */
        @Override
        protected KnownHostEntry prepareKnownHostEntry(ClientSession session, SocketAddress remote, PublicKey key)
                throws Exception {
            Attempt a = attempt(session);
            if (a == null) return super.prepareKnownHostEntry(session, remote, key);
            return KnownHostEntry.parseKnownHostEntry(a.knownHostsName() + " " + PublicKeyEntry.toString(key));
        }

        @Override
        protected boolean acceptUnknownHostKey(ClientSession session, SocketAddress remote, PublicKey key) {
            boolean accepted = super.acceptUnknownHostKey(session, remote, key); // records the key when accepted
            Attempt a = attempt(session);
            if (a != null) {
                if (!accepted) {
                    a.refusal = Refusal.UNKNOWN;
                } else if (a.recordFailure != null) {
                    // trust on first use means recorded on first use: a key that cannot be written is refused
                    a.refusal = Refusal.UNRECORDABLE;
                    return false;
                } else {
                    a.recorded = true;
                }
            }
            return accepted;
        }

        /**
         * Creates a missing folder (~/.ssh on a fresh machine) with OpenSSH's mode before appending. One record at a
         * time: MINA decides between appending and creating (which truncates) before it takes its lock, so two nodes
         * recorded at once into an empty or missing file both created it and the first line was lost (seen: 999 lines
         * after 1,000 new nodes), and that node was unknown again on the next run.
         */
        @Override
        protected synchronized KnownHostEntry updateKnownHostsFile(ClientSession session, SocketAddress remote,
                PublicKey key, Path file, java.util.Collection<HostEntryPair> knownHosts) throws Exception {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null && !java.nio.file.Files.isDirectory(dir)) {
                java.nio.file.Files.createDirectories(dir, java.nio.file.attribute.PosixFilePermissions
                        .asFileAttribute(io.kubejoin.util.SecureFiles.permissions(0700)));
            }
            return super.updateKnownHostsFile(session, remote, key, file, knownHosts);
        }

        @Override
        protected void handleKnownHostsFileUpdateFailure(ClientSession session, SocketAddress remote, PublicKey key,
                Path file, java.util.Collection<HostEntryPair> knownHosts, Throwable reason) {
            Attempt a = attempt(session);
            if (a != null) a.recordFailure = reason;
        }

        @Override
        public boolean acceptModifiedServerKey(ClientSession session, SocketAddress remote, KnownHostEntry entry,
                PublicKey expected, PublicKey actual) {
            Attempt a = attempt(session);
            if (a != null) {
                a.refusal = Refusal.CHANGED;
                a.expected = expected;
            }
            return false; // never, in any mode
        }

        @Override
        protected void handleRevokedKey(ClientSession session, SocketAddress remote, PublicKey key) {
            Attempt a = attempt(session);
            if (a != null) a.refusal = Refusal.REVOKED;
            super.handleRevokedKey(session, remote, key);
        }
    }
}
