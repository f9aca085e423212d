package dev.tieredjpa.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * A GitHub-flavoured markdown table, built a row at a time. Figures are right-aligned (a column is
 * a figure column when its header says so), so that digits line up in the rendered report.
 */
final class MarkdownTable {

    private final List<String> headers;
    private final boolean[] right;
    private final List<List<String>> rows = new ArrayList<>();

    /** {@code headers} starting with {@code >} are right-aligned; the mark is not shown. */
    MarkdownTable(String... headers) {
        this.headers = new ArrayList<>();
        this.right = new boolean[headers.length];
        for (int i = 0; i < headers.length; i++) {
            right[i] = headers[i].startsWith(">");
            this.headers.add(right[i] ? headers[i].substring(1) : headers[i]);
        }
    }

    MarkdownTable row(String... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException("expected " + headers.size() + " cells, got " + cells.length);
        }
        rows.add(List.of(cells));
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    String render() {
        StringBuilder out = new StringBuilder();
        line(out, headers);
        List<String> rule = new ArrayList<>();
        for (boolean r : right) {
            rule.add(r ? "---:" : "---");
        }
        line(out, rule);
        rows.forEach(row -> line(out, row));
        return out.toString();
    }

    private static void line(StringBuilder out, List<String> cells) {
        out.append('|');
        cells.forEach(c -> out.append(' ').append(c.replace("|", "\\|").replace("\n", " ")).append(" |"));
        out.append('\n');
    }
}
