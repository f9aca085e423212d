package dev.tieredjpa.demo.stats;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TEMPORARY (issue 6): answers {@code GET /api/cache/stats} with synthetic numbers in the endpoint's agreed
 * JSON shape, so that the stats page and its browser test can be built before the real endpoint exists.
 * The counters grow with the time since start, so that rates and deltas move; nothing here is measured.
 * The answer carries {@code "stub": true}, which the stats page shows. Replace this class with the real
 * endpoint and delete it.
 */
public final class StatsStub {

    private static final String[] REGIONS = {"users", "products", "sessions"};

    private final String node;
    private final Clock clock;
    private final long startedAtMillis;

    public StatsStub(String node) {
        this.node = node;
        this.clock = Clock.systemUTC();
        this.startedAtMillis = clock.millis();
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/cache/stats", this::answer);
    }

    private void answer(Context ctx) {
        ctx.json(snapshot());
    }

    /** The synthetic snapshot as of now. */
    Map<String, Object> snapshot() {
        Instant now = clock.instant();
        double seconds = Math.max(0, now.toEpochMilli() - startedAtMillis) / 1000.0;
        Map<String, Object> redis = new LinkedHashMap<>();
        redis.put("up", true);
        redis.put("breaker", "CLOSED");
        redis.put("usedMemoryBytes", 12_000_000L + (long) (seconds * 1_000));
        redis.put("maxMemoryBytes", 268_435_456L);
        redis.put("evictedKeys", 0L);
        List<Object> regions = new ArrayList<>();
        for (int i = 0; i < REGIONS.length; i++) {
            regions.add(region(REGIONS[i], i + 1, seconds));
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("node", node);
        answer.put("takenAt", now.toString());
        answer.put("stub", true);
        answer.put("redis", redis);
        answer.put("regions", regions);
        return answer;
    }

    private static Map<String, Object> region(String name, int weight, double seconds) {
        // A wave keeps the rates moving, so that a chart of them is not one flat line.
        double wave = 0.5 + 0.5 * Math.sin(seconds / 7.0 + weight);
        long requests = (long) (seconds * 40 * weight);
        long l1Hits = (long) (requests * 0.80 + seconds * 3 * wave);
        long l1Misses = Math.max(0, requests - l1Hits);
        long l2Hits = (long) (l1Misses * 0.70);
        long l2Misses = l1Misses - l2Hits;
        Map<String, Object> l1 = new LinkedHashMap<>();
        l1.put("hits", l1Hits);
        l1.put("misses", l1Misses);
        l1.put("puts", l1Misses);
        l1.put("evictions", 0L);
        l1.put("entries", Math.min(10_000, l1Misses));
        l1.put("estimatedBytes", Math.min(10_000, l1Misses) * 512);
        l1.put("hitRate", ratio(l1Hits, requests));
        Map<String, Object> l2 = new LinkedHashMap<>();
        l2.put("hits", l2Hits);
        l2.put("misses", l2Misses);
        l2.put("puts", l2Misses);
        l2.put("errors", 0L);
        l2.put("hitRate", ratio(l2Hits, l1Misses));
        Map<String, Object> db = new LinkedHashMap<>();
        db.put("loads", l2Misses);
        db.put("loadRate", ratio(l2Misses, requests));
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("l1", latency(l1Hits, 3 + 2 * wave));
        latency.put("l2", latency(l2Hits, 250 + 100 * wave));
        latency.put("db", latency(l2Misses, 1_500 + 800 * wave));
        Map<String, Object> region = new LinkedHashMap<>();
        region.put("name", name);
        region.put("requests", requests);
        region.put("l1", l1);
        region.put("l2", l2);
        region.put("db", db);
        region.put("latencyMicros", latency);
        region.put("invalidations", Map.of("sent", (long) (seconds * weight), "received", (long) (seconds * weight)));
        region.put("leaseWaits", 0L);
        region.put("decodeFailures", 0L);
        if (name.equals("sessions")) {
            Map<String, Object> writeBehind = new LinkedHashMap<>();
            writeBehind.put("queueDepth", (long) (40 * wave));
            writeBehind.put("lagMillis", (long) (200 * wave));
            writeBehind.put("flushed", (long) (seconds * 20));
            writeBehind.put("deadLettered", 0L);
            region.put("writeBehind", writeBehind);
        } else {
            region.put("writeBehind", null);
        }
        return region;
    }

    private static Map<String, Object> latency(long count, double p50) {
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("count", count);
        latency.put("mean", Math.round(p50 * 1.2));
        latency.put("p50", Math.round(p50));
        latency.put("p95", Math.round(p50 * 3));
        latency.put("p99", Math.round(p50 * 6));
        return latency;
    }

    private static double ratio(long part, long whole) {
        return whole == 0 ? 0.0 : (double) part / whole;
    }
}
