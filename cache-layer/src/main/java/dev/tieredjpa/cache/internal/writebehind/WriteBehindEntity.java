package dev.tieredjpa.cache.internal.writebehind;

import dev.tieredjpa.cache.EntityPolicy;
import dev.tieredjpa.cache.WriteBehindStats;
import dev.tieredjpa.cache.internal.core.TieredKey;
import dev.tieredjpa.cache.internal.core.TieredRegion;
import dev.tieredjpa.cache.internal.core.TieredRuntime;
import java.time.Duration;
import java.util.List;
import org.hibernate.engine.spi.SessionFactoryImplementor;

/** Everything write-behind needs for one entity on one node: its states, queue, database writer and flusher. */
public final class WriteBehindEntity<T> {

    private final TieredRuntime runtime;
    private final EntityPolicy policy;
    private final EntityStates<T> states;
    private final TieredRegion region;
    private final WriteBehindQueue queue;
    private final DatabaseWriter<T> writer;
    private final WriteBehindFlusher<T> flusher;

    public WriteBehindEntity(TieredRuntime runtime, SessionFactoryImplementor factory, Class<T> type, EntityPolicy policy) {
        this.runtime = runtime;
        this.policy = policy;
        this.states = new EntityStates<>(factory, type);
        this.region = runtime.regions().get(states.regionName());
        if (region == null) {
            throw new IllegalStateException("No tiered region " + states.regionName() + " for write-behind entity " + type.getName());
        }
        this.queue = new WriteBehindQueue(runtime.redisson(), runtime.config().keyPrefix(), region.name(), policy.entityName(),
                policy.l2Ttl(), runtime.config().tombstoneTtl());
        if (!queue.l2Region().equals(region.l2Name())) {
            throw new IllegalStateException("Region " + region.name() + " stores in " + region.l2Name()
                    + " but the write-behind queue of " + policy.entityName() + " expects " + queue.l2Region());
        }
        this.writer = new DatabaseWriter<>(factory, states, region, policy.batchSize());
        // A record unacknowledged this long belongs to a flusher that is gone (or stuck): take it over.
        Duration claimAfter = Duration.ofSeconds(5).plus(policy.writeBehindDelay().multipliedBy(4));
        this.flusher = new WriteBehindFlusher<>(queue, writer, policy, runtime.nodeId(), claimAfter,
                dead -> region.invalidate(new TieredKey(dead.keyText(), null), dead.version()));
    }

    public EntityPolicy policy() {
        return policy;
    }

    public EntityStates<T> states() {
        return states;
    }

    public TieredRegion region() {
        return region;
    }

    public WriteBehindQueue queue() {
        return queue;
    }

    /** Writes one record straight to the database (Redis unreachable); returns false if a newer version was there. */
    public boolean writeNow(WriteRecord record) {
        return writer.applyStrict(record);
    }

    /** Starts the flusher, and adds the queue's figures to the region's statistics. */
    public void start() {
        flusher.start();
        runtime.addWriteBehindStats(region.name(), this::stats);
    }

    public void stop(Duration timeout) {
        runtime.removeWriteBehindStats(region.name());
        flusher.stop(timeout);
    }

    /**
     * The queue's depth, lag and dead letters, read from Redis (-1, and no lag, while Redis is unreachable
     * or the breaker is open), and this node's counts: its flusher's work, the malformed records it moved to
     * the dead letters, the keys of another type it deleted at the streams' names.
     */
    public WriteBehindStats stats() {
        long depth = -1;
        Duration lag = Duration.ZERO;
        long dead = -1;
        if (runtime.breaker().allowsCalls()) {
            try {
                depth = queue.depth();
                lag = queue.lag().orElse(Duration.ZERO);
            } catch (RuntimeException redisUnreachable) {
                depth = -1;
                lag = Duration.ZERO;
            }
            try {
                // apart: a key of another type at the dead-letter stream's name must not hide the queue's figures
                dead = queue.deadLetterCount();
            } catch (RuntimeException unreadable) {
                dead = -1;
            }
        }
        return new WriteBehindStats(policy.entityName(), depth, lag, flusher.flushed(), flusher.batches(), flusher.retries(),
                dead, queue.malformed(), queue.foreignKeysRemoved());
    }
}
