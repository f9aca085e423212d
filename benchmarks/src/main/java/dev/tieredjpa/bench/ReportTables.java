package dev.tieredjpa.bench;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * One markdown table per section of {@code results.json}, each with a column comparing the row to ours
 * where that comparison means something: a time as ours ÷ theirs (below 1, ours is faster), a
 * throughput as ours ÷ theirs (above 1, ours is faster). Stale reads and statements are shown as they
 * are: they are not better or worse by a factor, and a zero must read as a zero.
 */
final class ReportTables {

    private static final String OURS = Peer.TIERED.name();
    private static final List<String> TIER_ORDER = List.of("L1 hit", "L2 hit", "hit", "miss");

    private ReportTables() {
    }

    static MarkdownTable find(List<Row> rows) {
        MarkdownTable table = new MarkdownTable("db", "tier", "cache", ">mean µs", ">p50 µs", ">p99 µs",
                ">Redis calls/op", ">ours ÷ this (vs ours)");
        Comparator<Row> order = Comparator.comparing((Row r) -> r.text("db"))
                .thenComparing(r -> tierIndex(r.text("tier")))
                .thenComparing(r -> peerIndex(r.text("peer")));
        rows.stream().sorted(order).forEach(r -> {
            String ratio = "";
            Peer peer = Labels.peerOrNull(r.text("peer"));
            if (peer != Peer.TIERED) {
                String oursTier = comparableTier(peer, r.text("tier"));
                ratio = first(rows, o -> o.is("peer", OURS) && o.is("db", r.text("db")) && o.is("tier", oursTier))
                        .map(o -> Labels.ratio(o.num("meanMicros") / r.num("meanMicros")) + " (" + oursTier + ")")
                        .orElse("");
            }
            table.row(Labels.db(r.text("db")), r.text("tier"), r.peerLabel(), meanWithError(r), Labels.num(r.num("p50Micros")),
                    Labels.num(r.num("p99Micros")), Labels.num(r.num("redisCallsPerOp")), ratio);
        });
        return table;
    }

    /**
     * The tier of ours that does the same job as a peer's: a hit in a cache in the JVM is our L1 hit, a
     * hit in a shared cache (Redis) our L2 hit, a miss our miss.
     */
    static String comparableTier(Peer peer, String tier) {
        if (!"hit".equals(tier)) {
            return tier;
        }
        return peer != null && peer.sharedAcrossNodes() ? "L2 hit" : "L1 hit";
    }

    static MarkdownTable direct(List<Row> rows) {
        MarkdownTable table = new MarkdownTable("get", ">mean µs", ">p50 µs", ">p99 µs", ">ours ÷ this (vs ours)");
        for (Row r : rows) {
            String ratio = "";
            if (!r.text("peer").startsWith("tiered")) {
                String ours = r.text("peer").contains("LocalCached") ? "tiered L1 hit" : "tiered L2 hit";
                ratio = first(rows, o -> o.is("peer", ours))
                        .map(o -> Labels.ratio(o.num("meanMicros") / r.num("meanMicros")) + " (" + ours + ")").orElse("");
            }
            table.row(r.text("peer"), meanWithError(r), Labels.num(r.num("p50Micros")), Labels.num(r.num("p99Micros")), ratio);
        }
        return table;
    }

    static MarkdownTable workload(List<Row> rows) {
        MarkdownTable table = new MarkdownTable("db", "keys", "mix", ">threads/node", ">entities", "cache", ">ops/s",
                ">ours ÷ this", ">p50 µs", ">p99 µs", ">statements/1,000 ops", ">stale reads", ">reads checked",
                ">writes", ">errors");
        Comparator<Row> order = Comparator.comparing((Row r) -> r.text("db")).thenComparing(r -> r.text("keys"))
                .thenComparing(r -> r.text("mix")).thenComparingDouble(r -> r.num("threadsPerNode"))
                .thenComparingDouble(r -> r.num("entities")).thenComparing(r -> peerIndex(r.text("peer")));
        rows.stream().sorted(order).forEach(r -> {
            String ratio = r.is("peer", OURS) ? "" : first(rows, o -> o.is("peer", OURS) && sameWorkload(o, r))
                    .map(o -> Labels.ratio(o.num("opsPerSecond") / r.num("opsPerSecond"))).orElse("");
            table.row(Labels.db(r.text("db")), r.text("keys"), r.text("mix"), Labels.whole(r.num("threadsPerNode")),
                    Labels.whole(r.num("entities")), r.peerLabel(), Labels.whole(r.num("opsPerSecond")), ratio,
                    Labels.num(r.num("p50Micros")), Labels.num(r.num("p99Micros")), Labels.num(r.num("statementsPer1000")),
                    Labels.whole(r.num("staleReads")), Labels.whole(r.num("readsChecked")), Labels.whole(r.num("writes")),
                    Labels.whole(r.num("errors")));
        });
        return table;
    }

