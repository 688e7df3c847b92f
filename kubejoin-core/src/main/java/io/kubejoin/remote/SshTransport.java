package io.kubejoin.remote;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.kex.KexProposalOption;

/**
 * {@link Transport} over one SSH connection (MINA SSHD). The connection is opened by {@link SshConnector#open} and
 * reopened by the next call after it drops, host key checked again each time.
 *
 * <p>A push of small files (up to {@value #INLINE_MAX} bytes each: configs, kubeconfigs, certificates, units) is one
 * command with their bytes on its stdin; the node compares each with what it has and replaces only what differs.
 * A push with a larger file (a release binary) surveys the destinations in one command, then one finishing command
 * gets every changed file's bytes, binaries too, on its stdin: {@code dd} writes each to
 * {@code .<name>.kubejoin-tmp} beside its destination (created 0600 unless its mode allows less), their sha256 are
 * checked, and only then are the backups kept and the temp files renamed, so a push cut short places nothing. No SFTP:
 * an exec channel's stdin needs no SFTP session and no status reply per 32 KiB write, on either end. As another
 * user the same command runs under {@code sudo} (stdin passes through), so root writes the temp files there too. A
 * destination is only ever replaced by rename(2).
 */
public final class SshTransport implements Transport {
    /** Internal commands (survey, mkdir, finish) are small; this bounds them on a hung node. */
    static final Duration INTERNAL_TIMEOUT = Duration.ofSeconds(60);
    /**
     * A push whose files are all up to this size is one command that compares on the node; a push with a larger one
     * (a release binary) surveys first, so an unchanged binary is not sent again.
     */
    public static final int INLINE_MAX = 1024 * 1024;

    private final SshConnector connector;
    private final SshTarget target;
    private ClientSession session;
    private boolean closed;
    /** The last mapped stdin's pacing (tests read it). */
    private volatile StdinPacing lastPacing;

    /** How a mapped file's stdin was paced: its in-flight limit (0: none), the most in flight, whether it was dropped. */
    record StdinPacing(long limit, long maxInFlight, boolean limitDropped) {
    }

    SshTransport(SshConnector connector, SshTarget target) {
        this.connector = connector;
        this.target = target;
    }

    @Override
    public String target() {
        return target.display();
    }

    public SshTarget sshTarget() {
        return target;
    }

    /** True while the SSH connection is up (keepalive closes it when the node stops answering). */
    public synchronized boolean isConnected() {
        return session != null && session.isOpen() && !session.isClosing();
    }

    synchronized ClientSession session() throws TransportException {
        if (closed) throw new IllegalStateException(target() + ": transport closed");
        if (session == null || !session.isOpen() || session.isClosing()) {
            dropSession();
            session = connector.connect(target);
        }
        return session;
    }

    private synchronized void dropSession() {
        if (session != null) {
            session.close(true);
            session = null;
        }
    }

    @Override
    public Optional<Negotiated> negotiated() {
        ClientSession s;
        synchronized (this) {
            s = session;
        }
        if (s == null) return Optional.empty();
        return Optional.of(new Negotiated(s.getNegotiatedKexParameter(KexProposalOption.ALGORITHMS),
                s.getNegotiatedKexParameter(KexProposalOption.SERVERKEYS),
                s.getNegotiatedKexParameter(KexProposalOption.C2SENC),
                s.getNegotiatedKexParameter(KexProposalOption.C2SMAC)));
    }

    /**
     * The command as root, always run by {@code sh} whatever the login shell is (kubejoin's scripts are POSIX sh):
     * {@code sh -c} for root, {@code sudo -n sh -c} otherwise (never prompts; fails instead).
     */
    String asRoot(String command) {
        return io.kubejoin.remote.script.Sh.asRoot(target.needsSudo(), command);
    }

    @Override
    public ExecResult exec(String command, Duration timeout) throws TransportException {
        return execAsRoot(command, List.of(), timeout);
    }

    /** sudo's password for this node once it proved right (null: root, or sudo -n); see {@link #sudoPassword}. */
    private byte[] sudoLine;
    private boolean sudoChecked;

