package io.kubejoin.cli;

import io.kubejoin.util.UserFacingException;
import io.kubejoin.util.ExitCodes;
import io.kubejoin.sandbox.SandboxFault;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import picocli.CommandLine.Option;

/** --fault NAME (repeatable) of sandbox up and demo: the sandbox's fault switches by name ({@link SandboxFault}). */
public class FaultOptions {
    @Option(names = "--fault", paramLabel = "NAME", completionCandidates = Names.class,
            description = "Break one thing in the sandbox, to watch 'kubejoin doctor' diagnose it (repeatable): "
                    + "${COMPLETION-CANDIDATES}. An unknown name lists each with what it breaks.")
    List<String> faults = new ArrayList<>();

    /** The names, for picocli's ${COMPLETION-CANDIDATES}. */
    static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return SandboxFault.names().iterator();
        }
    }

    /** The faults asked for, each once, in the order given; an unknown name is bad input (exit 2) listing them all. */
    List<SandboxFault> faults() {
        LinkedHashSet<SandboxFault> out = new LinkedHashSet<>();
        for (String name : faults) {
            out.add(SandboxFault.byName(name).orElseThrow(() -> new UserFacingException("--fault " + name
                    + ": no such fault; the faults are:\n" + SandboxFault.catalogue(), ExitCodes.BAD_INPUT)));
        }
        return List.copyOf(out);
    }
}