    /** Same database, keys, mix, threads and entities: the rows a ratio may compare. */
    static boolean sameWorkload(Row a, Row b) {
        return List.of("db", "keys", "mix", "threadsPerNode", "entities").stream()
                .allMatch(c -> a.text(c).equals(b.text(c)) || a.num(c) == b.num(c));
    }

    static MarkdownTable stampede(List<Row> rows) {
        MarkdownTable table = new MarkdownTable("cache", "db", "protection", ">readers", ">db loads", ">p50 µs", ">p99 µs");
        rows.forEach(r -> table.row(r.peerLabel(), Labels.db(r.text("db")), r.flag("protection") ? "yes" : "no",
                Labels.whole(r.num("readers")), Labels.whole(r.num("dbLoads")), Labels.num(r.num("p50Micros")),
                Labels.num(r.num("p99Micros"))));
        return table;
    }

    static MarkdownTable roundTrips(List<Row> rows) {
        MarkdownTable table = new MarkdownTable("cache", "operation", ">Redis calls per operation", "commands seen");
        rows.forEach(r -> table.row(r.text("peer"), r.text("operation"), Labels.num(r.num("redisCallsPerOp")), r.text("commands")));
        return table;
    }

    static MarkdownTable writeBehind(List<Row> rows) {
        MarkdownTable table = new MarkdownTable("policy", "keys", ">touches", ">refused", ">accepted/s", ">÷ write-through",
                ">statements/1,000 touches", ">lag p50 ms", ">lag max ms", ">drained ms after");
        rows.forEach(r -> {
            String ratio = r.is("policy", "WRITE_THROUGH") ? "" : first(rows, o -> o.is("policy", "WRITE_THROUGH") && o.is("keys", r.text("keys")))
                    .map(o -> Labels.ratio(r.num("acceptedPerSecond") / o.num("acceptedPerSecond"))).orElse("");
            table.row(r.text("policy"), r.text("keys"), Labels.whole(r.num("touches")), Labels.whole(r.num("refused")),
                    Labels.whole(r.num("acceptedPerSecond")), ratio, Labels.num(r.num("statementsPer1000")),
                    Labels.num(r.num("lagP50Millis")), Labels.num(r.num("lagMaxMillis")), Labels.num(r.num("drainMillis")));
        });
        return table;
    }

    static MarkdownTable propagation(List<Row> rows) {
        MarkdownTable table = new MarkdownTable("cache", ">samples", ">p50 µs", ">p99 µs", ">max µs", ">ours ÷ this (p99)");
        Optional<Row> ours = first(rows, r -> r.is("peer", OURS));
        rows.forEach(r -> table.row(r.peerLabel(), Labels.whole(r.num("samples")), Labels.num(r.num("p50Micros")),
                Labels.num(r.num("p99Micros")), Labels.num(r.num("maxMicros")),
                r.is("peer", OURS) ? "" : ours.map(o -> Labels.ratio(o.num("p99Micros") / r.num("p99Micros"))).orElse("")));
        return table;
    }

    /** Each measure against its own first point (fewest entities, then fewest threads): how it grows. */
    static MarkdownTable scale(List<Row> rows) {
        MarkdownTable table = new MarkdownTable("measure", ">entities", ">threads/node", ">value", "unit", ">÷ smallest run");
        Comparator<Row> size = Comparator.comparingDouble((Row r) -> r.num("entities")).thenComparingDouble(r -> r.num("threadsPerNode"));
        rows.stream().sorted(Comparator.comparing((Row r) -> r.text("measure")).thenComparing(size)).forEach(r -> {
            Row smallest = rows.stream().filter(o -> o.is("measure", r.text("measure"))).min(size).orElse(r);
            table.row(r.text("measure"), Labels.whole(r.num("entities")), Labels.whole(r.num("threadsPerNode")),
                    Labels.num(r.num("value")), r.text("unit"), smallest == r ? "" : Labels.ratio(r.num("value") / smallest.num("value")));
        });
        return table;
    }

    private static String meanWithError(Row r) {
        double error = r.num("meanErrorMicros");
        return Labels.num(r.num("meanMicros")) + (Double.isNaN(error) ? "" : " ± " + Labels.num(error));
    }

    private static Optional<Row> first(List<Row> rows, Predicate<Row> test) {
        return rows.stream().filter(test).findFirst();
    }

    private static int tierIndex(String tier) {
        int i = TIER_ORDER.indexOf(tier);
        return i < 0 ? TIER_ORDER.size() : i;
    }

    private static int peerIndex(String name) {
        Peer peer = Labels.peerOrNull(name);
        return peer == null ? Peer.values().length : peer.ordinal();
    }
}
