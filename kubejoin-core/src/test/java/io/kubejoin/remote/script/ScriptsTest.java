package io.kubejoin.remote.script;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.testing.Golden;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every node script: its golden text, and real POSIX shells (dash, bash) accept its syntax. */
class ScriptsTest {
    private static final Golden GOLDEN = new Golden(Path.of("kubejoin-core/src/test/resources/golden/scripts"));

    static List<ScriptCatalog.Sample> samples() {
        return ScriptCatalog.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void matchesItsGoldenText(ScriptCatalog.Sample s) {
        GOLDEN.assertMatches(s.golden(), s.script().endsWith("\n") ? s.script() : s.script() + "\n");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void dashAndBashAcceptTheSyntax(ScriptCatalog.Sample s) throws Exception {
        for (String shell : List.of("dash", "bash")) {
            Process p = new ProcessBuilder(shell, "-n", "-c", s.script()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).as("%s -n %s: %s", shell, s.golden(), out).isZero();
            assertThat(out).as("%s -n %s", shell, s.golden()).isEmpty();
        }
    }

    @Test
    void theSyntaxCheckFailsOnBrokenShell() throws Exception {
        // the check above can fail: an unclosed if is refused by both shells
        for (String shell : List.of("dash", "bash")) {
            Process p = new ProcessBuilder(shell, "-n", "-c", "if true; then echo x").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            assertThat(p.waitFor()).isNotZero();
        }
    }

    @Test
    void everyFamilyIsCovered() {
        assertThat(ScriptCatalog.all().stream().map(ScriptCatalog.Sample::family).distinct())
                .containsExactlyInAnyOrder("push", "survey", "prep", "start", "verify", "status", "doctor", "reset");
    }

    @Test
    void quoteSurvivesAnyCharacter() throws Exception {
        String word = "a 'b' \"c\" $d `e` \\f\n*";
        Process p = new ProcessBuilder("sh", "-c", "printf %s " + Sh.quote(word)).start();
        assertThat(new String(p.getInputStream().readAllBytes())).isEqualTo(word);
        assertThat(p.waitFor()).isZero();
    }

    @Test
    void sectionsSplitTheOutputAgain() {
        String script = NodeScript.sectioned().section("a", "echo 1").section("b", "true").end();
        assertThat(script).isEqualTo("s() { echo; echo \"== $1\"; }\ns a; echo 1\ns b; true\nexit 0\n");
        // each marker's own newline: answers that end with a newline, one without (a PEM's last line), an empty one
        assertThat(NodeScript.sections("\n== a\n1\n\n== b\nlast line\n== c\n\n== d\n"))
                .isEqualTo(Map.of("a", "1\n", "b", "last line\n", "c", "", "d", ""));
        // and output without those newlines (a section's answer ending in its own newline)
        assertThat(NodeScript.sections("== a\n1\n== b\n")).isEqualTo(Map.of("a", "1\n", "b", ""));
        assertThat(NodeScript.plain().step("false", 100).end()).isEqualTo("false || exit 100\nexit 0\n");
    }
}
