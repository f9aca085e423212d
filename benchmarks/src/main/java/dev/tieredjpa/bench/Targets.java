package dev.tieredjpa.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.DoublePredicate;

/**
 * The targets checked against a run's figures. A missed target is reported, never thrown: the
 * run is a measurement, and the report should say how far off it is, with the figures that decided.
 * A target whose rows the run did not write is "not measured".
 */
final class Targets {

    enum Verdict {
        MET("met"), MISSED("**missed**"), NOT_MEASURED("not measured");

        final String text;

        Verdict(String text) {
            this.text = text;
        }
    }

    record Check(String target, String figures, Verdict verdict) {
    }

    private static final String OURS = Peer.TIERED.name();

    private final Results results;
    private final List<Check> checks = new ArrayList<>();

    private Targets(Results results) {
        this.results = results;
    }

    static List<Check> check(Results results) {
        Targets targets = new Targets(results);
        targets.find();
        targets.direct();
        targets.workload();
        targets.stampede();
        targets.writeBehind();
        targets.propagation();
        return List.copyOf(targets.checks);
    }

    static MarkdownTable table(List<Check> checks) {
        MarkdownTable table = new MarkdownTable("target", "figures", "result");
        checks.forEach(c -> table.row(c.target(), c.figures(), c.verdict().text));
        return table;
    }

    /** Hits through Hibernate, on H2 when the run has it (the database plays no part in a hit). */
    private void find() {
        List<Row> find = Row.of(results, "find");
        String db = find.stream().anyMatch(r -> r.is("db", "H2")) ? "H2"
                : find.stream().map(r -> r.text("db")).findFirst().orElse("H2");
        Optional<Row> l1 = first(find, OURS, db, "L1 hit");
        Optional<Row> l2 = first(find, OURS, db, "L2 hit");
        String where = " (find, " + Labels.db(db) + ")";
        timeRatio("L1 hit ≤ 0.5× Ehcache (default) hit" + where, l1, first(find, "EHCACHE_BY_VALUE", db, "hit"), v -> v <= 0.5);
        timeRatio("L1 hit ≤ 1.2× Ehcache (by ref) hit" + where, l1, first(find, "EHCACHE_BY_REFERENCE", db, "hit"), v -> v <= 1.2);
        timeRatio("Redisson RF hit ≥ 2× our L2 hit" + where, first(find, "REDISSON", db, "hit"), l2, v -> v >= 2);
    }

    private void direct() {
        List<Row> direct = Row.of(results, "direct");
        timeRatio("L2 hit ≤ 1.3× RBucket get (direct)", direct.stream().filter(r -> r.is("peer", "tiered L2 hit")).findFirst(),
                direct.stream().filter(r -> r.is("peer", "RBucket get")).findFirst(), v -> v <= 1.3);
    }

    private void timeRatio(String target, Optional<Row> a, Optional<Row> b, DoublePredicate ok) {
        if (a.isEmpty() || b.isEmpty()) {
            add(target, "", Verdict.NOT_MEASURED);
            return;
        }
        double ratio = a.get().num("meanMicros") / b.get().num("meanMicros");
        add(target, Labels.num(a.get().num("meanMicros")) + " µs ÷ " + Labels.num(b.get().num("meanMicros")) + " µs = "
                + Labels.ratio(ratio), verdict(ok.test(ratio)));
    }

    /** 95/5 with Zipfian keys on PostgreSQL: the workload the throughput targets are about. */
    private void workload() {
        List<Row> rows = Row.of(results, "workload").stream()
                .filter(r -> r.is("db", "POSTGRES") && r.is("mix", "95/5") && r.text("keys").startsWith("zipf")).toList();
        Optional<Row> ours = rows.stream().filter(r -> r.is("peer", OURS)).findFirst();
        Optional<Row> byRef = ours.flatMap(o -> peer(rows, "EHCACHE_BY_REFERENCE", o));
        Optional<Row> redisson = ours.flatMap(o -> peer(rows, "REDISSON", o));
        String where = " (workload 95/5 zipf, PostgreSQL)";
        throughput("ops/s ≥ 0.9× Ehcache (by ref)" + where, ours, byRef, 0.9);
        throughput("ops/s ≥ 10× Redisson RF" + where, ours, redisson, 10);
        if (ours.isEmpty()) {
            add("no stale reads" + where, "", Verdict.NOT_MEASURED);
        } else {
            double stale = ours.get().num("staleReads");
            add("no stale reads" + where, Labels.whole(stale) + " stale of " + Labels.whole(ours.get().num("readsChecked"))
                    + " reads checked", verdict(stale == 0));
        }
        if (ours.isEmpty() || byRef.isEmpty()) {
            add("statements/1,000 ops ≤ Ehcache (by ref)" + where, "", Verdict.NOT_MEASURED);
        } else {
            double a = ours.get().num("statementsPer1000");
            double b = byRef.get().num("statementsPer1000");
            add("statements/1,000 ops ≤ Ehcache (by ref)" + where, Labels.num(a) + " vs " + Labels.num(b), verdict(a <= b));
        }
    }

