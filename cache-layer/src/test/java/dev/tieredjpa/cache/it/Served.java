package dev.tieredjpa.cache.it;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Which tier served one node's lookups in one region during one read: the counters that moved, so a test
 * can say "// L1 hit" and prove it with {@code assertThat(read.served("items")).isEqualTo(L1_HIT)}.
 * A lookup that missed both L1 and L2 (and so went to the database) is {@link #L2_MISS}; pair it with
 * {@link Read#sql()} to say how many statements the node sent.
 */
record Served(long l1Hits, long l2Hits, long l2Misses) {

    static final Served NONE = new Served(0, 0, 0);
    static final Served L1_HIT = new Served(1, 0, 0);
    static final Served L2_HIT = new Served(0, 1, 0);
    static final Served L2_MISS = new Served(0, 0, 1);

    static Served now(Node node, String region) {
        var stats = node.regionStats(region);
        return new Served(stats.l1Hits(), stats.l2Hits(), stats.l2Misses());
    }

    Served since(Served before) {
        return new Served(l1Hits - before.l1Hits, l2Hits - before.l2Hits, l2Misses - before.l2Misses);
    }

    /** Runs {@code read} on {@code node} and records what each of {@code regions} served and the SQL it cost. */
    static <T> Read<T> read(Node node, Supplier<T> read, String... regions) {
        Map<String, Served> before = new LinkedHashMap<>();
        for (String region : regions) {
            before.put(region, now(node, region));
        }
        long statementsBefore = node.statements();
        T value = read.get();
        long sql = node.statements() - statementsBefore;
        Map<String, Served> served = new LinkedHashMap<>();
        before.forEach((region, earlier) -> served.put(region, now(node, region).since(earlier)));
        return new Read<>(value, sql, served);
    }

    /** What a read returned, the statements it sent, and what each region served. */
    record Read<T>(T value, long sql, Map<String, Served> regions) {

        Served served(String region) {
            Served served = regions.get(region);
            if (served == null) {
                throw new IllegalArgumentException("Region " + region + " was not measured; measured: " + regions.keySet());
            }
            return served;
        }
    }
}
