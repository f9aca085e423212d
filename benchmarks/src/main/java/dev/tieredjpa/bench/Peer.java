package dev.tieredjpa.bench;

/**
 * The second-level caches compared, each in the configuration its project recommends. Every peer runs
 * the same entity ({@code Product}, read-write) over the same database.
 */
public enum Peer {
    /** Hibernate with the second-level cache off: every find is a query. */
    NO_CACHE("no cache", false, false),
    /** hibernate-jcache + Ehcache 3 as most services start: caches created through JCache, store-by-value. */
    EHCACHE_BY_VALUE("Ehcache (default)", true, false),
    /** hibernate-jcache + Ehcache 3 with an {@code ehcache.xml} that names the region: store-by-reference. */
    EHCACHE_BY_REFERENCE("Ehcache (by ref)", true, false),
    /** Redisson's OSS {@code RedissonRegionFactory}: every region a Redis map, nothing kept in the JVM. */
    REDISSON("Redisson RF", true, true),
    /** Ours: {@code TieredRegionFactory}, L1 Ehcache by reference, L2 Redis, invalidation between nodes. */
    TIERED("tiered (ours)", true, true);

    private final String label;
    private final boolean caches;
    private final boolean shared;

    Peer(String label, boolean caches, boolean shared) {
        this.label = label;
        this.caches = caches;
        this.shared = shared;
    }

    /** A short name for tables and charts. */
    public String label() {
        return label;
    }

    /** Whether it has a second-level cache at all. */
    public boolean caches() {
        return caches;
    }

    /** Whether its cache is shared by every node (through Redis) rather than one per JVM. */
    public boolean sharedAcrossNodes() {
        return shared;
    }

    /** Parses a name as the command line writes it: {@code no-cache}, {@code ehcache-by-value}, {@code tiered}... */
    public static Peer parse(String name) {
        return valueOf(name.trim().toUpperCase().replace('-', '_'));
    }
}