    /** The command as root ({@link #asRoot}), or through sudo with the become password as stdin's first line. */
    ExecResult execAsRoot(String command, List<Stdin> input, Duration timeout) throws TransportException {
        byte[] line = sudoPassword();
        if (line == null) return execRaw(asRoot(command), input, timeout);
        List<Stdin> in = new ArrayList<>(input.size() + 1);
        in.add(bytes(line));
        in.addAll(input);
        return execRaw(io.kubejoin.remote.script.Sh.asRootWithPassword(command), in, timeout);
    }

    /**
     * For a non-root user with a become password configured: whether this node's sudo wants it, checked once. A node
     * with NOPASSWD keeps {@code sudo -n}; otherwise the password is tried once with {@code sudo -k -S true} and
     * nothing else on stdin, so a wrong one fails here, once, and never meets a file's bytes.
     */
    private synchronized byte[] sudoPassword() throws TransportException {
        if (!target.needsSudo() || connector.options().becomePassword() == null) return null;
        if (sudoChecked) return sudoLine;
        ExecResult free = execRaw("sudo -n true", List.of(), INTERNAL_TIMEOUT);
        if (free.ok()) {
            sudoChecked = true;
            return null;
        }
        String password = connector.options().becomePassword().get();
        if (password == null || password.isEmpty()) {
            sudoChecked = true;
            return null; // sudo -n then fails with sudo's own words and the NOPASSWD hint
        }
        byte[] line = (password + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ExecResult r = execRaw("sudo -k -S -p '' true", List.of(bytes(line)), INTERNAL_TIMEOUT);
        if (!r.ok()) {
            java.util.Arrays.fill(line, (byte) 0);
            String err = r.stderr();
            String why = err.contains("not in the sudoers") || err.contains("not allowed")
                    ? "sudo: user " + target.user() + " may not run commands as root here (" + err.strip() + ")"
                    : err.contains("incorrect password") || err.contains("Sorry, try again")
                            || err.contains("password attempt")
                            ? "sudo: incorrect password for user " + target.user() + " (the become password from "
                                    + "--ask-become-pass or " + SshOptions.BECOME_PASSWORD_ENV + "); it was tried once"
                            : "sudo with the become password failed: " + r.summary();
            throw new TransportException(TransportException.Kind.REMOTE_FAILURE, target(), why);
        }
        sudoChecked = true;
        sudoLine = line;
        return line;
    }

    /** Runs exactly {@code command} as the login user. */
    ExecResult execRaw(String command, Duration timeout) throws TransportException {
        return execRaw(command, List.of(), timeout);
    }

    /** A part of a command's stdin: bytes in the heap ({@link Heap}), or a mapped file's ({@link Mapped}). */
    sealed interface Stdin permits Heap, Mapped {
    }

    /** Bytes in the heap (configs, keys, the become password's line): through MINA's channel stream. */
    record Heap(byte[] bytes) implements Stdin {
    }

    /** A mapped file's bytes (a release binary): {@link #execRaw} writes its packets itself ({@link MappedStdinWriter}). */
    record Mapped(FileBytes file) implements Stdin {
    }

    static Stdin bytes(byte[] b) {
        return new Heap(b);
    }

    /** A file's bytes as a part of a command's stdin. */
    static Stdin stdinOf(RemoteFile f) {
        return f.file() != null ? new Mapped(f.file()) : bytes(f.content());
    }

    /** Runs exactly {@code command} as the login user, {@code input} (one part after the other) on its stdin. */
    ExecResult execRaw(String command, List<Stdin> input, Duration timeout) throws TransportException {
        ClientSession s = session();
        BoundedOutput out = new BoundedOutput(BoundedOutput.DEFAULT_LIMIT);
        BoundedOutput err = new BoundedOutput(BoundedOutput.DEFAULT_LIMIT);
        try (ChannelExec ch = s.createExecChannel(command)) {
            ch.setOut(out); // written from the I/O thread: no pump thread per command
            ch.setErr(err);
            ch.setChannelStreamWriterResolver(PacedStreamWriter.RESOLVER); // stdin: little queued in the heap
            ch.open().verify(timeout);
            MappedStdinWriter packets = null;
            try (OutputStream in = ch.getInvertedIn()) { // then EOF: a command that reads stdin ends, never hangs
                for (Stdin part : input) {
                    if (part instanceof Mapped m) {
                        in.flush(); // what the stream holds goes first, in order
                        if (packets == null) {
                            packets = new MappedStdinWriter(ch, MappedStdinWriter.inFlightLimit(s.getServerVersion(),
                                    ch.getRemoteWindow().getPacketSize()));
                        }
                        packets.write(m.file().bytes());
                    } else {
                        in.write(((Heap) part).bytes());
                    }
                }
            } catch (IOException e) {
                // the command ended without reading it all, or the connection dropped: its exit status (or the
                // lost session, below) tells which
            } finally {
                if (packets != null) lastPacing = new StdinPacing(packets.limit(), packets.maxInFlight(), packets.limitDropped());
            }
            Set<ClientChannelEvent> ev = ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), timeout);
            if (ev.contains(ClientChannelEvent.TIMEOUT)) {
                ch.close(true);
                throw new TransportException(TransportException.Kind.COMMAND_TIMEOUT, target(),
                        "command did not finish within " + timeout.toSeconds() + " s (it may still run on the node): "
                                + abbreviate(command));
            }
            Integer status = ch.getExitStatus();
            if (status == null) {
                if (!s.isOpen() || s.isClosing()) throw lost("while running " + abbreviate(command), null);
                String signal = ch.getExitSignal();
                return new ExecResult(-1, out.text(),
                        err.text() + (signal != null ? "[killed by signal " + signal + "]"
                                : "[no exit status]"));
            }
            return new ExecResult(status, out.text(), err.text());
        } catch (TransportException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            if (isTimeout(e)) {
                throw new TransportException(TransportException.Kind.COMMAND_TIMEOUT, target(),
                        "no answer within " + timeout.toSeconds() + " s opening a channel for " + abbreviate(command), e);
            }
            throw lost("while running " + abbreviate(command), e);
        }
    }

    /** The last mapped stdin's pacing on this node, or null before one. */
    StdinPacing lastPacing() {
        return lastPacing;
    }

    private static boolean isTimeout(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof java.util.concurrent.TimeoutException || c instanceof java.net.SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private TransportException lost(String what, Throwable cause) {
        dropSession();
        return new TransportException(TransportException.Kind.CONNECTION_LOST, target(),
                "connection lost " + what + (cause == null || cause.getMessage() == null ? "" : ": "
                        + cause.getMessage()), cause);
    }

    private static String abbreviate(String command) {
        String firstLine = command.lines().findFirst().orElse("");
        return firstLine.length() > 80 ? firstLine.substring(0, 80) + "…" : firstLine;
    }

    @Override
    public Map<String, String> sha256(Collection<String> paths) throws TransportException {
        if (paths.isEmpty()) return Map.of();
        paths.forEach(RemotePaths::requireAbsolute);
        ExecResult r = exec(io.kubejoin.remote.script.PushScripts.sha256(paths), INTERNAL_TIMEOUT);
        requireOk(r, "hashing files"); // the command itself always exits 0: a failure is sudo's or the shell's
        return RemotePaths.parseSha256(r.stdout(), Set.copyOf(paths));
    }

    @Override
    public Map<String, String> sha256(Collection<String> paths, Map<String, Long> sizeFirst) throws TransportException {
        if (sizeFirst.isEmpty()) return sha256(paths);
        paths.forEach(RemotePaths::requireAbsolute);
        sizeFirst.keySet().forEach(RemotePaths::requireAbsolute);
        ExecResult r = exec(io.kubejoin.remote.script.PushScripts.sha256SizeFirst(paths, sizeFirst), INTERNAL_TIMEOUT);
        requireOk(r, "hashing files"); // exits 0 by design: a failure is sudo's or the shell's
        Set<String> wanted = new java.util.HashSet<>(paths);
        wanted.addAll(sizeFirst.keySet());
        return RemotePaths.parseSha256SizeFirst(r.stdout(), wanted);
    }

    @Override
    public Optional<String> readText(String path) throws TransportException {
        RemotePaths.requireAbsolute(path);
        ExecResult r = exec(RemotePaths.readCommand(path), INTERNAL_TIMEOUT);
        return RemotePaths.parseRead(r, path, target());
    }

    @Override
    public PushResult push(List<RemoteFile> files) throws TransportException {
        if (files.isEmpty()) return new PushResult(List.of());
        RemotePaths.requireDistinct(files);
        if (files.stream().allMatch(f -> f.size() <= INLINE_MAX)) return pushInOneCommand(files);
        List<String> paths = files.stream().map(RemoteFile::path).toList();
        // one command as root: hashes, modes, owners, and the missing folders, created then and there
        Map<String, Long> sizeFirst = new java.util.LinkedHashMap<>();
        for (RemoteFile f : files) if (f.size() > INLINE_MAX) sizeFirst.put(f.path(), f.size());
        ExecResult survey = exec(RemotePaths.surveyCommand(paths, RemotePaths.parents(files), true, sizeFirst),
                INTERNAL_TIMEOUT);
        requireOk(survey, "surveying files"); // exits 0 by design: otherwise sudo or the shell failed
        RemotePaths.Survey s = RemotePaths.parseSurvey(survey.stdout(), paths);
        if (!s.failedDirs().isEmpty()) {
            throw new TransportException(TransportException.Kind.REMOTE_FAILURE, target(),
                    "creating folders " + s.failedDirs() + " failed: " + survey.summary());
        }
        PushPlan plan = PushPlan.of(files, s.files(), true);
        if (plan.write().isEmpty() && plan.fixModeOnly().isEmpty()) return plan.result(files, Set.of());

        // every changed file, binaries too, on the finishing command's stdin: no SFTP session, no per-write replies
        ExecResult fin = execAsRoot(RemotePaths.finishCommand(plan.write(), plan.write(), plan.fixModeOnly()),
                plan.write().stream().map(SshTransport::stdinOf).toList(), INTERNAL_TIMEOUT);
        requireOk(fin, "placing files");
        Set<String> backedUp = new HashSet<>();
        fin.stdout().lines().filter(l -> l.startsWith("B /")).forEach(l -> backedUp.add(l.substring(2)));
        return plan.result(files, backedUp);
    }

    /**
     * Small files only (configs, kubeconfigs, certificates, units): no survey, the node compares each file itself,
     * so the push is one command whatever changed; re-sending a few kilobytes that turn out unchanged costs less than
     * the round trips of asking first.
     */
    private PushResult pushInOneCommand(List<RemoteFile> files) throws TransportException {
        ExecResult r = execAsRoot(RemotePaths.inlinePushCommand(files),
                files.stream().map(SshTransport::stdinOf).toList(), INTERNAL_TIMEOUT);
        requireOk(r, "placing files");
        Set<String> changed = new HashSet<>();
        Set<String> same = new HashSet<>();
        Set<String> backedUp = new HashSet<>();
        for (String l : r.stdout().split("\n")) {
            if (l.startsWith("C /")) changed.add(l.substring(2));
            else if (l.startsWith("U /")) same.add(l.substring(2));
            else if (l.startsWith("B /")) backedUp.add(l.substring(2));
        }
        List<PushResult.FileOutcome> out = new ArrayList<>();
        for (RemoteFile f : files) {
            if (!changed.contains(f.path()) && !same.contains(f.path())) {
                throw new TransportException(TransportException.Kind.REMOTE_FAILURE, target(),
                        "placing files: no answer about " + f.path() + " in: " + r.summary());
            }
            out.add(new PushResult.FileOutcome(f.path(), changed.contains(f.path())
                    ? PushResult.Status.CHANGED : PushResult.Status.UNCHANGED, backedUp.contains(f.path())));
        }
        return new PushResult(out);
    }

    private void requireOk(ExecResult r, String what) throws TransportException {
        if (r.ok()) return;
        String hint = r.stderr().contains("sudo") && r.stderr().contains("password")
                ? " (user " + target.user() + " needs passwordless sudo: NOPASSWD in sudoers; or give its password "
                        + "with --ask-become-pass or " + SshOptions.BECOME_PASSWORD_ENV + ")" : "";
        throw new TransportException(TransportException.Kind.REMOTE_FAILURE, target(),
                what + " failed: " + r.summary() + hint);
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        dropSession();
    }
}
