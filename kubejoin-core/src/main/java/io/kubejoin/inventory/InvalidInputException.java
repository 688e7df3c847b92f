package io.kubejoin.inventory;

import java.util.List;
import java.util.stream.Collectors;

/** Bad user input: the CLI prints each problem on its own line and exits 2, never a stack trace. */
public class InvalidInputException extends RuntimeException {
    private final List<Problem> problems;

    public InvalidInputException(List<Problem> problems) {
        super(problems.stream().map(Problem::format).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public InvalidInputException(Problem problem) {
        this(List.of(problem));
    }

    public List<Problem> problems() {
        return problems;
    }
}
