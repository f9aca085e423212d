package dev.tieredjpa.cache.stats;

import java.time.Instant;

/**
 * What one node knows of its L2 Redis: whether it answers, the node's circuit breaker, and Redis's memory.
 *
 * <p>The memory figures are read with {@code INFO memory} and {@code INFO stats} (one script call, through
 * the node's Redis client), at most once a second; a snapshot shows the last figures read, taken at
 * {@code infoReadAt}. While the breaker is open Redis is not asked: {@code up} is false and the figures
 * are the last ones read. With Redis Cluster the figures are one master's, whichever the client sent the
 * call to. A figure never read is -1.
 *
 * @param up              whether the last look at Redis (at most a second ago) was answered, with the breaker closed
 * @param breaker         the node's circuit breaker: while OPEN, no L2 call is made
 * @param usedMemoryBytes Redis's {@code used_memory}
 * @param maxMemoryBytes  Redis's {@code maxmemory}; 0: no limit
 * @param evictedKeys     Redis's {@code evicted_keys}: keys removed to stay under {@code maxmemory}, since it started
 * @param infoReadAt      when these figures were read; null when Redis never answered
 */
public record RedisSnapshot(boolean up, BreakerState breaker, long usedMemoryBytes, long maxMemoryBytes, long evictedKeys,
                            Instant infoReadAt) {

    /** The circuit breaker in front of Redis. */
    public enum BreakerState {
        /** L2 calls are made. */
        CLOSED,
        /** Redis failed: no L2 call is made until a probe finds it back and the node has replayed what it owes. */
        OPEN
    }

    public RedisSnapshot {
        if (breaker == null) {
            throw new IllegalArgumentException("breaker must be given");
        }
    }

    /**
     * {@code usedMemoryBytes / maxMemoryBytes}: how full Redis is. {@code NaN} when Redis has no memory
     * limit or the figures are unknown.
     */
    public double memoryUsedFraction() {
        return maxMemoryBytes > 0 && usedMemoryBytes >= 0 ? (double) usedMemoryBytes / maxMemoryBytes : Double.NaN;
    }
}
