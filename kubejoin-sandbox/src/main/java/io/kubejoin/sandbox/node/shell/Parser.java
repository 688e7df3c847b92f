package io.kubejoin.sandbox.node.shell;

import io.kubejoin.sandbox.node.shell.Syntax.AndOr;
import io.kubejoin.sandbox.node.shell.Syntax.For;
import io.kubejoin.sandbox.node.shell.Syntax.FuncDef;
import io.kubejoin.sandbox.node.shell.Syntax.If;
import io.kubejoin.sandbox.node.shell.Syntax.Lit;
import io.kubejoin.sandbox.node.shell.Syntax.Node;
import io.kubejoin.sandbox.node.shell.Syntax.Pipeline;
import io.kubejoin.sandbox.node.shell.Syntax.Redir;
import io.kubejoin.sandbox.node.shell.Syntax.Redirected;
import io.kubejoin.sandbox.node.shell.Syntax.Seq;
import io.kubejoin.sandbox.node.shell.Syntax.Simple;
import io.kubejoin.sandbox.node.shell.Syntax.SyntaxError;
import io.kubejoin.sandbox.node.shell.Syntax.Word;
import io.kubejoin.sandbox.node.shell.Syntax.WordBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import static io.kubejoin.sandbox.node.shell.Syntax.unsupportedSyntax;

/**
 * {@link NodeShell}'s parser: a whole command line into a {@link Syntax} tree before anything runs, so a script with
 * unsupported syntax fails (exit 2) without having done half of its work.
 */
final class Parser {
    private static final Set<String> RESERVED = Set.of("if", "then", "else", "elif", "fi", "for", "do", "done", "{",
            "}", "while", "until", "case", "esac", "select", "function", "!", "[[");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    // compiled once: these run for every command of every script
    private static final Pattern ASSIGNMENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*=.*");

    private final String s;
    private int pos;
    /** How many {@code $(} are open at pos: a ')' then ends the innermost one's list. */
    private int substitutions;

    Parser(String s) {
        this.s = s;
    }

    Node program() {
        Seq list = list(Set.of());
        skipBlanksAndNewlines();
        if (pos < s.length()) throw syntax("unexpected '" + (peekWord() != null ? peekWord() : s.charAt(pos)) + "'");
        return list;
    }

    private SyntaxError syntax(String what) {
        return new SyntaxError("sandbox node: syntax error: " + what);
    }

    private boolean eof() {
        return pos >= s.length();
    }

    private char peek() {
        return pos < s.length() ? s.charAt(pos) : '\0';
    }

    private char peekAt(int i) {
        return pos + i < s.length() ? s.charAt(pos + i) : '\0';
    }

    private static boolean blank(char c) {
        return c == ' ' || c == '\t';
    }

    /** Ends an unquoted word. */
    private static boolean breaks(char c) {
        return blank(c) || c == '\n' || ";&|()<>".indexOf(c) >= 0;
    }

    private static boolean plain(char c) {
        return !breaks(c) && "'\"\\$`".indexOf(c) < 0;
    }

    private void skipBlanks() {
        while (!eof()) {
            char c = peek();
            if (blank(c)) {
                pos++;
            } else if (c == '\\' && peekAt(1) == '\n') {
                pos += 2;
            } else if (c == '#') {
                while (!eof() && peek() != '\n') pos++;
            } else {
                return;
            }
        }
    }

    private void skipBlanksAndNewlines() {
        while (true) {
            skipBlanks();
            if (peek() == '\n') pos++;
            else return;
        }
    }

    /** The plain word at pos when it stands alone (for reserved words), else null. */
    private String peekWord() {
        int j = pos;
        while (j < s.length() && plain(s.charAt(j))) j++;
        if (j == pos || (j < s.length() && !breaks(s.charAt(j)))) return null;
        return s.substring(pos, j);
    }

