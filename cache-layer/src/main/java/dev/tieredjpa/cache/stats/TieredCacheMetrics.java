package dev.tieredjpa.cache.stats;

import static dev.tieredjpa.cache.stats.MeterNames.*;

import dev.tieredjpa.cache.TieredCacheManager;
import dev.tieredjpa.cache.WriteBehindStats;
import dev.tieredjpa.cache.internal.core.Memo;
import dev.tieredjpa.cache.internal.core.TieredRuntime;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import jakarta.persistence.EntityManagerFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a node's {@link CacheStats} to a Micrometer registry: per region and tier, and the node's
 * Redis; for a persistence unit, Hibernate's own statistics alongside. Names and tags are in
 * {@link MeterNames}.
 * <pre>
 * TieredCacheMetrics.of(entityManagerFactory, Tags.of("service", "orders")).bindTo(registry);
 * TieredCacheMetrics.of(tieredCacheManager, Tags.empty()).bindTo(registry);
 * </pre>
 *
 * <p>Micrometer is an optional dependency of the cache layer: this class, the only one that uses it, is
 * loaded only by an application that calls it. Hibernate's statistics are bound with
 * {@code org.hibernate.orm:hibernate-micrometer} when it is on the classpath (and need
 * {@code hibernate.generate_statistics=true} to count).
 *
 * <p>Every meter reads one snapshot of the node, taken at most once a second ({@link CacheStats} is
 * cumulative, so counters stay monotonic). Regions made after {@code bindTo} (a direct-face cache asked for
 * later) get their meters when they are made; write-behind queues are bound if they run at {@code bindTo}.
 * Latency percentiles are gauges over the node's whole life (not a sliding window); rate them from the
 * function timers' count and total time instead where a recent mean is wanted.
 */
public final class TieredCacheMetrics implements MeterBinder {

    private static final Logger log = LoggerFactory.getLogger(TieredCacheMetrics.class);
    private static final Duration SNAPSHOT_MAX_AGE = Duration.ofSeconds(1);
    private static final double[] QUANTILES = {0.5, 0.95, 0.99};

    private final TieredRuntime runtime;
    private final Tags tags;
    private final SessionFactoryImplementor sessionFactory;
    private final Memo<View> view;

    /** One snapshot, with its regions by name. */
    private record View(CacheStats stats, Map<String, RegionSnapshot> regions) {
        static View of(CacheStats stats) {
            Map<String, RegionSnapshot> byName = new HashMap<>();
            stats.regions().forEach(region -> byName.put(region.name(), region));
            return new View(stats, byName);
        }
    }

    private TieredCacheMetrics(TieredRuntime runtime, Iterable<Tag> tags, SessionFactoryImplementor sessionFactory) {
        this.runtime = runtime;
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags")).and(TAG_NODE, runtime.config().nodeName());
        this.sessionFactory = sessionFactory;
        this.view = new Memo<>(() -> View.of(runtime.stats()), SNAPSHOT_MAX_AGE);
    }

    /** The meters of a persistence unit's tiered cache, and Hibernate's statistics of the unit. */
    public static TieredCacheMetrics of(EntityManagerFactory emf, Iterable<Tag> tags) {
        return new TieredCacheMetrics(TieredStats.regionFactory(emf).runtime(), tags,
                emf.unwrap(SessionFactoryImplementor.class));
    }

    /** The meters of a direct-face node's caches. */
    public static TieredCacheMetrics of(TieredCacheManager manager, Iterable<Tag> tags) {
        Objects.requireNonNull(manager, "manager");
        return new TieredCacheMetrics(manager.runtime(), tags, null);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        bindRedis(registry);
        runtime.onNewRegion(region -> bindRegion(registry, region));
        // A snapshot of its own: the meters' shared one is taken when they are first read.
        for (RegionSnapshot region : runtime.stats().regions()) {
            bindRegion(registry, region.name());
            region.writeBehind().ifPresent(queue -> bindWriteBehind(registry, region.name(), queue.entity()));
        }
        if (sessionFactory != null) {
            bindHibernate(registry);
        }
    }

    private void bindRedis(MeterRegistry registry) {
        gauge(registry, REDIS_UP, tags, "1 while Redis answers and the breaker is closed", null,
                v -> v.stats().redis().up() ? 1 : 0);
        for (RedisSnapshot.BreakerState state : RedisSnapshot.BreakerState.values()) {
            gauge(registry, BREAKER_STATE, tags.and(TAG_STATE, state.name().toLowerCase(java.util.Locale.ROOT)),
                    "1 for the circuit breaker's current state", null, v -> v.stats().redis().breaker() == state ? 1 : 0);
        }
        gauge(registry, REDIS_MEMORY_USED, tags, "Redis used_memory", "bytes",
                v -> known(v.stats().redis().usedMemoryBytes()));
        gauge(registry, REDIS_MEMORY_MAX, tags, "Redis maxmemory (0: no limit)", "bytes",
                v -> known(v.stats().redis().maxMemoryBytes()));
        FunctionCounter.builder(REDIS_EVICTED_KEYS, runtime, r -> known(view.get().stats().redis().evictedKeys()))
                .tags(tags).description("Redis evicted_keys").register(registry);
    }

