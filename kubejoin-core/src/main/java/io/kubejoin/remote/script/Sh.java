package io.kubejoin.remote.script;

import java.util.Collection;

/** POSIX sh quoting: the one place kubejoin turns a word into shell text. */
public final class Sh {
    private Sh() {
    }

    /** Single-quotes a word for sh: safe for any byte string without NUL. */
    public static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** Each word quoted, separated by one space. */
    public static String quoteAll(Collection<String> words) {
        StringBuilder sb = new StringBuilder();
        for (String w : words) {
            if (!sb.isEmpty()) sb.append(' ');
            sb.append(quote(w));
        }
        return sb.toString();
    }

    /** {@code command} run by sh as root: through {@code sudo -n} (never a password prompt) for another login. */
    public static String asRoot(boolean sudo, String command) {
        return (sudo ? "sudo -n sh -c " : "sh -c ") + quote(command);
    }

    /**
     * The command as root through a sudo that wants a password, which comes as the first line of stdin (never on
     * the command line): {@code -S} reads it there, {@code -k} makes sudo ask every time (a cached credential would
     * leave the line to the command), {@code -p ''} keeps its prompt out of the output.
     */
    public static String asRootWithPassword(String command) {
        return "sudo -k -S -p '' sh -c " + quote(command);
    }
}