    private String peekReserved() {
        // most words are no reserved word and longer than any ("function"): no substring for them
        int j = pos;
        while (j < s.length() && j - pos <= 8 && plain(s.charAt(j))) j++;
        if (j - pos > 8) return null;
        String w = peekWord();
        return w != null && RESERVED.contains(w) ? w : null;
    }

    private void expectReserved(String word) {
        skipBlanksAndNewlines();
        if (!word.equals(peekReserved())) {
            throw syntax("expected '" + word + "'" + (eof() ? " before the end" : " at '" + rest() + "'"));
        }
        pos += word.length();
    }

    private String rest() {
        String r = s.substring(pos);
        return r.length() > 30 ? r.substring(0, 30) + "…" : r;
    }

    private Seq list(Set<String> stops) {
        List<Node> items = new ArrayList<>();
        while (true) {
            skipBlanksAndNewlines();
            if (eof() || substitutions > 0 && peek() == ')') break;
            String rw = peekReserved();
            if (rw != null && stops.contains(rw)) break;
            items.add(andOr());
            skipBlanks();
            if (eof()) break;
            char c = peek();
            if (c == ';') {
                if (peekAt(1) == ';') throw unsupportedSyntax(";; (case)");
                pos++;
            } else if (c == '\n') {
                pos++;
            } else if (c == '&') {
                throw unsupportedSyntax("background job '&'");
            } else if (c == ')' && substitutions > 0) {
                break;
            } else if (c == ')' || c == '(') {
                throw unsupportedSyntax("subshell ( ... )");
            } else {
                throw syntax("unexpected '" + c + "'");
            }
        }
        return new Seq(items);
    }

    private Node andOr() {
        List<Node> items = new ArrayList<>();
        List<String> ops = new ArrayList<>();
        items.add(pipeline());
        while (true) {
            skipBlanks();
            if (peek() == '&' && peekAt(1) == '&') {
                ops.add("&&");
            } else if (peek() == '|' && peekAt(1) == '|') {
                ops.add("||");
            } else {
                break;
            }
            pos += 2;
            skipBlanksAndNewlines();
            items.add(pipeline());
        }
        return ops.isEmpty() ? items.get(0) : new AndOr(items, ops);
    }

    private Node pipeline() {
        List<Node> parts = new ArrayList<>();
        parts.add(command());
        while (true) {
            skipBlanks();
            if (peek() == '|' && peekAt(1) != '|') {
                pos++;
                skipBlanksAndNewlines();
                parts.add(command());
            } else {
                break;
            }
        }
        return parts.size() == 1 ? parts.get(0) : new Pipeline(parts);
    }

    private Node command() {
        skipBlanks();
        if (eof()) throw syntax("a command is missing at the end");
        char c = peek();
        if (c == '(') throw unsupportedSyntax("subshell ( ... )");
        if (c == ';' || c == '&' || c == '|' || c == ')' || c == '\n') throw syntax("unexpected '" + c + "'");
        String rw = peekReserved();
        if (rw != null) {
            Node compound = switch (rw) {
                case "if" -> ifCommand();
                case "for" -> forCommand();
                case "{" -> {
                    pos++;
                    Seq body = list(Set.of("}"));
                    expectReserved("}");
                    yield body;
                }
                case "while", "until", "case", "select", "function", "!", "[[" -> throw unsupportedSyntax("'" + rw + "'");
                default -> throw syntax("unexpected '" + rw + "'");
            };
            List<Redir> redirs = new ArrayList<>();
            while (true) {
                skipBlanks();
                if (!redirection(redirs)) break;
            }
            return redirs.isEmpty() ? compound : new Redirected(compound, redirs);
        }
        List<Word> words = new ArrayList<>();
        List<Redir> redirs = new ArrayList<>();
        while (true) {
            skipBlanks();
            if (eof()) break;
            c = peek();
            if (c == '(') {
                if (words.size() == 1 && redirs.isEmpty()) return function(words.get(0));
                throw unsupportedSyntax("'(' inside a command");
            }
            if (c == ';' || c == '&' || c == '|' || c == ')' || c == '\n') break;
            if (redirection(redirs)) continue;
            words.add(word());
        }
        if (!words.isEmpty() && words.get(0).parts().get(0) instanceof Lit l && !l.quoted()
                && ASSIGNMENT.matcher(l.text()).matches()) {
            throw unsupportedSyntax("variable assignment " + l.text());
        }
        return new Simple(words, redirs);
    }