    private void bindRegion(MeterRegistry registry, String region) {
        Tags regionTags = tags.and(TAG_REGION, region);
        Tags l1 = regionTags.and(TAG_TIER, TIER_L1);
        Tags l2 = regionTags.and(TAG_TIER, TIER_L2);
        Tags db = regionTags.and(TAG_TIER, TIER_DB);
        counter(registry, REQUESTS, regionTags, "Reads of the region", region, RegionSnapshot::requests);
        counter(registry, HITS, l1, "Reads L1 answered", region, r -> r.l1().hits());
        counter(registry, MISSES, l1, "Reads L1 did not answer", region, r -> r.l1().misses());
        counter(registry, PUTS, l1, "Entries stored in L1", region, r -> r.l1().puts());
        counter(registry, EVICTIONS, l1, "Entries L1 evicted to stay within its size", region, r -> r.l1().evictions());
        counter(registry, HITS, l2, "L1 misses L2 answered", region, r -> r.l2().hits());
        counter(registry, MISSES, l2, "L1 misses L2 did not answer", region, r -> r.l2().misses());
        counter(registry, PUTS, l2, "Values stored in L2", region, r -> r.l2().puts());
        counter(registry, ERRORS, l2, "Redis calls that failed", region, r -> r.l2().errors());
        counter(registry, DB_LOADS, regionTags, "Values loaded from the database, and no-such-row answers", region,
                r -> r.db().loads());
        counter(registry, INVALIDATIONS, regionTags.and(TAG_DIRECTION, DIRECTION_SENT), "Invalidations published",
                region, r -> r.invalidations().sent());
        counter(registry, INVALIDATIONS, regionTags.and(TAG_DIRECTION, DIRECTION_RECEIVED),
                "Invalidations heard from other nodes", region, r -> r.invalidations().received());
        counter(registry, INVALIDATION_ACK_TIMEOUTS, regionTags,
                "Invalidations some node did not confirm within the ack timeout", region, r -> r.invalidations().ackTimeouts());
        counter(registry, LEASE_WAITS, regionTags, "Loads that waited for another node's lease", region,
                r -> r.waits().lease());
        counter(registry, DECODE_FAILURES, regionTags, "L2 values that could not be decoded", region,
                RegionSnapshot::decodeFailures);
        counter(registry, REPAIRS, l2, "L2 entries found holding what the library does not write, and repaired", region,
                r -> r.l2().repairs());
        gauge(registry, ENTRIES, l1, "Entries L1 holds", null, v -> known(regionValue(v, region, r -> r.l1().entries())));
        gauge(registry, HEAP_ESTIMATED, l1, "Estimated heap the L1 entries take", "bytes",
                v -> known(regionValue(v, region, r -> r.l1().estimatedHeapBytes())));
        latency(registry, LATENCY, LATENCY_PERCENTILE, l1, "L1 hits, one in 64 timed", region, r -> r.l1().hitLatency());
        latency(registry, LATENCY, LATENCY_PERCENTILE, l2, "Round trips of reads to Redis", region, r -> r.l2().latency());
        latency(registry, LATENCY, LATENCY_PERCENTILE, db, "Database loads, from the lease to the put", region,
                r -> r.db().loadTime());
        latency(registry, INVALIDATION_DELAY, INVALIDATION_DELAY_PERCENTILE, regionTags,
                "From another node's publish to hearing it (wall clocks)", region, r -> r.invalidations().propagationDelay());
    }