    private static Optional<Row> peer(List<Row> rows, String peer, Row like) {
        return rows.stream().filter(r -> r.is("peer", peer) && ReportTables.sameWorkload(r, like)).findFirst();
    }

    private void throughput(String target, Optional<Row> ours, Optional<Row> peer, double atLeast) {
        if (ours.isEmpty() || peer.isEmpty()) {
            add(target, "", Verdict.NOT_MEASURED);
            return;
        }
        double ratio = ours.get().num("opsPerSecond") / peer.get().num("opsPerSecond");
        add(target, Labels.whole(ours.get().num("opsPerSecond")) + " ÷ " + Labels.whole(peer.get().num("opsPerSecond"))
                + " ops/s = " + Labels.ratio(ratio), verdict(ratio >= atLeast));
    }

    private void stampede() {
        List<Row> ours = Row.of(results, "stampede").stream().filter(r -> r.is("peer", OURS) && r.flag("protection")).toList();
        if (ours.isEmpty()) {
            add("stampede: ours with protection loads once", "", Verdict.NOT_MEASURED);
        }
        for (Row r : ours) {
            add("stampede: ours with protection loads once (" + Labels.db(r.text("db")) + ", " + Labels.whole(r.num("readers")) + " readers)",
                    "db loads: " + Labels.whole(r.num("dbLoads")), verdict(r.num("dbLoads") == 1));
        }
    }

    /** Per keys, write-behind against write-through; and a hot key's writes coalesced to few statements. */
    private void writeBehind() {
        List<Row> rows = Row.of(results, "writeBehind");
        List<Row> behind = rows.stream().filter(r -> r.is("policy", "WRITE_BEHIND")).toList();
        if (behind.isEmpty()) {
            add("write-behind accepts ≥ 10× write-through", "", Verdict.NOT_MEASURED);
        }
        for (Row wb : behind) {
            String target = "write-behind accepts ≥ 10× write-through (" + wb.text("keys") + ")";
            rows.stream().filter(r -> r.is("policy", "WRITE_THROUGH") && r.is("keys", wb.text("keys"))).findFirst().ifPresentOrElse(wt -> {
                double ratio = wb.num("acceptedPerSecond") / wt.num("acceptedPerSecond");
                add(target, Labels.whole(wb.num("acceptedPerSecond")) + " ÷ " + Labels.whole(wt.num("acceptedPerSecond"))
                        + " /s = " + Labels.ratio(ratio), verdict(ratio >= 10));
            }, () -> add(target, "", Verdict.NOT_MEASURED));
        }
        Optional<Row> hot = behind.stream().filter(Targets::hotKey).findFirst();
        hot.ifPresentOrElse(r -> add("write-behind, hot key: ≤ 10 statements/1,000 touches",
                Labels.num(r.num("statementsPer1000")), verdict(r.num("statementsPer1000") <= 10)),
                () -> add("write-behind, hot key: ≤ 10 statements/1,000 touches", "", Verdict.NOT_MEASURED));
    }

    /** A hot-key row: its keys say "hot", or there is one key. */
    private static boolean hotKey(Row row) {
        return row.text("keys").toLowerCase(Locale.ROOT).contains("hot") || row.num("keys") == 1;
    }

    private void propagation() {
        Row.of(results, "propagation").stream().filter(r -> r.is("peer", OURS)).findFirst().ifPresentOrElse(
                r -> add("propagation p99 < 5 ms (ours)", Labels.num(r.num("p99Micros")) + " µs over " + Labels.whole(r.num("samples"))
                        + " samples", verdict(r.num("p99Micros") < SideCharts.PROPAGATION_TARGET_MICROS)),
                () -> add("propagation p99 < 5 ms (ours)", "", Verdict.NOT_MEASURED));
    }

    private static Optional<Row> first(List<Row> find, String peer, String db, String tier) {
        return find.stream().filter(r -> r.is("peer", peer) && r.is("db", db) && r.is("tier", tier)).findFirst();
    }

    private static Verdict verdict(boolean met) {
        return met ? Verdict.MET : Verdict.MISSED;
    }

    private void add(String target, String figures, Verdict verdict) {
        checks.add(new Check(target, figures, verdict));
    }
}
