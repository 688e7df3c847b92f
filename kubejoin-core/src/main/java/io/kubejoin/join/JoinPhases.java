package io.kubejoin.join;

import io.kubejoin.inventory.InvalidInputException;
import io.kubejoin.inventory.Problem;
import io.kubejoin.join.phases.PushFilesPhase;
import io.kubejoin.join.phases.StartServicePhase;
import io.kubejoin.util.Suggestions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The per-node phases in the order the article performs them, and --skip-phases validation. */
public final class JoinPhases {
    private JoinPhases() {
    }

    /** The node phases that need only the node (the cluster-side ones are added by the join command). */
    public static List<NodePhase> nodeFilePhases() {
        return List.of(PushFilesPhase.kubelet(), StartServicePhase.kubelet(),
                PushFilesPhase.kubeProxy(), StartServicePhase.kubeProxy());
    }

    /** Checks --skip-phases names against the phases; an unknown one is bad input with a suggestion. */
    public static Set<String> validateSkips(Collection<String> skips, List<NodePhase> phases) {
        return validateSkipNames(skips, phases.stream().map(NodePhase::name).toList());
    }

    /** The same against any list of phase names (the join adds its cluster steps). */
    public static Set<String> validateSkipNames(Collection<String> skips, List<String> names) {
        List<Problem> problems = new ArrayList<>();
        for (String s : skips) {
            if (!names.contains(s)) {
                problems.add(new Problem(null, 0, "--skip-phases", "unknown phase '" + s + "'",
                        Suggestions.didYouMean(s, names, "see 'kubejoin join --list-phases'")));
            }
        }
        if (!problems.isEmpty()) throw new InvalidInputException(problems);
        return new LinkedHashSet<>(skips);
    }
}
