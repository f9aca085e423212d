package dev.tieredjpa.cache;

/**
 * The names of every setting of the tiered cache, in one place because users type them. Each is read
 * from the Hibernate / JPA properties (or, for the direct face, from {@link TieredCacheConfig}); each
 * documents its default here and nowhere else.
 *
 * <p>To turn the tiered cache on in a JPA service:
 * <pre>
 * hibernate.cache.region.factory_class = dev.tieredjpa.cache.TieredRegionFactory
 * tiered-cache.redis.url               = redis://127.0.0.1:6379      (or tiered-cache.redis.config-file)
 * tiered-cache.key-prefix              = orders-service:
 * </pre>
 */
public final class TieredCacheSettings {

    /** The prefix of every setting. */
    public static final String PREFIX = "tiered-cache.";

    /** A single Redis server's URL, {@code redis://host:port} or {@code rediss://}. One of this or {@link #REDIS_CONFIG_FILE} is required. */
    public static final String REDIS_URL = PREFIX + "redis.url";

    /** A Redisson YAML config file (single, Sentinel or Cluster servers); wins over {@link #REDIS_URL}. */
    public static final String REDIS_CONFIG_FILE = PREFIX + "redis.config-file";

    /**
     * The prefix of every Redis key and channel the cache writes, so that services sharing one Redis never
     * read each other's data. Default: {@code tiered-cache:}.
     */
    public static final String KEY_PREFIX = PREFIX + "key-prefix";

    /**
     * An Ehcache 3 XML file (classpath resource or file path) that configures L1 regions by name; a
     * region it does not name gets {@link #L1_MAX_ENTRIES} and {@link #L1_TTL}. Default: none.
     */
    public static final String EHCACHE_CONFIG = PREFIX + "l1.ehcache-config";

    /** L1 entries per region when the Ehcache file does not size it. Default: 10000. */
    public static final String L1_MAX_ENTRIES = PREFIX + "l1.max-entries";

    /** L1 time to live when the Ehcache file does not set one. Default: 10m. */
    public static final String L1_TTL = PREFIX + "l1.ttl";

    /**
     * How long an L1 entry of a read-write region may be served while Redis is unreachable (and so no
     * invalidation can arrive from other nodes). Default: 2s.
     */
    public static final String L1_DEGRADED_TTL = PREFIX + "l1.degraded-ttl";

    /** L2 (Redis) time to live of a cached value. Default: 1h. */
    public static final String L2_TTL = PREFIX + "l2.ttl";

    /** How long an invalidation's tombstone refuses late puts of older versions. Default: 60s. */
    public static final String TOMBSTONE_TTL = PREFIX + "l2.tombstone-ttl";

    /** How long a loader's lease (its right to fill a missing key) lasts. Default: 10s. */
    public static final String LEASE_TTL = PREFIX + "l2.lease-ttl";

    /**
     * How long, at most, a reader waits for another node's load of the same key (woken when it lands)
     * before it loads the key itself. A holder that died is taken over as soon as its lease ends.
     * Default: the lease TTL plus 1s.
     */
    public static final String LEASE_WAIT = PREFIX + "l2.lease-wait";

    /**
     * A {@link java.time.Clock} object (not text) for values' logical expiry: early refresh and
     * stale-if-error read it. For tests that simulate time. Default: the system clock.
     */
    public static final String CLOCK = PREFIX + "clock";

    /**
     * How long a writer's lock on a key lasts if the writer never releases it (it died, or Redis went
     * away between commit and release); after it the key reads as a miss. Default: 30s.
     */
    public static final String LOCK_TTL = PREFIX + "l2.lock-ttl";

    /** Consecutive Redis failures that open the circuit breaker. Default: 3. */
    public static final String BREAKER_FAILURE_THRESHOLD = PREFIX + "breaker.failure-threshold";

    /** How long the breaker stays open before it probes Redis again. Default: 1s. */
    public static final String BREAKER_OPEN_DURATION = PREFIX + "breaker.open-duration";

    /** Invalidations kept in memory while Redis is unreachable, to replay later; past this the regions are cleared instead. Default: 10000. */
    public static final String PENDING_INVALIDATIONS_MAX = PREFIX + "pending-invalidations.max";

    /**
     * How far ahead of this node's clock a table's update timestamp is set, so that a query result that
     * another node computed just before the update, on a clock slightly ahead, is still seen as stale.
     * Default: 100ms.
     */
    public static final String QUERY_CLOCK_SKEW_ALLOWANCE = PREFIX + "query.clock-skew-allowance";

    /**
     * How long a write waits, after its commit, for every other node to confirm that it has dropped the
     * old value from its L1. Until the confirmations are in, the write does not return; so once it has
     * returned, no node serves the old value from L1. A node that does not confirm in time (stalled, or
     * cut off from Redis) may serve it until the message reaches it; that is counted
     * ({@code invalidations.ackTimeouts}). {@code 0} sends without waiting. Default: 100ms.
     */
    public static final String INVALIDATION_ACK_TIMEOUT = PREFIX + "invalidation.ack-timeout";

    /**
     * How long a write-behind write of an entity with {@link WriteBehindDurability#REPLICA} durability waits
     * for a Redis replica to confirm it ({@code WAIT}). Past it, the write is written to the database before
     * it returns. After a wait that no replica answered, the entity's writes go to the database at once,
     * without waiting, for a second. Default: 100ms.
     */
    public static final String WRITE_BEHIND_REPLICA_WAIT = PREFIX + "write-behind.replica-wait";

    /** A name for this node in logs and messages. Default: a random id. */
    public static final String NODE_NAME = PREFIX + "node-name";

    private TieredCacheSettings() {
    }
}
