package io.kubejoin.sandbox.node.shell;

import java.util.ArrayList;
import java.util.List;

/** {@link NodeShell}'s syntax tree: what {@link Parser} makes of a command line and {@link Interpreter} runs. */
final class Syntax {
    private Syntax() {
    }

    sealed interface Part permits Lit, Var, Subst {
    }

    /** Literal text; quoted text is never split or globbed. */
    record Lit(String text, boolean quoted) implements Part {
    }

    /** {@code $name}, {@code $1}, {@code $?}, {@code $#}. */
    record Var(String name, boolean quoted) implements Part {
    }

    /** {@code $(...)}: the list's stdout, trailing newlines removed; field-split when unquoted. */
    record Subst(Node body, boolean quoted) implements Part {
    }

    record Word(List<Part> parts) {
        /** The text when there is nothing to expand, else null. */
        String literal() {
            StringBuilder sb = new StringBuilder();
            for (Part p : parts) {
                if (!(p instanceof Lit l)) return null;
                sb.append(l.text());
            }
            return sb.toString();
        }
    }

    /** Redirects {@code fd} (1 or 2) to {@code to}: 0 = /dev/null, 1 = stdout, 2 = stderr (as they are then). */
    record Redir(int fd, int to) {
    }

    sealed interface Node permits Simple, Pipeline, AndOr, Seq, If, For, FuncDef, Redirected {
    }

    record Simple(List<Word> words, List<Redir> redirs) implements Node {
    }

    record Pipeline(List<Node> parts) implements Node {
    }

    /** items[0] ops[0] items[1] ...; ops are "&&" or "||". */
    record AndOr(List<Node> items, List<String> ops) implements Node {
    }

    record Seq(List<Node> items) implements Node {
    }

    record If(List<Node> conditions, List<Node> bodies, Node otherwise) implements Node {
    }

    record For(String var, List<Word> words, Node body) implements Node {
    }

    record FuncDef(String name, Node body) implements Node {
    }

    record Redirected(Node inner, List<Redir> redirs) implements Node {
    }

    static final class SyntaxError extends RuntimeException {
        SyntaxError(String message) {
            super(message, null, false, false);
        }
    }

    static SyntaxError unsupportedSyntax(String what) {
        return new SyntaxError("sandbox node: unsupported shell syntax: " + what);
    }

    static final class WordBuilder {
        private final List<Part> parts = new ArrayList<>();
        private final StringBuilder lit = new StringBuilder();
        private boolean litQuoted;

        void add(char c, boolean quoted) {
            if (lit.length() > 0 && litQuoted != quoted) flush();
            litQuoted = quoted;
            lit.append(c);
        }

        /** The characters {@code from} to {@code end} of {@code text}, all quoted or all not. */
        void add(String text, int from, int end, boolean quoted) {
            if (lit.length() > 0 && litQuoted != quoted) flush();
            litQuoted = quoted;
            lit.append(text, from, end);
        }

        /** Quoted text, possibly empty (an empty quoted word is still a word). */
        void quoted(String text) {
            flush();
            parts.add(new Lit(text, true));
        }

        void var(String name, boolean quoted) {
            flush();
            parts.add(new Var(name, quoted));
        }

        void subst(Node body, boolean quoted) {
            flush();
            parts.add(new Subst(body, quoted));
        }

        private void flush() {
            if (lit.length() > 0) parts.add(new Lit(lit.toString(), litQuoted));
            lit.setLength(0);
        }

        Word build() {
            flush();
            return new Word(List.copyOf(parts));
        }
    }
}