    private Node function(Word name) {
        pos++; // (
        skipBlanks();
        if (peek() != ')') throw unsupportedSyntax("subshell ( ... )");
        pos++;
        String n = name.literal();
        if (n == null || name.parts().size() != 1 || ((Lit) name.parts().get(0)).quoted() || !NAME.matcher(n).matches()) {
            throw syntax("bad function name");
        }
        skipBlanksAndNewlines();
        String rw = peekReserved();
        if (!"{".equals(rw) && !"if".equals(rw) && !"for".equals(rw)) {
            throw syntax("function " + n + ": the body must be { ... }");
        }
        return new FuncDef(n, command());
    }

    private Node ifCommand() {
        pos += 2;
        List<Node> conditions = new ArrayList<>();
        List<Node> bodies = new ArrayList<>();
        Node otherwise = null;
        while (true) {
            conditions.add(list(Set.of("then")));
            expectReserved("then");
            bodies.add(list(Set.of("elif", "else", "fi")));
            skipBlanksAndNewlines();
            String rw = peekReserved();
            if ("elif".equals(rw)) {
                pos += 4;
                continue;
            }
            if ("else".equals(rw)) {
                pos += 4;
                otherwise = list(Set.of("fi"));
            }
            expectReserved("fi");
            return new If(conditions, bodies, otherwise);
        }
    }

    private Node forCommand() {
        pos += 3;
        skipBlanks();
        int start = pos;
        while (!eof() && plain(peek())) pos++;
        String var = s.substring(start, pos);
        if (!NAME.matcher(var).matches()) throw syntax("bad for loop variable '" + var + "'");
        skipBlanksAndNewlines();
        if (!"in".equals(peekWord())) throw unsupportedSyntax("for without 'in'");
        pos += 2;
        List<Word> words = new ArrayList<>();
        while (true) {
            skipBlanks();
            if (eof()) throw syntax("for: expected 'do'");
            char c = peek();
            if (c == ';' || c == '\n') {
                pos++;
                break;
            }
            if (breaks(c)) throw syntax("for: unexpected '" + c + "'");
            words.add(word());
        }
        expectReserved("do");
        Seq body = list(Set.of("done"));
        expectReserved("done");
        return new For(var, words, body);
    }

    /** Parses one redirection at pos into {@code out}; false (pos unchanged) when there is none. */
    private boolean redirection(List<Redir> out) {
        int save = pos;
        int fd = 1;
        char c = peek();
        if (c >= '0' && c <= '9' && (peekAt(1) == '>' || peekAt(1) == '<')) {
            fd = c - '0';
            pos++;
            c = peek();
        }
        if (c == '<') throw unsupportedSyntax("input redirection '<'");
        if (c != '>') {
            pos = save;
            return false;
        }
        pos++;
        int to;
        if (peek() == '&') {
            pos++;
            skipBlanks();
            String t = targetWord();
            if (t == null || !(t.equals("1") || t.equals("2"))) {
                throw unsupportedSyntax("redirection >&" + (t == null ? "(expansion)" : t));
            }
            to = t.charAt(0) - '0';
        } else {
            if (peek() == '>' || peek() == '|') pos++;
            skipBlanks();
            String t = targetWord();
            if (!"/dev/null".equals(t)) {
                throw unsupportedSyntax("redirection to " + (t == null ? "an expansion" : t) + " (only /dev/null)");
            }
            to = 0;
        }
        if (fd != 1 && fd != 2) throw unsupportedSyntax("redirection of file descriptor " + fd);
        out.add(new Redir(fd, to));
        return true;
    }

