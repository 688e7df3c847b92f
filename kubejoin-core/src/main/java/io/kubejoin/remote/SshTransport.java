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
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.apache.sshd.sftp.client.impl.AbstractSftpClient;
import org.apache.sshd.sftp.client.impl.SftpOutputStreamAsync;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;

/**
 * {@link Transport} over one SSH connection (MINA SSHD). The connection is opened by {@link SshConnector#open} and
 * reopened by the next call after it drops, host key checked again each time.
 *
 * <p>A push of small files (up to {@value #INLINE_MAX} bytes each: configs, kubeconfigs, certificates, units) is one
 * command with their bytes on its stdin; the node compares each with what it has and replaces only what differs.
 * A push with a larger file surveys the destinations in one command, then one finishing command writes, keeps the
 * backups and renames, its small files again on stdin. On stdin, {@code dd} writes each
 * to {@code .<name>.kubejoin-tmp} beside its destination (created 0600) and its sha256 is checked before anything is
 * renamed, so a push cut short places nothing. Larger files (release binaries) go over SFTP first: as root straight
 * to the temp name (0600, final mode set before the rename); as another user to a private staging folder, from
 * which the finishing {@code sudo -n sh -c} {@code install}s them as root. Either way a destination is only ever
 * replaced by rename(2).
 */
public final class SshTransport implements Transport {
    /** Internal commands (survey, mkdir, finish) are small; this bounds them on a hung node. */
    static final Duration INTERNAL_TIMEOUT = Duration.ofSeconds(60);
    /**
     * 0: MINA sizes each SFTP write to fill exactly one SSH packet of the channel (32 KiB for OpenSSH) and writes the
     * file's bytes straight into that packet, encrypted in place. A fixed 32 KiB buffer plus the SFTP header overflows
     * the packet, so every write was copied again into the channel's packets and split over two of them.
     */
    static final int SFTP_BUFFER = 0;
    /**
     * Files up to this size travel on the finishing command's stdin rather than in SFTP exchanges of their own (open,
     * writes, close: three round trips per file); larger ones (release binaries) keep SFTP's pipelined writes.
     */
    public static final int INLINE_MAX = 1024 * 1024;

