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

    @Override
    public String target() {
        return "scripted";
    }

    @Override
    public ExecResult exec(String command, Duration timeout) {
        commands.add(command);
        return answers.entrySet().stream().filter(e -> command.startsWith(e.getKey())).map(Map.Entry::getValue)
                .findFirst().orElseThrow(() -> new AssertionError("unexpected command: " + command));
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
