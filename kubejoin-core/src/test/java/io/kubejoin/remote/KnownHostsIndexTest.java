package io.kubejoin.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier.HostEntryPair;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.Test;

class KnownHostsIndexTest {
    @Test
    void keysOfALineAreHostAndPortAsMinaMatchesThem() {
        assertThat(KnownHostsIndex.keys("node1 ssh-ed25519 AAAA")).as("a plain name is port 22").containsExactly("node1:22");
        assertThat(KnownHostsIndex.keys("[10.0.0.1]:2222,Node1.Example ssh-ed25519 AAAA"))
                .containsExactly("10.0.0.1:2222", "node1.example:22");
        assertThat(KnownHostsIndex.keys("[node1]:22 ssh-ed25519 AAAA")).containsExactly("node1:22");
        assertThat(KnownHostsIndex.keys("[fd00::1]:2222,::1 ssh-ed25519 AAAA")).containsExactly("fd00::1:2222", "::1:22");
        assertThat(KnownHostsIndex.keys("@revoked node2 ssh-ed25519 AAAA")).containsExactly("node2:22");
        assertThat(KnownHostsIndex.keys("|1|c2FsdA==|aGFzaA== ssh-ed25519 AAAA")).as("hashed").isNull();
        assertThat(KnownHostsIndex.keys("10.0.0.* ssh-ed25519 AAAA")).isNull();
        assertThat(KnownHostsIndex.keys("node?,x ssh-ed25519 AAAA")).isNull();
        assertThat(KnownHostsIndex.keys("node1,!node2 ssh-ed25519 AAAA")).isNull();
        assertThat(KnownHostsIndex.keys("[broken ssh-ed25519 AAAA")).isNull();
        assertThat(KnownHostsIndex.keys("[node1] ssh-ed25519 AAAA")).isNull();
        assertThat(KnownHostsIndex.keys("[node1]:x ssh-ed25519 AAAA")).isNull();
        assertThat(KnownHostsIndex.keys("[node1]:70000 ssh-ed25519 AAAA")).isNull();
        assertThat(KnownHostsIndex.key("Node1", 0)).isEqualTo("node1:22");
    }

    @Test
    void candidatesAreTheLinesNamingTheHostPlusTheUnindexableOnesInFileOrder() throws Exception {
        PublicKey key = KeyUtils.generateKeyPair("ecdsa-sha2-nistp256", 256).getPublic();
        String k = PublicKeyEntry.toString(key);
        List<String> lines = List.of("a " + k, "*.example " + k, "[b]:2222 " + k, "c,B " + k, "|1|c2FsdA==|aGFzaA== " + k, "d " + k);
        List<HostEntryPair> pairs = new ArrayList<>();
        for (String l : lines) pairs.add(new HostEntryPair(KnownHostEntry.parseKnownHostEntry(l), key));
        List<String> parsed = new ArrayList<>();
        KnownHostsIndex index = new KnownHostsIndex(pairs, line -> {
            parsed.add(line);
            return new HostEntryPair(KnownHostEntry.parseKnownHostEntry(line), key);
        });
        assertThat(parsed).as("nothing parsed while loading: the index keeps the lines' text").isEmpty();
        assertThat(index.candidates("b", 2222)).extracting(p -> p.getHostEntry().getConfigLine())
                .containsExactly(lines.get(1), lines.get(2), lines.get(4));
        assertThat(parsed).as("only the candidates are parsed").containsExactly(lines.get(1), lines.get(2), lines.get(4));
        assertThat(index.candidates("b", 22)).extracting(p -> p.getHostEntry().getConfigLine())
                .containsExactly(lines.get(1), lines.get(3), lines.get(4));
        assertThat(index.candidates("D", 22)).extracting(p -> p.getHostEntry().getConfigLine())
                .containsExactly(lines.get(1), lines.get(4), lines.get(5));
        assertThat(index.candidates("D", 2222)).as("d names port 22 only").hasSize(2);
        assertThat(index.candidates("zzz", 22)).hasSize(2);
        // as a list it is the whole file in order, each entry as MINA parsed it
        assertThat(index).hasSize(6).extracting(p -> p.getHostEntry().getConfigLine()).containsExactlyElementsOf(lines);
        assertThat(index.get(3).getHostEntry().getPatterns()).hasSize(2);
        assertThat(index.get(3).getServerKey()).isEqualTo(key);
    }

    /**
     * Nodes that share one address and differ by port (forwarded ports, bench ssh's nodes on 127.0.0.1): a
     * connection parses its own line, not every node's, and MINA's verifier, given those candidates, accepts the
     * node's key and refuses another node's.
     */
    @Test
    void nodesSharingAnAddressAreToldApartByPort() throws Exception {
        List<PublicKey> keys = new ArrayList<>();
        List<HostEntryPair> pairs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            PublicKey key = KeyUtils.generateKeyPair("ssh-ed25519", 256).getPublic();
            keys.add(key);
            pairs.add(new HostEntryPair(KnownHostEntry.parseKnownHostEntry("[127.0.0.1]:" + (2200 + i) + " "
                    + PublicKeyEntry.toString(key)), key));
        }
        List<String> parsed = new ArrayList<>();
        KnownHostsIndex index = new KnownHostsIndex(pairs, line -> {
            parsed.add(line);
            KnownHostEntry e = KnownHostEntry.parseKnownHostEntry(line);
            return new HostEntryPair(e, e.getKeyEntry().resolvePublicKey(null, java.util.Map.of(), null));
        });
        List<HostEntryPair> c = index.candidates("127.0.0.1", 2317);
        assertThat(parsed).hasSize(1).allMatch(l -> l.startsWith("[127.0.0.1]:2317 "));
        assertThat(c).hasSize(1);
        assertThat(c.get(0).getServerKey()).isEqualTo(keys.get(117));
        assertThat(c.get(0).getHostEntry().isHostMatch("127.0.0.1", 2317)).isTrue();
        assertThat(index.candidates("127.0.0.1", 22)).isEmpty();
    }
}
