package io.kubejoin.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubejoin.util.ExitCodes;
import io.kubejoin.util.UserFacingException;
import org.junit.jupiter.api.Test;

/** How the benchmark fits its sandbox into the descriptor limit and sizes its heap (no process is started). */
class BenchRunTest {
    private static final BenchRun.UnshareCheck CAN = () -> null;
    private static final BenchRun.UnshareCheck CANNOT = () -> "unshare: unshare failed: Operation not permitted";

    @Test
    void machinesThatFitTwoDescriptorsEachStayOnThisMachinesNetwork() throws Exception {
        assertThat(BenchRun.needsPrivateNetwork(1_000, 20_000, CANNOT)).isFalse();
        assertThat(BenchRun.needsPrivateNetwork(9_500, 20_000, CANNOT)).isFalse();
        assertThat(BenchRun.needsPrivateNetwork(10_000, 0, CANNOT)).as("no limit known: no check").isFalse();
    }

    /** The run that failed at minute 14 with "Too many open files": 10,000 machines under ulimit -Hn 20000. */
    @Test
    void tenThousandMachinesUnderTwentyThousandDescriptorsRunInANetworkNamespaceOfTheirOwn() throws Exception {
        assertThat(BenchRun.needsPrivateNetwork(10_000, 20_000, CAN)).isTrue();
    }

    @Test
    void withoutANamespaceItFailsBeforeAnythingStartsWithWhatIsNeeded() {
        assertThatThrownBy(() -> BenchRun.needsPrivateNetwork(10_000, 20_000, CANNOT))
                .isInstanceOfSatisfying(UserFacingException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.BAD_INPUT))
                .hasMessageContaining("needs about 21000 file descriptors")
                .hasMessageContaining("hard limit (ulimit -Hn) is 20000")
                .hasMessageContaining("Operation not permitted")
                .hasMessageContaining("ulimit -Hn 21000")
                .hasMessageContaining("--nodes 9500 or fewer");
    }

    @Test
    void tooManyEvenForOneDescriptorAMachineFailsEarly() {
        assertThatThrownBy(() -> BenchRun.needsPrivateNetwork(30_000, 20_000, CAN))
                .isInstanceOf(UserFacingException.class)
                .hasMessageContaining("even in a network namespace of its own (1 a machine) it needs 31000")
                .hasMessageContaining("--nodes 9500 or fewer");
    }

    @Test
    void sandboxHeapGrowsWithTheMachinesPastFourThousandUnlessGiven() {
        assertThat(BenchRun.sandboxHeap("auto", 1_000)).isEqualTo("2048m");
        assertThat(BenchRun.sandboxHeap(null, 3_000)).isEqualTo("2048m");
        assertThat(BenchRun.sandboxHeap("auto", 10_000)).isEqualTo("4882m");
        assertThat(BenchRun.sandboxHeap("6g", 10_000)).isEqualTo("6g");
    }

    /** sandbox up by hand: as many machines as the limit itself cannot fit, whatever the machine's limit is. */
    @Test
    void sandboxUpWithMoreMachinesThanDescriptorsFailsAtOnce() {
        long limit = BenchRun.openFilesLimit();
        org.junit.jupiter.api.Assumptions.assumeTrue(limit > 0 && limit < 1_000_000, "no finite descriptor limit known here");
        assertThatThrownBy(() -> BenchRun.checkDescriptors((int) limit, true))
                .isInstanceOfSatisfying(UserFacingException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.BAD_INPUT))
                .hasMessageContaining("hard limit (ulimit -Hn) is " + limit)
                .hasMessageContaining("kubejoin bench --nodes " + limit);
        BenchRun.checkDescriptors(1, false);
    }
}
