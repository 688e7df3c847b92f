package io.kubejoin.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A table sized to its content, as kubectl prints them: each column as wide as its widest cell (a 63-character node
 * name pushes the next column instead of shifting it), three spaces between columns, no trailing blanks. A cell may
 * carry an ANSI colour: only its visible characters count for the width.
 */
public final class Table {
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    public Table(String... header) {
        columns = header.length;
        rows.add(header);
    }

    public Table row(Object... cells) {
        if (cells.length != columns) throw new IllegalArgumentException(cells.length + " cells for " + columns + " columns");
        String[] r = new String[columns];
        for (int i = 0; i < columns; i++) r[i] = cells[i] == null ? "" : String.valueOf(cells[i]);
        rows.add(r);
        return this;
    }

    /** The table, every line ending with a newline. */
    @Override
    public String toString() {
        int[] width = new int[columns];
        for (String[] r : rows) for (int i = 0; i < columns; i++) width[i] = Math.max(width[i], visible(r[i]));
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(r[i]);
                if (i < columns - 1) line.append(" ".repeat(width[i] - visible(r[i]) + 3));
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    /** Length without ANSI escape sequences. */
    static int visible(String s) {
        return s.replaceAll("\033\\[[0-9;]*m", "").length();
    }
}