    private void bindWriteBehind(MeterRegistry registry, String region, String entity) {
        Tags queueTags = tags.and(TAG_REGION, region).and(TAG_ENTITY, entity);
        gauge(registry, WRITE_BEHIND_QUEUE_DEPTH, queueTags, "Change records waiting to be written", null,
                v -> known(queueValue(v, region, WriteBehindStats::queueDepth)));
        TimeGauge.builder(WRITE_BEHIND_LAG, runtime, TimeUnit.NANOSECONDS,
                        r -> queueValue(view.get(), region, queue -> queue.lag().toNanos()))
                .tags(queueTags).description("Age of the oldest record waiting").register(registry);
        FunctionCounter.builder(WRITE_BEHIND_FLUSHED, runtime, r -> queueValue(view.get(), region, WriteBehindStats::flushed))
                .tags(queueTags).description("Records this node's flusher wrote to the database").register(registry);
        gauge(registry, WRITE_BEHIND_DEAD_LETTERS, queueTags, "Records in the dead-letter stream", null,
                v -> known(queueValue(v, region, WriteBehindStats::deadLetters)));
        FunctionCounter.builder(WRITE_BEHIND_MALFORMED, runtime, r -> queueValue(view.get(), region, WriteBehindStats::malformed))
                .tags(queueTags).description("Malformed records this node's flusher moved to the dead-letter stream")
                .register(registry);
        FunctionCounter.builder(WRITE_BEHIND_FOREIGN_KEYS, runtime,
                        r -> queueValue(view.get(), region, WriteBehindStats::foreignKeys))
                .tags(queueTags).description("Keys of another Redis type this node deleted at the streams' names")
                .register(registry);
        FunctionCounter.builder(WRITE_BEHIND_WRITTEN_THROUGH, runtime,
                        r -> queueValue(view.get(), region, WriteBehindStats::writtenThrough))
                .tags(queueTags).description("Writes written to the database before they returned, no replica having confirmed them")
                .register(registry);
    }

    private void bindHibernate(MeterRegistry registry) {
        String unit = sessionFactory.getName() != null ? sessionFactory.getName() : sessionFactory.getUuid();
        if (!HibernateBinding.available()) {
            log.info("Hibernate's statistics of {} are not published: add org.hibernate.orm:hibernate-micrometer", unit);
            return;
        }
        if (!sessionFactory.getStatistics().isStatisticsEnabled()) {
            log.info("Hibernate's statistics of {} are published but stay 0 until hibernate.generate_statistics=true", unit);
        }
        HibernateBinding.bind(registry, sessionFactory, unit, tags);
    }

    private void counter(MeterRegistry registry, String name, Tags meterTags, String description, String region,
                         ToLongFunction<RegionSnapshot> figure) {
        FunctionCounter.builder(name, runtime, r -> known(regionValue(view.get(), region, figure)))
                .tags(meterTags).description(description).register(registry);
    }

    private void gauge(MeterRegistry registry, String name, Tags meterTags, String description, String baseUnit,
                       ToDoubleFunction<View> figure) {
        Gauge.builder(name, runtime, r -> figure.applyAsDouble(view.get()))
                .tags(meterTags).description(description).baseUnit(baseUnit).register(registry);
    }

    /** A function timer (count, total time) and a time gauge per quantile. */
    private void latency(MeterRegistry registry, String name, String percentileName, Tags meterTags, String description,
                         String region, Function<RegionSnapshot, LatencySnapshot> latency) {
        FunctionTimer.builder(name, runtime,
                        r -> latencyOf(region, latency).count(),
                        r -> latencyOf(region, latency).totalNanos(), TimeUnit.NANOSECONDS)
                .tags(meterTags).description(description).register(registry);
        for (double quantile : QUANTILES) {
            TimeGauge.builder(percentileName, runtime, TimeUnit.NANOSECONDS, r -> percentile(latencyOf(region, latency), quantile))
                    .tags(meterTags.and(TAG_QUANTILE, Double.toString(quantile)))
                    .description(description + ", percentile since start").register(registry);
        }
    }

    private LatencySnapshot latencyOf(String region, Function<RegionSnapshot, LatencySnapshot> latency) {
        RegionSnapshot snapshot = view.get().regions().get(region);
        return snapshot == null ? LatencySnapshot.EMPTY : latency.apply(snapshot);
    }

    private static double percentile(LatencySnapshot latency, double quantile) {
        if (quantile == 0.5) {
            return latency.p50Nanos();
        }
        return quantile == 0.95 ? latency.p95Nanos() : latency.p99Nanos();
    }

    private static long regionValue(View view, String region, ToLongFunction<RegionSnapshot> figure) {
        RegionSnapshot snapshot = view.regions().get(region);
        return snapshot == null ? -1 : figure.applyAsLong(snapshot);
    }

    private static double queueValue(View view, String region, ToLongFunction<WriteBehindStats> figure) {
        RegionSnapshot snapshot = view.regions().get(region);
        return snapshot == null || snapshot.writeBehind().isEmpty() ? Double.NaN : figure.applyAsLong(snapshot.writeBehind().get());
    }

    /** A figure, or NaN (what Micrometer skips) for -1, "unknown". */
    private static double known(long figure) {
        return figure < 0 ? Double.NaN : figure;
    }

    private static double known(double figure) {
        return figure < 0 ? Double.NaN : figure;
    }
}
