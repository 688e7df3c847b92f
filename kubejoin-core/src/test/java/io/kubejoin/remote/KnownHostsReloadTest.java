package io.kubejoin.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier.HostEntryPair;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MINA loads known_hosts again after every change; with --accept-new-host-keys each node's first connection appends
 * a line, so a first join of N new nodes loaded the file N times. A load after an append parses the appended lines
 * only; any other change is a whole load.
 */
class KnownHostsReloadTest {
    @TempDir
    Path tmp;

    private final List<PublicKey> keys = new ArrayList<>();

    private String line(int port) throws Exception {
        PublicKey key = KeyUtils.generateKeyPair("ssh-ed25519", 256).getPublic();
        keys.add(key);
        return "[127.0.0.1]:" + port + " " + PublicKeyEntry.toString(key);
    }

    @Test
    void anAppendedLineIsTheOnlyOneParsedAgain() throws Exception {
        Path file = tmp.resolve("known_hosts");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 100; i++) lines.add(line(2200 + i));
        Files.write(file, lines, StandardCharsets.US_ASCII);
        HostKeyVerifier.KnownHosts kh = new HostKeyVerifier.KnownHosts(file, true);

        List<HostEntryPair> first = kh.reloadKnownHosts(null, file);
        assertThat(first).hasSize(100).isInstanceOf(KnownHostsIndex.class);
        assertThat(kh.linesParsed()).isEqualTo(100);

        // as MINA appends a new node's line: a separator, the line, a separator
        String added = line(2300);
        Files.writeString(file, "\n" + added + "\n", StandardOpenOption.APPEND);
        List<HostEntryPair> second = kh.reloadKnownHosts(null, file);
        assertThat(kh.linesParsed()).as("only the appended line").isEqualTo(101);
        assertThat(second).hasSize(101);
        List<HostEntryPair> c = ((KnownHostsIndex) second).candidates("127.0.0.1", 2300);
        assertThat(c).hasSize(1);
        assertThat(c.get(0).getServerKey()).isEqualTo(keys.get(100));
        assertThat(((KnownHostsIndex) second).candidates("127.0.0.1", 2250)).extracting(HostEntryPair::getServerKey)
                .containsExactly(keys.get(50));
        assertThat(((KnownHostsIndex) first).candidates("127.0.0.1", 2300)).as("the earlier load is unchanged").isEmpty();

        // unchanged: nothing parsed
        assertThat(kh.reloadKnownHosts(null, file)).isSameAs(second);
        assertThat(kh.linesParsed()).isEqualTo(101);

        // a line changed in place (another tool's edit): the whole file again, and the change is seen
        String text = Files.readString(file);
        String replaced = line(2250);
        Files.writeString(file, text.replace(lines.get(50), replaced));
        List<HostEntryPair> third = kh.reloadKnownHosts(null, file);
        assertThat(kh.linesParsed()).isEqualTo(202);
        assertThat(((KnownHostsIndex) third).candidates("127.0.0.1", 2250)).extracting(HostEntryPair::getServerKey)
                .containsExactly(keys.get(101));
    }

    @Test
    void textAddedToALastLineWithoutNewlineLoadsTheWholeFile() throws Exception {
        Path file = tmp.resolve("known_hosts");
        String a = line(2200);
        Files.writeString(file, a); // no newline at the end
        HostKeyVerifier.KnownHosts kh = new HostKeyVerifier.KnownHosts(file, true);
        assertThat(kh.reloadKnownHosts(null, file)).hasSize(1);
        // the old last line now continues: "... AAAA,x" would be a different line, so nothing is taken as appended
        Files.writeString(file, "\n" + line(2201) + "\n", StandardOpenOption.APPEND);
        assertThat(kh.reloadKnownHosts(null, file)).extracting(HostEntryPair::getServerKey).containsExactly(keys.get(0), keys.get(1));
        assertThat(kh.linesParsed()).isEqualTo(3);
    }

    @Test
    void aShortFileStaysMinasListAndBecomesTheIndexWhenItGrows() throws Exception {
        Path file = tmp.resolve("known_hosts");
        Files.writeString(file, line(2200) + "\n");
        HostKeyVerifier.KnownHosts kh = new HostKeyVerifier.KnownHosts(file, true);
        assertThat(kh.reloadKnownHosts(null, file)).hasSize(1).isNotInstanceOf(KnownHostsIndex.class);
        StringBuilder more = new StringBuilder();
        for (int i = 1; i < HostKeyVerifier.KnownHosts.INDEX_FROM; i++) more.append(line(2200 + i)).append('\n');
        Files.writeString(file, more, StandardOpenOption.APPEND);
        List<HostEntryPair> grown = kh.reloadKnownHosts(null, file);
        assertThat(grown).hasSize(HostKeyVerifier.KnownHosts.INDEX_FROM).isInstanceOf(KnownHostsIndex.class);
        assertThat(kh.linesParsed()).isEqualTo(HostKeyVerifier.KnownHosts.INDEX_FROM);
        assertThat(((KnownHostsIndex) grown).candidates("127.0.0.1", 2200)).extracting(HostEntryPair::getServerKey)
                .containsExactly(keys.get(0));
    }
}
