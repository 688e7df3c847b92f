package io.kubejoin.pki;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/** Reads user files (turning I/O failures into problems) and writes PEM text. */
final class PemFiles {
    private PemFiles() {
    }

    /** The file as text; a missing or unreadable file becomes a problem naming {@code field}. */
    static String readText(Path file, String field) {
        if (file == null) {
            throw PkiProblems.invalid(null, field, "no file given", "set " + field + " to the file's path");
        }
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1); // PEM is ASCII; never fails to decode
        } catch (NoSuchFileException e) {
            throw PkiProblems.invalid(file, field, "file not found", "check the path in " + field);
        } catch (AccessDeniedException e) {
            throw PkiProblems.invalid(file, field, "permission denied reading the file",
                    "run kubejoin as a user that can read it");
        } catch (IOException e) {
            if (Files.isDirectory(file)) {
                throw PkiProblems.invalid(file, field, "is a directory, not a file", "point " + field + " at the file");
            }
            throw PkiProblems.invalid(file, field, "cannot read the file: " + e.getMessage(), "check the path in " + field);
        }
    }

    /** Every PEM block in {@code text}, in order; text around the blocks is ignored, as openssl does. */
    static List<PemObject> blocks(String text) {
        List<PemObject> out = new ArrayList<>();
        try (PemReader reader = new PemReader(new StringReader(text))) {
            PemObject o;
            while ((o = reader.readPemObject()) != null) {
                out.add(o);
            }
        } catch (IOException | RuntimeException e) {
            return null; // a damaged block: callers report "not valid PEM"
        }
        return out;
    }

    static String encode(String type, byte[] der) {
        StringWriter sw = new StringWriter();
        try (PemWriter w = new PemWriter(sw)) {
            w.writeObject(new PemObject(type, der));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen writing to a StringWriter
        }
        return sw.toString();
    }
}
