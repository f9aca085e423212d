package dev.tieredjpa.cache.internal.writebehind;

import dev.tieredjpa.cache.EntityPolicy;
import dev.tieredjpa.cache.WriteBehindDurability;
import dev.tieredjpa.cache.WriteBehindStats;
import dev.tieredjpa.cache.internal.core.TieredKey;
import dev.tieredjpa.cache.internal.core.TieredRegion;
import dev.tieredjpa.cache.internal.core.TieredRuntime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Everything write-behind needs for one entity on one node: its states, queue, database writer and flusher. */
public final class WriteBehindEntity<T> {

    private static final Logger log = LoggerFactory.getLogger(WriteBehindEntity.class);
    /** After a replica wait went unanswered, writes skip the wait (and are flushed at once) for this long. */
    private static final long NO_REPLICA_MEMORY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final TieredRuntime runtime;
    private final EntityPolicy policy;
    private final EntityStates<T> states;
    private final TieredRegion region;
    private final WriteBehindQueue queue;
    private final DatabaseWriter<T> writer;
    private final WriteBehindFlusher<T> flusher;
    private final LongAdder writtenThrough = new LongAdder();
    /** When a replica wait last went unanswered (System.nanoTime); long ago at first. */
    private volatile long lastUnansweredWait = System.nanoTime() - 2 * NO_REPLICA_MEMORY_NANOS;

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

    /**
     * Queues a write (see {@link WriteBehindQueue#enqueue}). Under {@link WriteBehindDurability#REPLICA} it
     * also asks one replica to confirm it, unless a wait went unanswered in the last second: then there is
     * no replica to wait for, and the caller flushes the write at once ({@link #acknowledgeable}).
     */
    public EnqueueResult enqueue(String keyText, long version, byte[] data) {
        boolean askReplica = policy.writeBehindDurability() == WriteBehindDurability.REPLICA
                && System.nanoTime() - lastUnansweredWait > NO_REPLICA_MEMORY_NANOS;
        EnqueueResult result = queue.enqueue(keyText, version, data, policy.maxQueueLength(), askReplica ? 1 : 0,
                runtime.config().writeBehindReplicaWait());
        if (askReplica && result.stored() && result.replicas() < 1) {
            lastUnansweredWait = System.nanoTime();
        }
        return result;
    }

    /** Whether a stored write may be acknowledged as it is: its durability asks only for memory, or a replica confirmed it. */
    public boolean acknowledgeable(EnqueueResult stored) {
        return policy.writeBehindDurability() == WriteBehindDurability.MEMORY || stored.replicas() >= 1;
    }

    /**
     * Writes a queued record to the database now, before its write returns, and acknowledges it in the
     * queue. A database that already holds its version or a newer one means a flusher got there first,
     * which is as good. The acknowledgement is best effort: a record left in the queue is flushed again by
     * a flusher, and the version guard makes that a no-op.
     */
    public void flushNow(WriteRecord queued) {
        try {
            writer.applyStrict(queued);
        } catch (RuntimeException raced) {
            // A flusher may have read the same record and written it in the same moment: the guarded upsert
            // then finds the row already there. Once more: it answers false (already there) or fails again.
            log.debug("Writing {} through failed once ({}); trying again", queued, raced.getMessage());
            writer.applyStrict(queued);
        }
        writtenThrough.increment();
        try {
            queue.acknowledge(List.of(queued));
        } catch (RuntimeException redisFailed) {
            log.debug("Could not acknowledge {} after writing it through; a flusher will", queued, redisFailed);
        }
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
                dead, queue.malformed(), queue.foreignKeysRemoved(), writtenThrough.sum());
    }
}
