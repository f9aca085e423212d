package dev.tieredjpa.repository;

import org.hibernate.stat.Statistics;

/**
 * The Hibernate counters that say which tier served a read: JDBC statements prepared (the database) and
 * second-level cache hits, misses and puts. Take one before a step and {@link #since} after it.
 */
record CacheCounts(long statements, long l2Hits, long l2Misses, long l2Puts) {

    /** What one read served by the second-level cache costs: one hit, no SQL. */
    static final CacheCounts L2_HIT = new CacheCounts(0, 1, 0, 0);
    /** What one read of an uncached entity costs: a miss, one SELECT, and a put of what it loaded. */
    static final CacheCounts DB_LOAD = new CacheCounts(1, 0, 1, 1);

    static CacheCounts of(Statistics statistics) {
        return new CacheCounts(statistics.getPrepareStatementCount(), statistics.getSecondLevelCacheHitCount(),
                statistics.getSecondLevelCacheMissCount(), statistics.getSecondLevelCachePutCount());
    }

    /** The counts now, less {@code earlier}. */
    CacheCounts since(CacheCounts earlier) {
        return new CacheCounts(statements - earlier.statements, l2Hits - earlier.l2Hits,
                l2Misses - earlier.l2Misses, l2Puts - earlier.l2Puts);
    }
}
