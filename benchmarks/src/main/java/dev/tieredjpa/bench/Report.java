package dev.tieredjpa.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The run as markdown: a table per section of {@code results.json} (in the order a reader wants them,
 * whatever order the run wrote them in), then the targets, met or missed with their figures.
 */
public final class Report {

    /** The known sections, each with a line saying how to read its ratio column. */
    private static final Map<String, Section> SECTIONS = new LinkedHashMap<>();

    static {
        SECTIONS.put("find", new Section("one entity read through Hibernate. Ratio: our mean time ÷ this one's, against our tier"
                + " doing the same job (a hit in the JVM vs our L1 hit, a hit in Redis vs our L2 hit, a miss vs our miss); below 1, ours is faster.",
                ReportTables::find));
        SECTIONS.put("direct", new Section("one get from the cache or the Redis client alone, no Hibernate. Ratio: our mean ÷ this one's;"
                + " below 1, ours is faster.", ReportTables::direct));
        SECTIONS.put("roundTrips", new Section("Redis commands sent per operation, counted at a proxy in front of Redis (the"
                + " background commands of an idle second are shown apart, and left out of the other rows).", ReportTables::roundTrips));
        SECTIONS.put("workload", new Section("reads and updates from two nodes. Ratio: our ops/s ÷ this one's for the same db, keys, mix,"
                + " threads and entities; above 1, ours is faster. Stale reads and statements are as measured.", ReportTables::workload));
        SECTIONS.put("stampede", new Section("readers missing the same key at once: how many of them loaded it from the database.",
                ReportTables::stampede));
        SECTIONS.put("writeBehind", new Section("updates accepted per second by policy. Ratio: this policy's accepted/s ÷ write-through's"
                + " for the same keys.", ReportTables::writeBehind));
        SECTIONS.put("propagation", new Section("time from a commit on one node until the other no longer serves the old value.",
                ReportTables::propagation));
        SECTIONS.put("scale", new Section("ours as the data and the threads grow. Ratio: the value ÷ the same measure's smallest run.",
                ReportTables::scale));
    }

    private record Section(String about, Function<List<Row>, MarkdownTable> table) {
    }

    private Report() {
    }

    public static String markdown(Results results) {
        StringBuilder out = new StringBuilder("# Benchmark results\n\n");
        Map<String, Object> meta = results.meta();
        if (!meta.isEmpty()) {
            MarkdownTable table = new MarkdownTable("run", "");
            new TreeMap<>(meta).forEach((k, v) -> table.row(k, String.valueOf(v)));
            out.append(table.render()).append('\n');
        }
        SECTIONS.forEach((name, section) -> {
            List<Row> rows = Row.of(results, name);
            if (!rows.isEmpty()) {
                out.append("## ").append(name).append("\n\n").append(section.about()).append("\n\n")
                        .append(section.table().apply(rows).render()).append('\n');
            }
        });
        out.append("## Targets\n\n").append("The issue's targets, reported as met or missed (a run never fails on them).\n\n")
                .append(Targets.table(Targets.check(results)).render());
        return out.toString();
    }
}
