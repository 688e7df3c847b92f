package io.kubejoin.join;

import io.kubejoin.remote.ExecResult;
import io.kubejoin.remote.Negotiated;
import io.kubejoin.remote.PushResult;
import io.kubejoin.remote.RemoteFile;
import io.kubejoin.remote.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A node whose commands answer as scripted (by prefix), for checks that read the node's state. */
final class ScriptedTransport implements Transport {
    private final Map<String, ExecResult> answers = new LinkedHashMap<>();
    final List<String> commands = new ArrayList<>();

    ScriptedTransport answer(String commandPrefix, int exit, String stdout) {
        answers.put(commandPrefix, new ExecResult(exit, stdout, ""));
        return this;
    }

    /** As {@link #answer}, tried before every answer given so far (a narrower prefix than one already there). */
    ScriptedTransport answerFirst(String commandPrefix, int exit, String stdout) {
        Map<String, ExecResult> rest = new LinkedHashMap<>(answers);
        answers.clear();
        answers.put(commandPrefix, new ExecResult(exit, stdout, ""));
        rest.forEach(answers::putIfAbsent);
        return this;
    }

    @Override
    public String target() {
        return "scripted";
    }

    @Override
    public ExecResult exec(String command, Duration timeout) {
        if (command.startsWith(io.kubejoin.remote.script.NodeScript.SECTION_FUNCTION)) return sectioned(command);
        commands.add(command);
        return answer(command);
    }

    private ExecResult answer(String command) {
        return answers.entrySet().stream().filter(e -> command.startsWith(e.getKey())).map(Map.Entry::getValue)
                .findFirst().orElseThrow(() -> new AssertionError("unexpected command: " + command));
    }

    /**
     * A script of {@code s NAME; COMMAND [&& echo WORD]} lines (io.kubejoin.remote.script.NodeScript.SECTION_FUNCTION): each command is
     * answered (and recorded) on its own, its output under its section, WORD added when it succeeded.
     */
    private ExecResult sectioned(String script) {
        StringBuilder out = new StringBuilder();
        for (String line : script.substring(io.kubejoin.remote.script.NodeScript.SECTION_FUNCTION.length()).split("\n")) {
            if (line.isBlank() || line.equals("exit 0")) continue;
            // a helper function and its call (verify's wait on the node): not answered here, the sections are
            if (line.matches("[A-Za-z_]+\\(\\) \\{ .* \\}") || line.matches("[A-Za-z_]+")) continue;
            if (!line.startsWith("s ") || !line.contains("; ")) throw new AssertionError("unexpected script line: " + line);
            int semi = line.indexOf("; ");
            String command = line.substring(semi + 2);
            String echo = null;
            int and = command.lastIndexOf(" && echo ");
            if (and >= 0) {
                echo = command.substring(and + " && echo ".length());
                command = command.substring(0, and);
            }
            commands.add(command);
            ExecResult r = answer(command);
            out.append("== ").append(line, 2, semi).append('\n').append(r.stdout());
            if (!r.stdout().isEmpty() && !r.stdout().endsWith("\n")) out.append('\n');
            if (echo != null && r.ok()) out.append(echo).append('\n');
        }
        return new ExecResult(0, out.toString(), "");
    }

    @Override
    public Map<String, String> sha256(Collection<String> paths) {
        throw new AssertionError("not scripted");
    }

    @Override
    public Optional<String> readText(String path) {
        throw new AssertionError("not scripted");
    }

    @Override
    public PushResult push(List<RemoteFile> files) {
        throw new AssertionError("not scripted");
    }

    @Override
    public Optional<Negotiated> negotiated() {
        return Optional.empty();
    }

    @Override
    public void close() {
    }
}
