package dev.tieredjpa.cache.stats;

/**
 * The names and tags of the meters {@link TieredCacheMetrics} registers, in one place because dashboards
 * and alerts type them. Dotted, as Micrometer names are; a registry renders them in its own style
 * (Prometheus: {@code tiered_cache_hits_total}). Every meter is tagged {@value #TAG_NODE}; region meters
 * also {@value #TAG_REGION}. What each figure counts is told in {@link RegionSnapshot} and {@link RedisSnapshot}.
 */
public final class MeterNames {

    private MeterNames() {
    }

    /** The node's name ({@code tiered-cache.node-name}). */
    public static final String TAG_NODE = "node";
    /** The region's (or direct-face cache's) name. */
    public static final String TAG_REGION = "region";
    /** {@value #TIER_L1}, {@value #TIER_L2} or {@value #TIER_DB}. */
    public static final String TAG_TIER = "tier";
    /** {@value #DIRECTION_SENT} or {@value #DIRECTION_RECEIVED}. */
    public static final String TAG_DIRECTION = "direction";
    /** A percentile gauge's quantile: {@code 0.5}, {@code 0.95} or {@code 0.99}. */
    public static final String TAG_QUANTILE = "quantile";
    /** The breaker state a state gauge stands for: {@code closed} or {@code open}. */
    public static final String TAG_STATE = "state";
    /** The write-behind entity's name. */
    public static final String TAG_ENTITY = "entity";

    public static final String TIER_L1 = "l1";
    public static final String TIER_L2 = "l2";
    public static final String TIER_DB = "db";
    public static final String DIRECTION_SENT = "sent";
    public static final String DIRECTION_RECEIVED = "received";

    /** Function counter: reads of the region (L1 requests). */
    public static final String REQUESTS = "tiered.cache.requests";
    /** Function counter, by tier l1 | l2: reads the tier answered. */
    public static final String HITS = "tiered.cache.hits";
    /** Function counter, by tier l1 | l2: reads the tier did not answer. */
    public static final String MISSES = "tiered.cache.misses";
    /** Function counter, by tier l1 | l2: values stored in the tier. */
    public static final String PUTS = "tiered.cache.puts";
    /** Function counter, tier l1: entries Ehcache evicted to stay within its size. */
    public static final String EVICTIONS = "tiered.cache.evictions";
    /** Function counter, tier l2: Redis calls that failed. */
    public static final String ERRORS = "tiered.cache.errors";
    /** Function counter: values loaded from the database, and "no such row" answers. */
    public static final String DB_LOADS = "tiered.cache.db.loads";
    /**
     * Function timer, by tier l1 | l2 | db: L1 hits (sampled, one in 64), L2 round trips of reads, database
     * loads (lease to put). Its count and total time.
     */
    public static final String LATENCY = "tiered.cache.latency";
    /** Time gauge, by tier and quantile: percentiles of {@link #LATENCY} since the node started. */
    public static final String LATENCY_PERCENTILE = "tiered.cache.latency.percentile";
    /** Function counter, by direction sent | received: invalidations published and heard. */
    public static final String INVALIDATIONS = "tiered.cache.invalidations";
    /** Function counter: invalidations some node did not confirm within the ack timeout. */
    public static final String INVALIDATION_ACK_TIMEOUTS = "tiered.cache.invalidation.ack.timeouts";
    /** Function timer: from another node's publish to this node's hearing it, by the two wall clocks. */
    public static final String INVALIDATION_DELAY = "tiered.cache.invalidation.delay";
    /** Time gauge, by quantile: percentiles of {@link #INVALIDATION_DELAY} since the node started. */
    public static final String INVALIDATION_DELAY_PERCENTILE = "tiered.cache.invalidation.delay.percentile";
    /** Function counter: loads that waited for another node's lease. */
    public static final String LEASE_WAITS = "tiered.cache.lease.waits";
    /** Function counter: L2 values that could not be decoded. */
    public static final String DECODE_FAILURES = "tiered.cache.decode.failures";
    /**
     * Function counter, tier l2: entries found holding what the library does not write (a key of another
     * Redis type, fields not of its form) and repaired by the script that found them.
     */
    public static final String REPAIRS = "tiered.cache.repairs";
    /** Gauge, tier l1: entries held. */
    public static final String ENTRIES = "tiered.cache.entries";
    /** Gauge, tier l1, bytes: the estimated heap the entries take. */
    public static final String HEAP_ESTIMATED = "tiered.cache.heap.estimated";

    /** Gauge: 1 while the node's last look at Redis was answered and its breaker is closed, else 0. */
    public static final String REDIS_UP = "tiered.cache.redis.up";
    /** Gauge, by state closed | open: 1 for the breaker's current state, 0 for the other. */
    public static final String BREAKER_STATE = "tiered.cache.redis.breaker.state";
    /** Gauge, bytes: Redis's {@code used_memory}. */
    public static final String REDIS_MEMORY_USED = "tiered.cache.redis.memory.used";
    /** Gauge, bytes: Redis's {@code maxmemory} (0: no limit). */
    public static final String REDIS_MEMORY_MAX = "tiered.cache.redis.memory.max";
    /** Function counter: Redis's {@code evicted_keys}. */
    public static final String REDIS_EVICTED_KEYS = "tiered.cache.redis.evicted.keys";

    /** Gauge, by region and entity: change records waiting in the write-behind queue. */
    public static final String WRITE_BEHIND_QUEUE_DEPTH = "tiered.cache.writebehind.queue.depth";
    /** Time gauge: the age of the oldest record in the queue (0 when empty). */
    public static final String WRITE_BEHIND_LAG = "tiered.cache.writebehind.lag";
    /** Function counter: records this node's flusher wrote to the database. */
    public static final String WRITE_BEHIND_FLUSHED = "tiered.cache.writebehind.flushed";
    /** Gauge: records in the dead-letter stream. */
    public static final String WRITE_BEHIND_DEAD_LETTERS = "tiered.cache.writebehind.dead.letters";
    /**
     * Function counter: records this node's flusher found malformed (fields missing or not of the library's
     * form, data that does not decode, a key that names no entity) and moved to the dead-letter stream at once.
     */
    public static final String WRITE_BEHIND_MALFORMED = "tiered.cache.writebehind.malformed";
    /**
     * Function counter: keys of another Redis type (a string, a hash...) that this node found at the stream's or
     * the dead-letter stream's name, and deleted.
     */
    public static final String WRITE_BEHIND_FOREIGN_KEYS = "tiered.cache.writebehind.foreign.keys";
    /** Function counter: this node's writes written to the database before they returned, no replica having confirmed them. */
    public static final String WRITE_BEHIND_WRITTEN_THROUGH = "tiered.cache.writebehind.written.through";
}
