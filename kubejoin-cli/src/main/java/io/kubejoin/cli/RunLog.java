package io.kubejoin.cli;

import io.kubejoin.util.SecureFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The log file of one run ({@code --log-file}, default {@code logs/kubejoin.log} in the state folder): every line the
 * command prints on standard output and standard error, and kubejoin's debug lines, each with a UTC time and its
 * stream. 0600, a link refused; rotated by size (kubejoin.log → kubejoin.log.1 → … → .{@value #KEEP}, the oldest
 * dropped). Every line passes {@link #redact} first: a bootstrap token's secret or a private key never reaches the
 * file even if a bug printed one.
 */
final class RunLog implements AutoCloseable {
    static final long MAX_BYTES = 5L * 1024 * 1024;
    static final int KEEP = 5;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final Path file;
    private final long maxBytes;
    private final int keep;
    private final Clock clock;
    private OutputStream out;
    private long size;
    /** Per stream: inside a PEM private key block, whose lines are all dropped. */
    private final java.util.Map<String, Boolean> inKey = new java.util.HashMap<>();

    private RunLog(Path file, long maxBytes, int keep, Clock clock) {
        this.file = file;
        this.maxBytes = maxBytes;
        this.keep = keep;
        this.clock = clock;
    }

    static RunLog open(Path file, long maxBytes, int keep, Clock clock) throws IOException {
        RunLog log = new RunLog(file.toAbsolutePath(), maxBytes, keep, clock);
        Path dir = log.file.getParent();
        if (!Files.isDirectory(dir)) SecureFiles.createPrivateDirectory(dir, 0700);
        if (Files.isSymbolicLink(log.file)) {
            throw new IOException(log.file + " is a symbolic link: remove it, kubejoin writes its log only to a file");
        }
        if (Files.exists(log.file) && Files.size(log.file) >= maxBytes) log.rotate();
        log.openFile();
        return log;
    }

    private void openFile() throws IOException {
        try {
            out = Files.newOutputStream(file, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS).toArray(new java.nio.file.OpenOption[0]));
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (FileAlreadyExistsException exists) {
            out = Files.newOutputStream(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS);
        }
        // whatever made the file before (an older kubejoin, the user): it holds what the run printed, 0600
        if (SecureFiles.modeNoFollow(file) != 0600) Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        size = Files.size(file);
    }

    private void rotate() throws IOException {
        if (out != null) out.close();
        Files.deleteIfExists(numbered(keep));
        for (int i = keep - 1; i >= 1; i--) {
            if (Files.exists(numbered(i), LinkOption.NOFOLLOW_LINKS)) {
                Files.move(numbered(i), numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) Files.move(file, numbered(1), StandardCopyOption.REPLACE_EXISTING);
    }

    Path numbered(int i) {
        return file.resolveSibling(file.getFileName() + "." + i);
    }

    Path file() {
        return file;
    }

    /** One line of {@code stream} (out, err, log), redacted, timestamped; rotates the file when it is full. */
    synchronized void line(String stream, String text) {
        buffer(stream, text);
        flushFile();
    }

    /**
     * As {@link #line}, left in {@link #buffered} until {@link #flushFile}: the lines of one write to the console (a join's
     * JSON, ~100 lines a node) reach the file in one system call, not one each.
     */
    private void buffer(String stream, String text) {
        if (out == null) return;
        if (text.indexOf('\033') >= 0) text = ANSI.matcher(text).replaceAll("");
        String clean = redactLine(stream, text.indexOf('\r') >= 0 ? text.replace("\r", "") : text);
        if (clean == null) return;
        byte[] bytes = (TIME.format(clock.instant()) + " " + stream + " " + clean + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            if (size > 0 && size + bytes.length > maxBytes) {
                flushFile();
                if (out == null) return;
                rotate();
                openFile();
            }
            buffered.write(bytes);
            size += bytes.length;
        } catch (IOException e) {
            closeQuietly(); // a full disk ends the log, not the run
        }
    }

    /** Writes what {@link #buffer} left in it. */
    private void flushFile() {
        if (buffered.size() == 0) return;
        try {
            if (out != null) buffered.writeTo(out);
        } catch (IOException e) {
            closeQuietly(); // a full disk ends the log, not the run
        } finally {
            buffered.reset();
        }
    }

    /** Lines formatted and not yet written (guarded by this). */
    private final java.io.ByteArrayOutputStream buffered = new java.io.ByteArrayOutputStream();
    /** A terminal's colour and cursor sequences: the file keeps the text. */
    private static final Pattern ANSI = Pattern.compile("\033\\[[0-9;]*[A-Za-z]");

    /** The line as it may be written, or null to drop it (inside a private key). */
    private String redactLine(String stream, String line) {
        boolean inside = inKey.getOrDefault(stream, false);
        // the regular expressions only where a line holds their fixed part: most lines hold none (~40 us a line)
        if (line.contains("PRIVATE KEY-----") && PEM_KEY_BEGIN.matcher(line).find()) {
            inKey.put(stream, !PEM_KEY_END.matcher(line).find());
            return "[private key redacted]";
        }
        if (inside) {
            if (PEM_KEY_END.matcher(line).find()) inKey.put(stream, false);
            return null;
        }
        return redact(line);
    }

    private static final Pattern PEM_KEY_BEGIN = Pattern.compile("-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----");
    private static final Pattern PEM_KEY_END = Pattern.compile("-----END [A-Z0-9 ]*PRIVATE KEY-----");
    /** A bootstrap token, {@code [a-z0-9]{6}.[a-z0-9]{16}}: the id stays (it names the Secret), the secret goes. */
    private static final Pattern TOKEN = Pattern.compile("\\b([a-z0-9]{6})\\.[a-z0-9]{16}\\b");
    /** Secret-bearing fields of kubeconfigs, bootstrap token Secrets and kubejoin's state. */
    private static final Pattern SECRET_FIELD = Pattern.compile(
            "(\"?(?:client-key-data|token-secret|password|secret)\"?\\s*[:=]\\s*\"?)([^\\s\",]+)");

    /** A line with every secret it might carry replaced. */
    static String redact(String line) {
        String s = mayHoldToken(line) ? TOKEN.matcher(line).replaceAll("$1.<redacted>") : line;
        if (!s.contains("secret") && !s.contains("password") && !s.contains("client-key-data")) return s;
        Matcher m = SECRET_FIELD.matcher(s);
        return m.replaceAll(r -> Matcher.quoteReplacement(r.group(1)) + "<redacted>");
    }

    /** A '.' with six [a-z0-9] before it and sixteen after: where {@link #TOKEN} can match, and only there. */
    static boolean mayHoldToken(String line) {
        for (int dot = line.indexOf('.', 6); dot >= 0 && dot + 16 < line.length(); dot = line.indexOf('.', dot + 1)) {
            if (tokenChars(line, dot - 6, dot) && tokenChars(line, dot + 1, dot + 17)) return true;
        }
        return false;
    }

    private static boolean tokenChars(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9')) return false;
        }
        return true;
    }

    /** A writer that passes everything to {@code console} and each complete line to the log. */
    Writer tee(Writer console, String stream) {
        return new Writer() {
            private final StringBuilder pending = new StringBuilder();

            @Override
            public void write(char[] c, int off, int len) throws IOException {
                console.write(c, off, len);
                synchronized (pending) {
                    synchronized (RunLog.this) {
                        for (int i = off; i < off + len; i++) {
                            if (c[i] == '\n') {
                                buffer(stream, pending.toString());
                                pending.setLength(0);
                            } else {
                                pending.append(c[i]);
                            }
                        }
                        flushFile();
                    }
                }
            }

            @Override
            public void flush() throws IOException {
                console.flush();
            }

            @Override
            public void close() throws IOException {
                synchronized (pending) {
                    if (pending.length() > 0) line(stream, pending.toString());
                    pending.setLength(0);
                }
                console.flush();
            }
        };
    }

    /**
     * Standard error as slf4j-simple sees it (it looks System.err up at every line): every line goes to the run's log
     * while a run has one, a DEBUG or TRACE line to the console only while the run is verbose. kubejoin's loggers are
     * at debug level whenever a log file may be written, and a logger keeps its level once made: installed once and
     * left in place (switched per run by {@link #route}), it keeps their debug lines off the console between runs
     * too (a test JVM runs many commands).
     */
    static final class Router extends PrintStream {
        private volatile RunLog log;
        private volatile boolean verbose;

        private Router(PrintStream console) {
            super(new Lines(console), false, StandardCharsets.UTF_8);
            ((Lines) out).router = this;
        }

        /** The router in System.err (installed around the current one when missing), set for this run. */
        static Router route(RunLog log, boolean verbose) {
            Router r;
            synchronized (Router.class) {
                if (System.err instanceof Router installed) {
                    r = installed;
                } else {
                    r = new Router(System.err);
                    System.setErr(r);
                }
            }
            r.log = log;
            r.verbose = verbose;
            return r;
        }

        /** Back to no log and not verbose, the state between runs. */
        void reset() {
            flush();
            log = null;
            verbose = false;
        }
    }

    private static final class Lines extends OutputStream {
        private final PrintStream console;
        private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
        Router router;

        Lines(PrintStream console) {
            this.console = console;
        }

        @Override
        public synchronized void write(int b) {
            if (b != '\n') {
                pending.write(b);
                return;
            }
            String text = pending.toString(StandardCharsets.UTF_8);
            pending.reset();
            RunLog log = router.log;
            if (log != null) log.line("log", text);
            if (router.verbose || !DEBUG_LINE.matcher(text).find()) console.println(text);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) write(b[i]);
        }

        @Override
        public void flush() {
            console.flush();
        }
    }

    /** slf4j-simple's line: an optional time, an optional thread name (brackets inside, no blanks), then the level. */
    static final Pattern DEBUG_LINE = Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3} )?(\\[\\S*] )?(DEBUG|TRACE) ");

    private void closeQuietly() {
        try {
            if (out != null) out.close();
        } catch (IOException ignored) {
            // the log is best effort
        }
        out = null;
    }

    @Override
    public synchronized void close() {
        flushFile();
        closeQuietly();
    }
}
