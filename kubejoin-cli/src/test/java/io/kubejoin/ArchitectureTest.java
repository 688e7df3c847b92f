package io.kubejoin;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package rules of kubejoin over the main classes of all three modules (this module's test classpath holds
 * them all: kubejoin-core, kubejoin-sandbox, kubejoin-cli). Each rule's "because" says what to do when it fails.
 * <p>
 * The layering reads like the procedure, lower first: util; version (the table of release rules) → inventory (the
 * model and its validation, which applies the table) → token, render (pure) → pki → state, output; cluster
 * (cluster.approval), remote → join (with join.phases) → status → doctor → cli, bench. The sandbox sits beside
 * core (it simulates the cluster and the nodes) and is used only by cli/bench and by tests.
 */
class ArchitectureTest {
    /** Core packages the sandbox may use, each with its subpackages. Add one deliberately: see the rule's text. */
    static final List<String> SANDBOX_MAY_USE = List.of(
            "io.kubejoin.inventory..",
            "io.kubejoin.pki..",
            "io.kubejoin.remote..",
            "io.kubejoin.util..",
            "io.kubejoin.version..");

    private static final String CLI = "io.kubejoin.cli..";
    private static final String BENCH = "io.kubejoin.bench..";
    private static final String SANDBOX = "io.kubejoin.sandbox..";

    private static final String HOW_TO_BREAK_A_CYCLE = "break it where the arrow points the wrong way: move the "
            + "class to the package it belongs to (a class both packages need goes to the lower one), or invert "
            + "the dependency (the lower package declares an interface or takes a function, the higher one "
            + "supplies it). Never merge the two packages. Layering, lower first: util; version -> inventory -> "
            + "token, render -> pki -> state, output; cluster, remote -> join (with join.phases) -> status -> "
            + "doctor -> cli, bench; the sandbox beside core";

