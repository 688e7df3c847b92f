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
    void namesOfALine() {
        assertThat(KnownHostsIndex.hosts("node1 ssh-ed25519 AAAA")).containsExactly("node1");
        assertThat(KnownHostsIndex.hosts("[10.0.0.1]:2222,Node1.Example ssh-ed25519 AAAA"))
                .containsExactly("10.0.0.1", "node1.example");
        assertThat(KnownHostsIndex.hosts("@revoked node2 ssh-ed25519 AAAA")).containsExactly("node2");
        assertThat(KnownHostsIndex.hosts("|1|c2FsdA==|aGFzaA== ssh-ed25519 AAAA")).as("hashed").isNull();
        assertThat(KnownHostsIndex.hosts("10.0.0.* ssh-ed25519 AAAA")).isNull();
        assertThat(KnownHostsIndex.hosts("node?,x ssh-ed25519 AAAA")).isNull();
        assertThat(KnownHostsIndex.hosts("node1,!node2 ssh-ed25519 AAAA")).isNull();
        assertThat(KnownHostsIndex.hosts("[broken ssh-ed25519 AAAA")).isNull();
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
        assertThat(index.candidates("b")).extracting(p -> p.getHostEntry().getConfigLine())
                .containsExactly(lines.get(1), lines.get(2), lines.get(3), lines.get(4));
        assertThat(parsed).as("only the candidates are parsed").containsExactly(lines.get(1), lines.get(2), lines.get(3), lines.get(4));
        assertThat(index.candidates("D")).extracting(p -> p.getHostEntry().getConfigLine())
                .containsExactly(lines.get(1), lines.get(4), lines.get(5));
        assertThat(index.candidates("zzz")).hasSize(2);
        // as a list it is the whole file in order, each entry as MINA parsed it
        assertThat(index).hasSize(6).extracting(p -> p.getHostEntry().getConfigLine()).containsExactlyElementsOf(lines);
        assertThat(index.get(3).getHostEntry().getPatterns()).hasSize(2);
        assertThat(index.get(3).getServerKey()).isEqualTo(key);
    }
}