    private final SshConnector connector;
    private final SshTarget target;
    private ClientSession session;
    private SftpClient sftp;
    private boolean closed;

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
        if (sftp != null) {
            try {
                sftp.close();
            } catch (IOException ignored) {
                // the connection is gone or going anyway
            }
            sftp = null;
        }
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
    ExecResult execAsRoot(String command, List<byte[]> input, Duration timeout) throws TransportException {
        byte[] line = sudoPassword();
        if (line == null) return execRaw(asRoot(command), input, timeout);
        List<byte[]> in = new ArrayList<>(input.size() + 1);
        in.add(line);
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
        ExecResult r = execRaw("sudo -k -S -p '' true", List.of(line), INTERNAL_TIMEOUT);
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

    /** Runs exactly {@code command} as the login user, {@code input} (one chunk after the other) on its stdin. */
    ExecResult execRaw(String command, List<byte[]> input, Duration timeout) throws TransportException {
        ClientSession s = session();
        BoundedOutput out = new BoundedOutput(BoundedOutput.DEFAULT_LIMIT);
        BoundedOutput err = new BoundedOutput(BoundedOutput.DEFAULT_LIMIT);
        try (ChannelExec ch = s.createExecChannel(command)) {
            ch.setOut(out); // written from the I/O thread: no pump thread per command
            ch.setErr(err);
            ch.open().verify(timeout);
            try (OutputStream in = ch.getInvertedIn()) { // then EOF: a command that reads stdin ends, never hangs
                for (byte[] chunk : input) in.write(chunk);
            } catch (IOException e) {
                // the command ended without reading it all, or the connection dropped: its exit status (or the
                // lost session, below) tells which
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
        if (files.stream().allMatch(f -> f.content().length <= INLINE_MAX)) return pushInOneCommand(files);
        List<String> paths = files.stream().map(RemoteFile::path).toList();
        boolean direct = !target.needsSudo();
        // one command: hashes, modes, owners (and, for SFTP as root, the missing folders, created then and there)
        ExecResult survey = exec(RemotePaths.surveyCommand(paths, direct ? RemotePaths.parents(files) : List.of(), true),
                INTERNAL_TIMEOUT);
        requireOk(survey, "surveying files"); // exits 0 by design: otherwise sudo or the shell failed
        RemotePaths.Survey s = RemotePaths.parseSurvey(survey.stdout(), paths);
        if (!s.failedDirs().isEmpty()) {
            throw new TransportException(TransportException.Kind.REMOTE_FAILURE, target(),
                    "creating folders " + s.failedDirs() + " failed: " + survey.summary());
        }
        PushPlan plan = PushPlan.of(files, s.files(), true);
        if (plan.write().isEmpty() && plan.fixModeOnly().isEmpty()) return plan.result(files, Set.of());

        // small files ride on the finishing command's stdin: no SFTP open/write/close round trips per file
        List<RemoteFile> inline = new ArrayList<>();
        List<RemoteFile> viaSftp = new ArrayList<>();
        for (RemoteFile f : plan.write()) (f.content().length <= INLINE_MAX ? inline : viaSftp).add(f);
        List<String> staged = direct ? null : new ArrayList<>();
        if (!viaSftp.isEmpty()) {
            if (direct) {
                for (RemoteFile f : viaSftp) upload(RemotePaths.tmp(f.path()), f, true);
            } else {
                String dir = stagingDir();
                for (int i = 0; i < viaSftp.size(); i++) {
                    RemoteFile f = viaSftp.get(i);
                    String path = dir + "/" + i + "-" + RemotePaths.name(f.path());
                    upload(path, f, false);
                    staged.add(path);
                }
            }
        }
        ExecResult fin = execAsRoot(RemotePaths.finishCommand(plan.write(), inline, staged, plan.fixModeOnly()),
                inline.stream().map(RemoteFile::content).toList(), INTERNAL_TIMEOUT);
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
                files.stream().map(RemoteFile::content).toList(), INTERNAL_TIMEOUT);
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

    private synchronized SftpClient sftp() throws TransportException {
        ClientSession s = session();
        if (sftp == null || !sftp.isOpen()) {
            try {
                sftp = SftpClientFactory.instance().createSftpClient(s);
            } catch (IOException e) {
                throw lost("opening SFTP", e);
            }
        }
        return sftp;
    }

    private String stagingDir() throws TransportException {
        SftpClient c = sftp();
        try {
            String dir = target.stagingDir() != null ? target.stagingDir() : c.canonicalPath(".") + "/.kubejoin-staging";
            try {
                c.mkdir(dir);
            } catch (SftpException e) {
                if (e.getStatus() != SftpConstants.SSH_FX_FILE_ALREADY_EXISTS && e.getStatus() != SftpConstants.SSH_FX_FAILURE) {
                    throw e;
                }
            }
            // private: staged copies of keys wait here until sudo install moves them
            c.setStat(dir, new SftpClient.Attributes().perms(0700));
            return dir;
        } catch (SftpException e) {
            throw new TransportException(TransportException.Kind.REMOTE_FAILURE, target(),
                    "cannot prepare staging folder: " + e.getMessage(), e);
        } catch (IOException e) {
            throw lost("preparing the staging folder", e);
        }
    }

    /**
     * Writes one file over SFTP: open, pipelined writes, close (three round trips plus one for a secret). A file
     * that others may not read is made 0600 before its first byte (an old temp file keeps its old mode and the
     * server's umask is unknown); the final mode is set by the finishing command, before the rename. Staged files
     * (sudo mode) sit in a 0700 folder and need no extra step.
     */
    private void upload(String path, RemoteFile f, boolean inPlace) throws TransportException {
        SftpClient c = sftp();
        try {
            SftpClient.CloseableHandle h = c.open(path, EnumSet.of(SftpClient.OpenMode.Write,
                    SftpClient.OpenMode.Create, SftpClient.OpenMode.Truncate));
            if (inPlace && (f.mode() & 0004) == 0) {
                try {
                    c.setStat(h, new SftpClient.Attributes().perms(0600));
                } catch (IOException e) {
                    h.close();
                    throw e;
                }
            }
            // pipelined writes: a large binary does not pay one round trip per 32 KiB
            try (SftpOutputStreamAsync out = new SftpOutputStreamAsync((AbstractSftpClient) c, SFTP_BUFFER, path, h,
                    true)) {
                out.write(f.content());
            }
        } catch (SftpException e) {
            throw new TransportException(TransportException.Kind.REMOTE_FAILURE, target(),
                    "cannot write " + path + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw lost("while uploading " + f.path(), e);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        dropSession();
    }
}
