package dev.tieredjpa.demo.web;

import dev.tieredjpa.cache.CacheRead;
import dev.tieredjpa.cache.TieredCache;
import dev.tieredjpa.cache.TieredCacheConfig;
import dev.tieredjpa.cache.TieredCacheManager;
import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.cache.stats.CacheStats;
import dev.tieredjpa.cache.stats.TieredCacheMetrics;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's cache of rendered GET answers, keyed by path ({@code /api/products/5}), on the library's
 * direct face: a {@link TieredCache} named {@value #CACHE_NAME}, L1 in this JVM and L2 in the demo's
 * Redis under the demo's key prefix followed by {@code http:}, so that every node of the demo shares it.
 * Lists ({@code ?ids=}) are not kept whole: they are joined from their members' entries, so a write has
 * exactly one path to invalidate.
 *
 * <h2>Why a cached answer does not outlive its entity version</h2>
 * A write through the API calls {@link #invalidate} after its transaction has committed.
 * <ol>
 *   <li>{@code invalidate(path)} removes the answer from L2, tells every node to drop it from L1, and
 *       revokes the lease of every fill that began before it: a load that read the old entity cannot put
 *       its answer back (the library's fence).</li>
 *   <li>A fill that begins after step 1 reads the entity after the commit, and from the database or L2
 *       that is the new version. One source can still be old: another node's entity L1, until the
 *       entity's own invalidation message reaches that node (the library's L1 propagation window, well
 *       under a millisecond on loopback). An answer rendered from it would be stored under a valid lease
 *       and outlive the window.</li>
 *   <li>So the path is invalidated a second time, {@link #SECOND_INVALIDATION_DELAY} later. It fences off
 *       every fill that began before it, and every fill after it began long after the window closed. The
 *       answers are then as fresh as the entity cache, at worst one delay after a write in the rare race
 *       of step 2; the time to live of each tier ({@link #L1_TTL}, {@link #L2_TTL}) bounds what a lost
 *       second invalidation (a node stopped in between) could leave.</li>
 * </ol>
 * A cache failure never fails a request: with Redis away the library answers from L1 and the loader and
 * owes the invalidations until Redis is back.
 */
public final class ResponseCache implements AutoCloseable {

    /** The name of the direct-face cache, as it appears in Redis keys and in statistics. */
    public static final String CACHE_NAME = "http-responses";

    /** How long after a write its path is invalidated again (step 3 above). */
    public static final Duration SECOND_INVALIDATION_DELAY = Duration.ofSeconds(1);

    /** How long an answer lives in a node's L1 at most. */
    public static final Duration L1_TTL = Duration.ofMinutes(1);

    /** How long an answer lives in Redis at most. */
    public static final Duration L2_TTL = Duration.ofMinutes(10);

    private static final Logger log = LoggerFactory.getLogger(ResponseCache.class);

    private final TieredCache<String, CachedResponse> cache;
    private final Duration secondInvalidationDelay;
    private final AutoCloseable owner;
    private final ScheduledExecutorService scheduler;

    ResponseCache(TieredCache<String, CachedResponse> cache, Duration secondInvalidationDelay, AutoCloseable owner,
                  String nodeName) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.secondInvalidationDelay = Objects.requireNonNull(secondInvalidationDelay, "secondInvalidationDelay");
        this.owner = Objects.requireNonNull(owner, "owner");
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "response-cache-" + nodeName);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * A response cache on this Redis with a cache manager of its own; its keys and invalidation channel
     * start with {@code keyPrefix + "http:"}, apart from the entities'.
     */
    public static ResponseCache start(String redisUrl, String keyPrefix, String nodeName) {
        TieredCacheConfig config = TieredCacheConfig.fromProperties(Map.of(
                TieredCacheSettings.REDIS_URL, redisUrl,
                TieredCacheSettings.KEY_PREFIX, keyPrefix + "http:",
                TieredCacheSettings.NODE_NAME, nodeName,
                TieredCacheSettings.L1_TTL, L1_TTL.toSeconds() + "s",
                TieredCacheSettings.L2_TTL, L2_TTL.toSeconds() + "s"));
        TieredCacheManager manager = TieredCacheManager.create(config);
        try {
            return new ResponseCache(manager.cache(CACHE_NAME, CachedResponse.FORMAT), SECOND_INVALIDATION_DELAY,
                    manager, nodeName);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * The cached answer of this path, or {@code loader}'s, which is then cached unless the path was
     * invalidated while it loaded. A null from the loader (no such entity) is returned and not cached.
     */
    public CacheRead<CachedResponse> read(String path, Function<String, CachedResponse> loader) {
        return cache.read(path, loader);
    }

    /**
     * The cached answers of these paths, in their order: L1, then every L1 miss from L2 in one round trip,
     * then the rest from {@code loader} in one call (it answers the paths it found).
     */
    public Map<String, CachedResponse> getAll(List<String> paths,
                                              Function<Collection<String>, Map<String, CachedResponse>> loader) {
        return cache.getAll(paths, loader);
    }

    /** Drops the answer of this path on every tier and every node, now and once more a moment later. */
    public void invalidate(String path) {
        cache.invalidate(path);
        try {
            scheduler.schedule(() -> invalidateAgain(path), secondInvalidationDelay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // The node is stopping: the tiers' time to live bounds what the second invalidation would have caught.
        }
    }

    private void invalidateAgain(String path) {
        try {
            cache.invalidate(path);
        } catch (RuntimeException e) {
            log.warn("Could not invalidate the cached answer of {} a second time; its time to live bounds it", path, e);
        }
    }

    /** The response cache's statistics on this node (its one region, {@value #CACHE_NAME}); none in unit tests. */
    public List<CacheStats> stats() {
        return owner instanceof TieredCacheManager manager ? List.of(manager.stats()) : List.of();
    }

    /** Its meters, for a Micrometer registry; none in unit tests. */
    public List<MeterBinder> metrics() {
        return owner instanceof TieredCacheManager manager ? List.of(TieredCacheMetrics.of(manager, List.of())) : List.of();
    }

    @Override
    public void close() throws Exception {
        scheduler.shutdownNow();
        owner.close();
    }
}
