package dev.tieredjpa.demo.stats;

import dev.tieredjpa.cache.WriteBehindStats;
import dev.tieredjpa.cache.stats.CacheStats;
import dev.tieredjpa.cache.stats.LatencySnapshot;
import dev.tieredjpa.cache.stats.RegionSnapshot;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code GET /api/cache/stats}: this node's cache statistics as JSON, one object per region and tier, in
 * the shape the stats page reads (hit rates, latency in microseconds, write-behind queue).
 */
public final class StatsApi {

    private final Supplier<List<CacheStats>> stats;

    /** @param stats the snapshots to show, taken anew for every request (the entity caches, the HTTP cache...) */
    public StatsApi(Supplier<List<CacheStats>> stats) {
        this.stats = stats;
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/cache/stats", this::answer);
    }

    private void answer(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        ctx.json(view(stats.get()));
    }

    /** The JSON view of the snapshots: the first one's node and Redis, every one's regions. */
    static Map<String, Object> view(List<CacheStats> snapshots) {
        CacheStats first = snapshots.get(0);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("node", first.node());
        body.put("takenAt", first.takenAt().toString());
        Map<String, Object> redis = new LinkedHashMap<>();
        redis.put("up", first.redis().up());
        redis.put("breaker", first.redis().breaker().name());
        redis.put("usedMemoryBytes", first.redis().usedMemoryBytes());
        redis.put("maxMemoryBytes", first.redis().maxMemoryBytes());
        redis.put("evictedKeys", first.redis().evictedKeys());
        body.put("redis", redis);
        List<Map<String, Object>> regions = new ArrayList<>();
        for (CacheStats snapshot : snapshots) {
            snapshot.regions().forEach(region -> regions.add(region(region)));
        }
        body.put("regions", regions);
        return body;
    }

    private static Map<String, Object> region(RegionSnapshot region) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("name", region.name());
        view.put("requests", region.requests());
        view.put("l1", ordered("hits", region.l1().hits(), "misses", region.l1().misses(), "puts", region.l1().puts(),
                "evictions", region.l1().evictions(), "entries", region.l1().entries(),
                "estimatedBytes", region.l1().estimatedHeapBytes(), "hitRate", region.l1HitRate()));
        view.put("l2", ordered("hits", region.l2().hits(), "misses", region.l2().misses(), "puts", region.l2().puts(),
                "errors", region.l2().errors(), "repairs", region.l2().repairs(), "hitRate", region.l2HitRate()));
        view.put("db", ordered("loads", region.db().loads(), "loadRate", region.dbLoadRate()));
        view.put("latencyMicros", ordered("l1", latency(region.l1().hitLatency()), "l2", latency(region.l2().latency()),
                "db", latency(region.db().loadTime())));
        view.put("averageLatencyMicros", region.averageLatencyNanos() / 1_000.0);
        view.put("invalidations", ordered("sent", region.invalidations().sent(), "received", region.invalidations().received(),
                "ackTimeouts", region.invalidations().ackTimeouts(),
                "propagationMicros", latency(region.invalidations().propagationDelay())));
        view.put("leaseWaits", region.waits().lease());
        view.put("decodeFailures", region.decodeFailures());
        view.put("writeBehind", region.writeBehind().map(StatsApi::writeBehind).orElse(null));
        return view;
    }

    private static Map<String, Object> writeBehind(WriteBehindStats queue) {
        return ordered("queueDepth", queue.queueDepth(), "lagMillis", queue.lag().toMillis(), "flushed", queue.flushed(),
                "deadLettered", queue.deadLetters(), "malformed", queue.malformed(), "foreignKeys", queue.foreignKeys(),
                "writtenThrough", queue.writtenThrough());
    }

    private static Map<String, Object> latency(LatencySnapshot latency) {
        return ordered("count", latency.count(), "mean", latency.meanNanos() / 1_000.0, "p50", latency.p50Nanos() / 1_000.0,
                "p95", latency.p95Nanos() / 1_000.0, "p99", latency.p99Nanos() / 1_000.0);
    }

    private static Map<String, Object> ordered(Object... namesAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            map.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return map;
    }
}
