package io.kubejoin.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * Another local user who can write into a folder kubejoin writes secrets into plants symbolic links there. "Another
 * user" is asserted through what they could reach: the files their links point at, and mode and owner of what
 * kubejoin leaves behind.
 */
@Tag("hostile")
class SecureFilesTest {
    private static final byte[] SECRET = "token: abcdef.0123456789abcdef\n".getBytes();

    @TempDir
    Path tmp;

    @Test
    void linksPlantedAtTheOldTempNameAndAtTheDestinationAreNeitherFollowedNorKept() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("out"));
        Path elsewhere = Files.createDirectories(tmp.resolve("attacker"));
        Path readable = Files.writeString(elsewhere.resolve("catch"), "theirs\n");
        Files.setPosixFilePermissions(readable, SecureFiles.permissions(0666)); // theirs, world-writable: a trap
        Path other = Files.writeString(elsewhere.resolve("other"), "other\n");
        Path dest = dir.resolve("kubelet-bootstrap.kubeconfig");
        // the name the old code wrote through (fixed per thread), and the destination itself
        Files.createSymbolicLink(dir.resolve(".kubelet-bootstrap.kubeconfig.kubejoin-tmp-" + Thread.currentThread().getId()), readable);
        Files.createSymbolicLink(dest, other);

        SecureFiles.writeAtomically(dest, SECRET, 0600);

        assertThat(readable).hasContent("theirs");
        assertThat(SecureFiles.mode(readable)).isEqualTo(0666);
        assertThat(other).hasContent("other");
        assertThat(Files.isSymbolicLink(dest)).isFalse();
        assertThat(Files.isRegularFile(dest, LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(SecureFiles.modeNoFollow(dest)).isEqualTo(0600);
        assertThat(Files.readAllBytes(dest)).isEqualTo(SECRET);
        assertThat(Files.getAttribute(dest, "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(uid());
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString()).filter(n -> n.contains(".kubejoin-") && !n.endsWith("tmp-"
                    + Thread.currentThread().getId()))).as("no temp file left").isEmpty();
        }
    }

    @Test
    void tempNamesAreUnpredictable() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("out"));
        Path dest = dir.resolve("key.pem");
        try (SecureFiles.AtomicFile a = SecureFiles.create(dest, 0600, false);
             SecureFiles.AtomicFile b = SecureFiles.create(dest, 0600, false)) {
            try (Stream<Path> temps = Files.list(dir)) {
                assertThat(temps.map(p -> p.getFileName().toString()).toList()).hasSize(2)
                        .allMatch(n -> n.matches("\\.key\\.pem\\.kubejoin-[0-9a-f]{24}\\.tmp"));
            }
            // each temp file is this user's only from its creation on
            try (Stream<Path> temps = Files.list(dir)) {
                for (Path t : temps.toList()) assertThat(SecureFiles.modeNoFollow(t) & 077).isZero();
            }
        }
        try (Stream<Path> temps = Files.list(dir)) {
            assertThat(temps).as("closed without commit: removed").isEmpty();
        }
    }

    @Test
    void privateFolderIsCreatedAndTightenedTo0700() throws Exception {
        Path loose = Files.createDirectories(tmp.resolve("loose"));
        Files.setPosixFilePermissions(loose, SecureFiles.permissions(0777)); // as umask 000 would have left it
        SecureFiles.createPrivateDirectory(loose, 0700);
        assertThat(SecureFiles.mode(loose)).isEqualTo(0700);

        Path fresh = tmp.resolve("a/b/c");
        SecureFiles.createPrivateDirectory(fresh, 0700);
        assertThat(SecureFiles.mode(fresh)).isEqualTo(0700);
        assertThat(SecureFiles.mode(tmp.resolve("a/b"))).as("parents kubejoin makes").isEqualTo(0700);
    }

    @Test
    void folderOfAnotherUserIsRefused() throws Exception {
        Assumptions.assumeTrue(uid() == 0, "only root can give a folder to another user");
        Path theirs = Files.createDirectories(tmp.resolve("theirs"));
        Files.setAttribute(theirs, "unix:uid", 4242);
        assertThatThrownBy(() -> SecureFiles.createPrivateDirectory(theirs, 0700)).isInstanceOf(UnsafePathException.class)
                .hasMessageContaining(theirs.toString()).hasMessageContaining("4242");
    }

    @Test
    void aSharedStickyFolderIsRefusedNotTightened() throws Exception {
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Files.setAttribute(shared, "unix:mode", 01777); // as /tmp
        assertThatThrownBy(() -> SecureFiles.createPrivateDirectory(shared, 0700)).isInstanceOf(UnsafePathException.class)
                .hasMessageContaining("sticky bit").hasMessageContaining(shared.resolve("kubejoin-out").toString());
        assertThat((Integer) Files.getAttribute(shared, "unix:mode") & 07777).isEqualTo(01777);
    }

    @Test
    void aLinkWhereKubejoinMakesAFolderIsRefused() throws Exception {
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(tmp.resolve("node"), elsewhere);
        assertThatThrownBy(() -> SecureFiles.createSubdirectory(link, 0700)).isInstanceOf(UnsafePathException.class)
                .hasMessageContaining(link.toString()).hasMessageContaining("symbolic link");
    }

    private static int uid() {
        return (int) new com.sun.security.auth.module.UnixSystem().getUid();
    }
}
