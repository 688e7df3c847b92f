package io.kubejoin.util;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean" for misspelt field names and enum values: case-insensitive match first, then edit distance. */
public final class Suggestions {
    private Suggestions() {
    }

    public static Optional<String> closest(String typed, Collection<String> candidates) {
        String lower = typed.toLowerCase(Locale.ROOT);
        for (String c : candidates) {
            if (c.toLowerCase(Locale.ROOT).equals(lower)) return Optional.of(c);
        }
        // allow roughly one typo per four characters, at least one, so short keys don't match everything
        int budget = typed.length() < 3 ? 0 : Math.max(1, Math.min(3, typed.length() / 4));
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(lower, c.toLowerCase(Locale.ROOT));
            if (d <= budget && d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** " — did you mean 'x'?" style fix text, or the fallback when nothing is close. */
    public static String didYouMean(String typed, Collection<String> candidates, String fallback) {
        return closest(typed, candidates).map(c -> "did you mean '" + c + "'?").orElse(fallback);
    }

    /** Optimal string alignment distance: Levenshtein plus transposition of two adjacent characters. */
    public static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
