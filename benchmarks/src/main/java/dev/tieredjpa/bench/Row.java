package dev.tieredjpa.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One row of {@code results.json} read back for the charts and the report. The JSON reader hands back
 * Integer, Long or Double (or a string when a runner wrote one), and a column may be missing; this reads
 * them all the same way so that no chart or table has to care.
 */
record Row(Map<String, Object> values) {

    static List<Row> of(Results results, String section) {
        return results.rows(section).stream().map(Row::new).toList();
    }

    /** The column as text, {@code ""} when absent. */
    String text(String column) {
        Object value = values.get(column);
        return value == null ? "" : String.valueOf(value);
    }

    /** The column as a number, NaN when absent or not a number. */
    double num(String column) {
        Object value = values.get(column);
        if (value instanceof Number number) {
            return number.doubleValue();
        }
        if (value instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    boolean is(String column, String expected) {
        return Objects.equals(text(column), expected);
    }

    /**
     * Whether a flag column says yes. The runner may write a boolean or a word; anything but
     * {@code false}, {@code off}, {@code no}, {@code none}, {@code without} or empty counts as yes.
     */
    boolean flag(String column) {
        String s = text(column).trim().toLowerCase(Locale.ROOT);
        return !(s.isEmpty() || s.equals("false") || s.equals("off") || s.equals("no") || s.equals("none")
                || s.equals("without") || s.equals("0"));
    }

    /** The peer column shown as its {@link Peer#label()}; a name that is not a peer (direct rows) as written. */
    String peerLabel() {
        return Labels.peer(text("peer"));
    }
}