    private String targetWord() {
        if (eof() || breaks(peek())) throw syntax("redirection without a target");
        return word().literal();
    }

    /** One word at pos (pos is at a character that starts a word). */
    private Word word() {
        WordBuilder w = new WordBuilder();
        boolean first = true;
        while (!eof()) {
            char c = peek();
            if (breaks(c)) break;
            if (c == '\'') {
                int end = s.indexOf('\'', pos + 1);
                if (end < 0) throw syntax("unterminated single quote");
                w.quoted(s.substring(pos + 1, end));
                pos = end + 1;
            } else if (c == '"') {
                pos++;
                doubleQuoted(w);
            } else if (c == '\\') {
                if (peekAt(1) == '\n') {
                    pos += 2;
                } else if (pos + 1 >= s.length()) {
                    w.add('\\', false);
                    pos++;
                } else {
                    w.add(s.charAt(pos + 1), true);
                    pos += 2;
                }
            } else if (c == '$') {
                pos++;
                dollar(w, false);
            } else if (c == '`') {
                throw unsupportedSyntax("command substitution `...`");
            } else if (c == '~' && first) {
                throw unsupportedSyntax("tilde expansion");
            } else {
                // a run of plain characters at once, not one append each (scripts are mostly such runs)
                int end = pos + 1;
                while (end < s.length() && plain(s.charAt(end))) end++;
                w.add(s, pos, end, false);
                pos = end;
            }
            first = false;
        }
        return w.build();
    }

    private void doubleQuoted(WordBuilder w) {
        w.quoted("");
        while (true) {
            if (eof()) throw syntax("unterminated double quote");
            char c = peek();
            if (c == '"') {
                pos++;
                return;
            }
            if (c == '\\') {
                char n = peekAt(1);
                if (n == '\n') {
                    pos += 2;
                } else if (n == '$' || n == '`' || n == '"' || n == '\\') {
                    w.add(n, true);
                    pos += 2;
                } else {
                    w.add('\\', true);
                    pos++;
                }
            } else if (c == '$') {
                pos++;
                dollar(w, true);
            } else if (c == '`') {
                throw unsupportedSyntax("command substitution `...`");
            } else {
                int end = pos + 1;
                while (end < s.length() && "\"\\$`".indexOf(s.charAt(end)) < 0) end++;
                w.add(s, pos, end, true);
                pos = end;
            }
        }
    }

    /** After a '$'. */
    private void dollar(WordBuilder w, boolean quoted) {
        char c = peek();
        if (c == '(') {
            if (peekAt(1) == '(') throw unsupportedSyntax("arithmetic $((...))");
            pos++;
            substitutions++;
            Seq body = list(Set.of());
            skipBlanksAndNewlines();
            if (peek() != ')') throw syntax("unterminated $(");
            pos++;
            substitutions--;
            w.subst(body, quoted);
            return;
        }
        if (c == '{') {
            int end = s.indexOf('}', pos);
            String inner = end < 0 ? "" : s.substring(pos + 1, end);
            if (end < 0 || !(NAME.matcher(inner).matches() || inner.matches("[0-9]|[?#]"))) {
                throw unsupportedSyntax("parameter expansion ${" + (end < 0 ? s.substring(pos + 1) : inner) + "}");
            }
            w.var(inner, quoted);
            pos = end + 1;
        } else if (c == '_' || Character.isLetter(c) && c < 128) {
            int start = pos;
            while (!eof() && (peek() == '_' || Character.isLetterOrDigit(peek()) && peek() < 128)) pos++;
            w.var(s.substring(start, pos), quoted);
        } else if ((c >= '0' && c <= '9') || c == '?' || c == '#') {
            w.var(String.valueOf(c), quoted);
            pos++;
        } else if (c == '@' || c == '*' || c == '$' || c == '!' || c == '-') {
            throw unsupportedSyntax("special parameter $" + c);
        } else {
            w.add('$', quoted);
        }
    }
}
