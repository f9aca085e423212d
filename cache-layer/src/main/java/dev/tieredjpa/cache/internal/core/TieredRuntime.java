package dev.tieredjpa.cache.internal.core;

import dev.tieredjpa.cache.RedisHealth;
import dev.tieredjpa.cache.TieredCacheConfig;
import dev.tieredjpa.cache.WriteBehindStats;
import dev.tieredjpa.cache.internal.bus.Invalidation;
import dev.tieredjpa.cache.internal.bus.InvalidationBus;
import dev.tieredjpa.cache.internal.bus.PendingInvalidations;
import dev.tieredjpa.cache.internal.l1.L1Region;
import dev.tieredjpa.cache.internal.l1.L1Statistics;
import dev.tieredjpa.cache.internal.l2.RedisEntryStore;
import dev.tieredjpa.cache.internal.resilience.CircuitBreaker;
import dev.tieredjpa.cache.stats.CacheStats;
import dev.tieredjpa.cache.stats.RegionSnapshot;
import java.io.File;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import org.ehcache.config.Configuration;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.ExpiryPolicyBuilder;
import org.ehcache.config.builders.ResourcePoolsBuilder;
import org.ehcache.core.config.DefaultConfiguration;
import org.ehcache.jsr107.Eh107Configuration;
import org.ehcache.jsr107.EhcacheCachingProvider;
import org.ehcache.xml.XmlConfiguration;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What all regions of one node share: the Redis client and the fenced entry store on it, the
 * invalidation bus, the circuit breaker with the invalidations owed while it is open, and the L1
 * cache manager. One per region factory (per EntityManagerFactory), so that two factories in one JVM
 * behave as two nodes.
 *
 * <h2>When Redis goes away, and comes back</h2>
 * Every L2 call goes through {@link #l2}: while the breaker is open it is not made at all and the caller
 * takes its fallback (a read goes to the database; a write's L2 step is owed). Failures are counted; the
 * breaker opens after a few in a row. While open, a probe runs every so often; when Redis answers, the
 * node first pays what it owes (a tombstone in L2 and a published invalidation for every key it changed
 * meanwhile, or a whole-region clear where it owed too many), then clears its own L1 (it may have missed
 * other nodes' messages), and only then closes the breaker and serves L2 reads again.
 */
public final class TieredRuntime implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TieredRuntime.class);

    private final TieredCacheConfig config;
    private final RedissonClient redisson;
    private final boolean ownsRedisson;
    private final String nodeId;
    private final RedisEntryStore store;
    private final InvalidationBus bus;
    private final CircuitBreaker breaker;
    private final PendingInvalidations pending;
    private final CacheManager l1Manager;
    private final Configuration l1Configuration;
    private final Map<String, TieredRegion> regions = new ConcurrentHashMap<>();
    private final List<Runnable> recoveryTasks = new CopyOnWriteArrayList<>();
    private final List<Runnable> l1Clearers = new CopyOnWriteArrayList<>();
    private final RecentWrites recentWrites = new RecentWrites(System::nanoTime);
    private final ScheduledExecutorService scheduler;
    private volatile dev.tieredjpa.cache.EntityPolicies policies;
    private final java.time.Clock clock;
    private final FillWaiters fillWaiters = new FillWaiters();
    private final L1Statistics l1Statistics;
    private final RedisInfo redisInfo;
    /** Per write-behind entity's region, its queue's figures, read from Redis at most once a second. */
    private final Map<String, Memo<WriteBehindStats>> writeBehindStats = new ConcurrentHashMap<>();
    private final List<Consumer<String>> regionListeners = new CopyOnWriteArrayList<>();
    /** How often a write-behind queue's figures are read from Redis for {@link #stats()}. */
    private static final Duration WRITE_BEHIND_STATS_MAX_AGE = Duration.ofSeconds(1);

    public TieredRuntime(TieredCacheConfig config, RedissonClient redisson, boolean ownsRedisson) {
        this(config, redisson, ownsRedisson, java.time.Clock.systemUTC());
    }

    /**
     * @param clock the clock of values' logical expiry (early refresh, stale-if-error); a test may
     *              simulate time with it. Leases, locks and tombstones keep Redis's own clock.
     */
    public TieredRuntime(TieredCacheConfig config, RedissonClient redisson, boolean ownsRedisson, java.time.Clock clock) {
        this.config = config;
        this.clock = clock;
        this.redisson = redisson;
        this.ownsRedisson = ownsRedisson;
        this.nodeId = config.nodeName() + "/" + UUID.randomUUID().toString().substring(0, 8);
        this.store = new RedisEntryStore(redisson, config.keyPrefix(), config.tombstoneTtl(), config.leaseTtl(), config.lockTtl(),
                this::onL2Repair);
        this.breaker = new CircuitBreaker(config.breakerFailureThreshold(), config.breakerOpenDuration(), System::nanoTime);
        this.pending = new PendingInvalidations(config.pendingInvalidationsMax());
        this.bus = new InvalidationBus(redisson, config.keyPrefix() + "invalidations", nodeId,
                config.invalidationAckTimeout(), new BusListener());
        this.l1Configuration = loadEhcacheConfiguration(config.ehcacheConfig());
        EhcacheCachingProvider provider = (EhcacheCachingProvider) Caching.getCachingProvider(EhcacheCachingProvider.class.getName());
        // A URI of its own: JCache shares managers by URI, and two nodes in one JVM must not share an L1.
        this.l1Manager = provider.getCacheManager(URI.create("urn:tiered-cache:" + UUID.randomUUID()), l1Configuration);
        this.l1Statistics = L1Statistics.of(l1Manager);
        this.redisInfo = new RedisInfo(redisson, breaker);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "tiered-cache-recovery-" + config.nodeName());
            thread.setDaemon(true);
            return thread;
        });
        try {
            bus.start();
        } catch (RuntimeException e) {
            log.warn("Redis unreachable at start ({}): serving from L1 and the database until it answers", e.toString());
            breaker.open();
        }
        long probeMillis = Math.max(50, config.breakerOpenDuration().toMillis() / 4);
        scheduler.scheduleWithFixedDelay(this::recoverIfDue, probeMillis, probeMillis, TimeUnit.MILLISECONDS);
    }

    public TieredCacheConfig config() {
        return config;
    }

    public RedissonClient redisson() {
        return redisson;
    }

    public RedisEntryStore store() {
        return store;
    }

    public String nodeId() {
        return nodeId;
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    public PendingInvalidations pending() {
        return pending;
    }

    public java.time.Clock clock() {
        return clock;
    }

    FillWaiters fillWaiters() {
        return fillWaiters;
    }

    /** Tells every node that a load of this key landed in L2 (readers there wait for it); best effort. */
    void publishFilled(String region, String keyText) {
        fillWaiters.wake(region, keyText);
        l2("publishFilled", region, keyText, () -> {
            bus.publishAsync(Invalidation.filled(nodeId, region, keyText));
            return true;
        }, () -> false);
    }

    /** The invalidation channel and the message that announces a lock of this key (see {@link Invalidation.Kind#LOCKED}). */
    LockAnnouncement lockAnnouncement(String region, String keyText, long lowestLive) {
        return new LockAnnouncement(bus.channel(), Invalidation.locked(nodeId, region, keyText, lowestLive).encode());
    }

    /** What a lock script publishes, and where. */
    record LockAnnouncement(String channel, byte[] message) {
    }

    /** Sets the entity policies: regions made after this take their L1 size and TTLs from them. */
    public void usePolicies(dev.tieredjpa.cache.EntityPolicies policies) {
        this.policies = policies;
    }

    public dev.tieredjpa.cache.EntityPolicies policies() {
        return policies;
    }

    /** The region of this name, made on first use with this codec. */
    public TieredRegion region(String name, ValueCodec codec, boolean mutable) {
        return region(name, codec, mutable, dev.tieredjpa.cache.ReadPolicy.DEFAULT);
    }

    /** The region of this name, made on first use with this codec and read policy. */
    public TieredRegion region(String name, ValueCodec codec, boolean mutable, dev.tieredjpa.cache.ReadPolicy readPolicy) {
        return region(name, name, codec, mutable, config.l1MaxEntries(), config.l1Ttl(), config.l2Ttl(), readPolicy);
    }

    /**
     * The region of this name, made on first use with this codec and these sizes (an L1 region that the
     * Ehcache XML configures keeps the XML's size and TTL).
     */
    public TieredRegion region(String name, String l2Name, ValueCodec codec, boolean mutable, long l1MaxEntries,
                               Duration l1Ttl, Duration l2Ttl, dev.tieredjpa.cache.ReadPolicy readPolicy) {
        TieredRegion known = regions.get(name);
        if (known != null) {
            return known;
        }
        boolean[] made = {false};
        TieredRegion region = regions.computeIfAbsent(name, n -> {
            made[0] = true;
            return new TieredRegion(n, l2Name, this, newL1(n, mutable, l1MaxEntries, l1Ttl), codec, l2Ttl, readPolicy);
        });
        if (made[0]) {
            for (Consumer<String> listener : regionListeners) {
                try {
                    listener.accept(name);
                } catch (RuntimeException e) {
                    log.warn("A listener of new regions failed on region {}", name, e);
                }
            }
        }
        return region;
    }

    /** Calls {@code listener} with the name of every region made from now on (e.g. to bind its meters). */
    public void onNewRegion(Consumer<String> listener) {
        regionListeners.add(listener);
    }

    /**
     * This node's figures now: every region's, per tier, and Redis's. Cheap enough to call often: Redis's
     * memory and the write-behind queues are read from Redis at most once a second.
     */
    public CacheStats stats() {
        List<RegionSnapshot> snapshots = new ArrayList<>(regions.size());
        for (TieredRegion region : regions.values()) {
            Memo<WriteBehindStats> queue = writeBehindStats.get(region.name());
            snapshots.add(region.snapshot(l1Statistics, queue == null ? Optional.empty() : Optional.of(queue.get())));
        }
        return new CacheStats(config.nodeName(), Instant.now(), redisInfo.snapshot(), snapshots);
    }

    /**
     * Adds the figures of a write-behind entity's queue to the statistics of {@code region} (until
     * {@link #removeWriteBehindStats}); {@code stats} is asked at most once a second.
     */
    public void addWriteBehindStats(String region, Supplier<WriteBehindStats> stats) {
        writeBehindStats.put(region, new Memo<>(stats, WRITE_BEHIND_STATS_MAX_AGE));
    }

    public void removeWriteBehindStats(String region) {
        writeBehindStats.remove(region);
    }

    public Map<String, TieredRegion> regions() {
        return Map.copyOf(regions);
    }

    /** A plain L1 cache of this node (for data that is never shared through L2, like query results). */
    public Cache<Object, Object> l1Cache(String name) {
        return l1Cache(name, config.l1MaxEntries(), config.l1Ttl());
    }

    private Cache<Object, Object> l1Cache(String name, long maxEntries, Duration ttl) {
        Cache<Object, Object> cache = l1Manager.getCache(name);
        if (cache == null) {
            var ehcache = CacheConfigurationBuilder.newCacheConfigurationBuilder(Object.class, Object.class,
                            ResourcePoolsBuilder.heap(maxEntries))
                    .withExpiry(ExpiryPolicyBuilder.timeToLiveExpiration(ttl));
            cache = l1Manager.createCache(name, Eh107Configuration.fromEhcacheCacheConfiguration(ehcache));
        }
        return cache;
    }

    /** Runs {@code task} every {@code periodMillis} until the runtime closes (or the future is cancelled). */
    public java.util.concurrent.ScheduledFuture<?> schedule(Runnable task, long periodMillis) {
        return scheduler.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("A scheduled cache task failed; it runs again in {} ms", periodMillis, e);
            }
        }, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** Runs {@code task} whenever this node may have missed other nodes' changes (it must drop what it holds). */
    public void onL1MustClear(Runnable task) {
        l1Clearers.add(task);
    }

    /** Runs {@code task} when Redis answers again, before L2 is back on; it throws to say Redis failed it. */
    public void onRecovery(Runnable task) {
        recoveryTasks.add(task);
    }

    /** Runs one L2 call through the breaker; on failure (or while open) answers {@code fallback}. */
    public <T> T l2(String what, String region, Object key, Supplier<T> call, Supplier<T> fallback) {
        if (!breaker.allowsCalls()) {
            return fallback.get();
        }
        TieredRegion counted = regions.get(region);
        if (counted != null) {
            counted.stats().l2Calls.increment();
        }
        try {
            T result = call.get();
            breaker.recordSuccess();
            return result;
        } catch (RuntimeException e) {
            onL2Failure(what, region, key, e);
            return fallback.get();
        }
    }

    /** An entry script repaired an entry of the region stored as {@code l2Region}: that region counts it. */
    private void onL2Repair(String l2Region, String keyText) {
        for (TieredRegion region : regions.values()) {
            if (region.l2Name().equals(l2Region)) {
                region.onL2Repair(keyText);
                return;
            }
        }
        log.warn("Repaired the L2 entry of {} in {}, a region this node does not have", keyText, l2Region);
    }

    void onL2Failure(String what, String region, Object key, RuntimeException e) {
        TieredRegion failed = regions.get(region);
        if (failed != null) {
            failed.stats().l2Errors.increment();
        }
        if (isWrongType(e)) {
            // Redis answered: a key of another type stands where the library keeps one of its own (another client's
            // string at a write-behind stream's name). Not an outage, and the breaker, which would turn L2 off for
            // every region, cannot mend it: it stays as it is. The caller falls back as for any failure, and the
            // key is deleted by the next call that owns it (a write-behind queue's read).
            log.warn("Redis refused {} of {} in region {}: a key of another Redis type under the prefix ({}); the breaker stays closed",
                    what, key, region, e.getMessage());
            return;
        }
        // A refused or lost connection says Redis is gone: no point in failing a few more callers first.
        boolean opened = e instanceof org.redisson.client.RedisConnectionException ? breaker.open() : breaker.recordFailure();
        if (opened) {
            log.warn("Redis failed on {} of {} in region {}; L2 is off until Redis answers again (reads go to L1 and the database)",
                    what, key, region, e);
        } else {
            log.debug("Redis failed on {} of {} in region {}", what, key, region, e);
        }
    }

    private static boolean isWrongType(Throwable e) {
        int depth = 0;
        for (Throwable t = e; t != null && depth < 16; t = t.getCause(), depth++) {
            if (t.getMessage() != null && t.getMessage().contains("WRONGTYPE")) {
                return true;
            }
        }
        return false;
    }

    /** Publishes a change to every node; owes it when Redis cannot take it now. */
    void publish(Invalidation invalidation, String keyTextToOwe) {
        boolean sent = l2("publish", invalidation.region(), invalidation.keyText(), () -> {
            if (!bus.publish(invalidation)) {
                TieredRegion region = regions.get(invalidation.region());
                if (region != null) {
                    region.stats().invalidationAckTimeouts.increment();
                }
            }
            return true;
        }, () -> false);
        if (!sent) {
            if (invalidation.kind() == Invalidation.Kind.REGION) {
                pending.addRegion(invalidation.region());
            } else {
                // The message names the lowest live version; what is owed is the highest dead one.
                long deadUpTo = invalidation.version() < 0 ? -1 : invalidation.version() - 1;
                pending.add(invalidation.region(), keyTextToOwe, deadUpTo);
            }
        }
    }

    private void recoverIfDue() {
        if (breaker.allowsCalls()) {
            // A write that found the breaker open just before it closed owes its invalidation still: pay it now.
            if (!pending.isEmpty()) {
                payStragglers();
            }
            return;
        }
        if (!breaker.isProbeDue()) {
            return;
        }
        RedisHealth health = RedisHealth.check(redisson, Duration.ofMillis(500));
        if (!health.up()) {
            breaker.probeFailed();
            return;
        }
        PendingInvalidations.Snapshot owed = pending.drain();
        try {
            if (!bus.isStarted()) {
                bus.start();
            }
            replay(owed);
            recoveryTasks.forEach(Runnable::run);
            // Messages from other nodes may have been lost while we could not reach Redis.
            clearAllL1();
            breaker.close();
            // Writes that found the breaker open while we replayed owe theirs too; the next tick pays them.
            log.info("Redis answers again: replayed {} invalidation(s) and {} region clear(s), L1 cleared, L2 back on",
                    owed.keys().size(), owed.regions().size());
        } catch (RuntimeException e) {
            pending.restore(owed);
            breaker.probeFailed();
            log.debug("Redis answered a probe but the replay failed; staying on L1 and the database", e);
        }
    }

    /** Records a change this node wrote to L2, to re-assert it after a failover (see {@link RecentWrites}). */
    void recordWrite(String region, String keyText, long deadUpTo) {
        recentWrites.record(region, keyText, deadUpTo);
    }

    /** Owes again every change written in the recent window; the scheduler pays it within a tick. */
    private void reassertRecentWrites() {
        List<RecentWrites.Write> recent = recentWrites.withinWindow();
        recent.forEach(write -> pending.add(write.region(), write.keyText(), write.deadUpTo()));
        recentWrites.takeOverflowedRegions().forEach(pending::addRegion);
        if (!recent.isEmpty()) {
            log.info("Invalidation channel subscribed again: re-asserting {} change(s) written in the last {} s, "
                    + "in case a failover lost them", recent.size(), RecentWrites.WINDOW_NANOS / 1_000_000_000L);
        }
    }

    private void payStragglers() {
        PendingInvalidations.Snapshot owed = pending.drain();
        try {
            replay(owed);
        } catch (RuntimeException e) {
            pending.restore(owed);
            onL2Failure("replay", "*", owed.keys().size() + " keys", e);
        }
    }

    /** Pays what is owed: whole-region clears, then a tombstone and a message per key. */
    private void replay(PendingInvalidations.Snapshot owed) {
        for (String region : owed.regions()) {
            store.clearRegion(l2NameOf(region));
            bus.publish(Invalidation.region(nodeId, region));
            TieredRegion known = regions.get(region);
            if (known != null) {
                known.clearL1();
            }
        }
        for (Invalidation key : owed.keys()) {
            // An owed key carries the highest version it knows to be dead.
            long lowestLive = TieredRegion.lowestLive(key.version());
            store.invalidate(l2NameOf(key.region()), key.keyText(), key.version());
            bus.publish(Invalidation.key(nodeId, key.region(), key.keyText(), lowestLive));
            // This node may have read the dead value back from L2 since: drop it here too.
            TieredRegion known = regions.get(key.region());
            if (known != null) {
                known.dropL1(key.keyText(), lowestLive);
            }
        }
    }

    private String l2NameOf(String region) {
        TieredRegion known = regions.get(region);
        return known == null ? region : known.l2Name();
    }

    private void clearAllL1() {
        regions.values().forEach(TieredRegion::clearL1);
        l1Clearers.forEach(Runnable::run);
    }

    private L1Region newL1(String region, boolean mutable, long maxEntries, Duration ttl) {
        Cache<Object, Object> cache = l1Cache(region, maxEntries, ttl);
        long degradedTtl = mutable ? config.l1DegradedTtl().toNanos() : 0;
        return new L1Region(cache, System::nanoTime, () -> !breaker.allowsCalls(), degradedTtl);
    }

    private static Configuration loadEhcacheConfiguration(String location) {
        ClassLoader classLoader = TieredRuntime.class.getClassLoader();
        if (location == null) {
            return new DefaultConfiguration(classLoader);
        }
        URL url = classLoader.getResource(location.startsWith("classpath:") ? location.substring("classpath:".length()) : location);
        try {
            if (url == null && new File(location).isFile()) {
                url = new File(location).toURI().toURL();
            }
        } catch (java.net.MalformedURLException e) {
            url = null;
        }
        if (url == null) {
            throw new IllegalArgumentException(dev.tieredjpa.cache.TieredCacheSettings.EHCACHE_CONFIG
                    + " names no classpath resource or file: " + location);
        }
        return new XmlConfiguration(url, classLoader);
    }

    /** Hears other nodes' changes and hands each to its region. */
    private final class BusListener implements InvalidationBus.Listener {
        @Override
        public void onInvalidation(Invalidation invalidation) {
            if (invalidation.kind() == Invalidation.Kind.FILLED) {
                fillWaiters.wake(invalidation.region(), invalidation.keyText());
                return;
            }
            TieredRegion region = regions.get(invalidation.region());
            if (invalidation.kind() == Invalidation.Kind.LOCKED) {
                if (region != null) {
                    region.onLockedElsewhere(invalidation);
                }
                return;
            }
            if (region != null) {
                region.onRemoteInvalidation(invalidation);
            }
            // A change ends every load of the key under way: its waiters look again.
            if (invalidation.kind() == Invalidation.Kind.REGION) {
                fillWaiters.wakeRegion(invalidation.region());
            } else {
                fillWaiters.wake(invalidation.region(), invalidation.keyText());
            }
        }

        @Override
        public void onResubscribed() {
            // A failover may have promoted a replica that missed our latest writes: owe them again.
            reassertRecentWrites();
            clearAllL1();
            fillWaiters.wakeAll();
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        bus.close();
        l1Manager.close();
        if (ownsRedisson) {
            redisson.shutdown();
        }
    }
}
