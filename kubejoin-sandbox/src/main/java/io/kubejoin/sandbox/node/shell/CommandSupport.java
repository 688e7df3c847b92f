package io.kubejoin.sandbox.node.shell;

import io.kubejoin.sandbox.node.NodeRoot;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static io.kubejoin.sandbox.node.shell.ShellError.unsupportedOption;

/**
 * What {@link FileCommands} and {@link TextCommands} share: the node's folder, GNU-style options, node paths (absolute,
 * never leaving the root) and file modes.
 */
abstract class CommandSupport {
    static final Pattern OCTAL = Pattern.compile("[0-7]{1,4}");

    final NodeRoot root;

    CommandSupport(NodeRoot root) {
        this.root = root;
    }

    /**
     * @param values each option's last value (GNU's rule for most options)
     * @param given  every value of every option, in order, for options that repeat (grep's {@code -e})
     */
    record Opts(Set<Character> flags, Map<Character, String> values, List<Map.Entry<Character, String>> given,
                List<String> operands) {
        List<String> all(char option) {
            return given.stream().filter(e -> e.getKey() == option).map(Map.Entry::getValue).toList();
        }
    }

    /** GNU-style options (permuted, "--" ends them); anything not listed fails loudly. */
    static Opts opts(String cmd, List<String> args, String flagChars, String valueChars) {
        Set<Character> flags = new java.util.HashSet<>();
        Map<Character, String> values = new LinkedHashMap<>();
        List<Map.Entry<Character, String>> given = new ArrayList<>();
        List<String> operands = new ArrayList<>();
        boolean done = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!done && a.equals("--")) {
                done = true;
            } else if (!done && a.startsWith("-") && a.length() > 1) {
                if (a.startsWith("--")) throw unsupportedOption(cmd, a);
                for (int j = 1; j < a.length(); j++) {
                    char c = a.charAt(j);
                    if (flagChars.indexOf(c) >= 0) {
                        flags.add(c);
                    } else if (valueChars.indexOf(c) >= 0) {
                        String v;
                        if (j + 1 < a.length()) v = a.substring(j + 1);
                        else if (i + 1 < args.size()) v = args.get(++i);
                        else throw unsupportedOption(cmd, "-" + c + " without a value");
                        values.put(c, v);
                        given.add(Map.entry(c, v));
                        break;
                    } else {
                        throw unsupportedOption(cmd, "-" + c);
                    }
                }
            } else {
                operands.add(a);
            }
        }
        return new Opts(flags, values, given, operands);
    }

    /** The local file for an absolute node path given to {@code cmd}. */
    Path local(String cmd, String nodePath) {
        if (!nodePath.startsWith("/")) {
            throw new ShellError(2, "sandbox node: " + cmd + ": only absolute paths are supported: " + nodePath);
        }
        try {
            return root.local(nodePath);
        } catch (IllegalArgumentException e) {
            throw new ShellError(2, "sandbox node: " + cmd + ": path escapes the node's root: " + nodePath);
        }
    }

    static String nodeName(String nodePath) {
        String p = nodePath.endsWith("/") && nodePath.length() > 1 ? nodePath.substring(0, nodePath.length() - 1) : nodePath;
        return p.substring(p.lastIndexOf('/') + 1);
    }

    /** The destination of mv/ln/cp/install: into {@code dst} when it is a folder. */
    String destination(String cmd, String src, String dst) {
        return Files.isDirectory(local(cmd, dst)) ? (dst.endsWith("/") ? dst : dst + "/") + nodeName(src) : dst;
    }

    /** The error text as coreutils prints it (strerror). */
    static String reason(FileSystemException e) {
        if (e instanceof NoSuchFileException) return "No such file or directory";
        if (e instanceof java.nio.file.AccessDeniedException) return "Permission denied";
        if (e instanceof FileAlreadyExistsException) return "File exists";
        return e.getReason() != null ? e.getReason() : e.toString();
    }

    static int mode(Path p, LinkOption... options) throws IOException {
        try {
            return (Integer) Files.getAttribute(p, "unix:mode", options) & 07777;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            int m = 0;
            for (PosixFilePermission perm : Files.getPosixFilePermissions(p, options)) m |= 0400 >> perm.ordinal();
            return m;
        }
    }

    static void setMode(Path p, int mode) throws IOException {
        try {
            Files.setAttribute(p, "unix:mode", mode & 07777);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            Files.setPosixFilePermissions(p, permissions(mode));
        }
    }

    /** The rwx bits of {@code mode} as permissions. */
    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission perm : PosixFilePermission.values()) {
            if ((mode & (0400 >> perm.ordinal())) != 0) perms.add(perm);
        }
        return perms;
    }

    /** This JVM's own umask (Linux: /proc/self/status), -1 when unknown: the kernel takes it off a mode at create. */
    private static final int PROCESS_UMASK = processUmask();

    private static int processUmask() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Umask:")) return Integer.parseInt(line.substring("Umask:".length()).strip(), 8);
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an old kernel: every create is followed by a chmod
        }
        return -1;
    }

    /**
     * Whether a file or folder created with the rwx {@code mode} gets exactly it (this process's umask takes nothing
     * off), so no chmod needs to follow the create: a real mkdir or dd makes it in the one system call too.
     */
    static boolean createsExactly(int mode) {
        return PROCESS_UMASK >= 0 && (mode & ~0777) == 0 && (mode & PROCESS_UMASK) == 0;
    }

    static int octalMode(String cmd, String mode) {
        if (!OCTAL.matcher(mode).matches()) throw unsupportedOption(cmd, "mode " + mode + " (only octal modes)");
        return Integer.parseInt(mode, 8);
    }
}