    /**
     * Main classes only: Maven's test-classes folders and the modules' test-jars (core's and sandbox's test helpers
     * are on this classpath) are left out, so a test helper can never make a rule pass or fail.
     */
    private static final Pattern TEST_JAR = Pattern.compile(".*-tests\\.jar!?/.*");
    private static final ImportOption MAIN_CLASSES_ONLY = location ->
            ImportOption.Predefined.DO_NOT_INCLUDE_TESTS.includes(location) && !location.matches(TEST_JAR);

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(MAIN_CLASSES_ONLY).importPackages("io.kubejoin");
    }

    @Test
    void theImportHoldsTheMainClassesOfAllThreeModulesAndNoTests() {
        // a rule over an empty or partial import passes whatever the code does: prove the import is the product
        assertThat(packagesOf(classes)).as("main classes of core, sandbox and cli")
                .contains("io.kubejoin.inventory", "io.kubejoin.join", "io.kubejoin.join.phases", "io.kubejoin.doctor",
                        "io.kubejoin.cli", "io.kubejoin.bench")
                .anyMatch(p -> p.startsWith("io.kubejoin.sandbox"))
                .doesNotContain("io.kubejoin.testing", "io.kubejoin.e2e");
        assertThat(classes.stream().map(JavaClass::getSimpleName)).as("no test classes")
                .noneMatch(n -> n.endsWith("Test") || n.endsWith("Tests"));
    }

    @Test
    void nothingOutsideCliDependsOnCli() {
        noClasses().that().resideOutsideOfPackages(CLI, BENCH)
                .should().dependOnClassesThat().resideInAPackage(CLI)
                .because("cli is the top layer (picocli commands and options, Main). What a lower package needs "
                        + "from it belongs lower: exit codes are io.kubejoin.util.ExitCodes, user-facing errors "
                        + "io.kubejoin.util.UserFacingException; picocli options stay in cli and hand plain values "
                        + "down. Move the piece down to the package that owns it (or util) and import it from "
                        + "there; do not import cli")
                .check(classes);
    }

    @Test
    void coreNeverDependsOnTheSandboxOrTheBenchmarks() {
        noClasses().that().resideInAPackage("io.kubejoin..").and().resideOutsideOfPackages(SANDBOX, CLI, BENCH)
                .should().dependOnClassesThat().resideInAnyPackage(SANDBOX, BENCH)
                .because("core (kubejoin-core) is the product and ships without the simulators or the "
                        + "benchmarks (nor their mock server, Vert.x, Netty). If core needs something the sandbox "
                        + "has, that piece is product knowledge: move it into the core package that owns the "
                        + "concept and let the sandbox use it from there (as inventory.Network's Service VIP); if "
                        + "a test needs both, put the test in kubejoin-sandbox or kubejoin-cli")
                .check(classes);
    }

    @Test
    void theSandboxUsesOnlyItsAllowListOfCore() {
        noClasses().that().resideInAPackage(SANDBOX)
                .should().dependOnClassesThat(resideInAPackage("io.kubejoin..")
                        .and(not(resideInAnyPackage(Stream.concat(Stream.of(SANDBOX), SANDBOX_MAY_USE.stream())
                                .toArray(String[]::new)))))
                .because("the sandbox simulates kube-apiserver, kube-controller-manager, kubelet, kube-proxy and "
                        + "the nodes as the real ones behave, so it must not borrow kubejoin's own logic (a "
                        + "simulator that shares the product's code agrees with its bugs) and never cli or bench. "
                        + "It may use only " + SANDBOX_MAY_USE + " (ArchitectureTest.SANDBOX_MAY_USE). If it "
                        + "really needs another core package, add that package to SANDBOX_MAY_USE deliberately "
                        + "and say why in the commit; if it needs one small value (a path, a constant), consider "
                        + "moving that value into a package already on the list")
                .check(classes);
    }

    @Test
    void topLevelPackagesAreFreeOfCycles() {
        slices().matching("io.kubejoin.(*)..").namingSlices("io.kubejoin.$1")
                .should().beFreeOfCycles()
                .because("packages depend one way, from the command down to the model; to fix a cycle, "
                        + HOW_TO_BREAK_A_CYCLE)
                .check(classes);
    }

    @Test
    void coresPackagesAtFullDepthAreFreeOfCycles() {
        slices().assignedFrom(CORE_PACKAGES)
                .should().beFreeOfCycles()
                .because("every core package, subpackages included, is a layer of its own (join.phases counts as "
                        + "part of join: the phases and their runner are one unit); to fix a cycle, "
                        + HOW_TO_BREAK_A_CYCLE)
                .check(classes);
    }

    @Test
    void theSandboxsSubPackagesAreFreeOfCycles() {
        slices().matching("io.kubejoin.sandbox.(**)").namingSlices("io.kubejoin.sandbox.$1")
                .should().beFreeOfCycles()
                .because("the sandbox's sub-packages are layers too: tls at the bottom, then api and node, node.shell "
                        + "over node, kubelet over api and node, the entry points (Sandbox, SandboxNode) on top; to "
                        + "fix a cycle, " + HOW_TO_BREAK_A_CYCLE)
                .check(classes);
    }

    /** Each core package its own slice, join.phases folded into join; sandbox, cli and bench not sliced here. */
    private static final SliceAssignment CORE_PACKAGES = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
            String p = c.getPackageName();
            if (!p.startsWith("io.kubejoin.") || Stream.of("sandbox", "cli", "bench")
                    .anyMatch(top -> p.equals("io.kubejoin." + top) || p.startsWith("io.kubejoin." + top + "."))) {
                return SliceIdentifier.ignore();
            }
            return SliceIdentifier.of(p.equals("io.kubejoin.join.phases") ? "io.kubejoin.join" : p);
        }

        @Override
        public String getDescription() {
            return "core's packages at full depth (join.phases as part of join)";
        }
    };

    private static List<String> packagesOf(JavaClasses imported) {
        return imported.stream().map(JavaClass::getPackageName).distinct().sorted().toList();
    }
}
