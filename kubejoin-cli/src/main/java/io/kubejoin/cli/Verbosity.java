package io.kubejoin.cli;

import java.util.List;

/**
 * The verbosity asked for on the command line, read before picocli parses it (logging is set up before anything
 * logs): {@code -v}, {@code -vv}, {@code --verbose}, and kubectl's {@code --v=N} / {@code --v N}. kubejoin has two
 * levels: 0 (normal) and 1 or more (debug lines of kubejoin, the SSH and Kubernetes client libraries' own messages,
 * stack traces of internal errors).
 */
final class Verbosity {
    private Verbosity() {
    }

    static int level(List<String> args) {
        int level = 0;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) break;
            if (a.equals("--verbose")) level = Math.max(level, 1);
            else if (a.matches("-v+")) level = Math.max(level, a.length() - 1);
            else if (a.startsWith("--v=")) level = Math.max(level, number(a.substring(4)));
            else if (a.equals("--v") && i + 1 < args.size()) level = Math.max(level, number(args.get(i + 1)));
        }
        return level;
    }

    static boolean verbose(List<String> args) {
        return level(args) > 0;
    }

    private static int number(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return 0; // picocli reports the bad value itself
        }
    }
}
