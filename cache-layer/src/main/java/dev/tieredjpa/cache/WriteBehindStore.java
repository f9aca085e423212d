package dev.tieredjpa.cache;

import dev.tieredjpa.cache.internal.core.LeaseHolder;
import dev.tieredjpa.cache.internal.core.PendingDelete;
import dev.tieredjpa.cache.internal.core.TieredKey;
import dev.tieredjpa.cache.internal.writebehind.EnqueueResult;
import dev.tieredjpa.cache.internal.writebehind.WriteBehindEntity;
import dev.tieredjpa.cache.internal.writebehind.WriteRecord;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.OptimisticLockException;
import java.util.Objects;
import java.util.Optional;
import org.hibernate.cache.spi.entry.CacheEntry;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

/**
 * Reads and writes of one {@link WritePolicy#WRITE_BEHIND} entity. A write puts the entity's new state in
 * L2 — pinned until it is in the database — together with a durable change record, in one atomic step,
 * and returns; a flusher writes it to the database later. Every node reads the pending state.
 *
 * <p>Read write-behind entities through {@link #find}: a pending delete answers "absent" here, while a
 * plain {@code em.find} would go to the database, which still has the row until the flush.
 *
 * <p>While Redis is unreachable a write goes straight to the database, in a transaction of its own.
 */
public final class WriteBehindStore<T> {

    private final EntityManagerFactory emf;
    private final WriteBehindEntity<T> entity;

    private WriteBehindStore(EntityManagerFactory emf, WriteBehindEntity<T> entity) {
        this.emf = emf;
        this.entity = entity;
    }

    /** The store of a write-behind entity of this unit (which must use the {@link TieredRegionFactory}). */
    public static <T> WriteBehindStore<T> of(EntityManagerFactory emf, Class<T> type) {
        var regionFactory = emf.unwrap(SessionFactoryImplementor.class).getCache().getRegionFactory();
        if (!(regionFactory instanceof TieredRegionFactory tiered)) {
            throw new IllegalArgumentException("Write-behind needs " + TieredRegionFactory.class.getName()
                    + " as hibernate.cache.region.factory_class");
        }
        return new WriteBehindStore<>(emf, tiered.writeBehind(type));
    }

    /** The entity's current state: its pending write if there is one, else the cached or stored one. */
    public Optional<T> find(Object id) {
        Objects.requireNonNull(id, "id");
        TieredKey key = entity.states().key(id, null);
        if (entity.region().peek(key, LeaseHolder.NONE) instanceof PendingDelete) {
            return Optional.empty();
        }
        EntityManager em = emf.createEntityManager();
        try {
            return Optional.ofNullable(em.find(entity.states().type(), id));
        } finally {
            em.close();
        }
    }

    /**
     * Writes a new entity at its initial version (as constructed, normally 0) and returns it.
     *
     * @throws OptimisticLockException      when an entity with this id exists
     * @throws WriteBehindRejectedException when the queue is full
     */
    public T insert(T value) {
        Objects.requireNonNull(value, "entity");
        Object id = entity.states().id(value);
        write(entity.states().key(id, null), cacheEntry(value), entity.states().version(value));
        return value;
    }

    /**
     * Writes a change of the entity as last read (its version says which state it changes) and returns it
     * at its new version.
     *
     * @throws OptimisticLockException      when another write of the entity got there first
     * @throws WriteBehindRejectedException when the queue is full
     */
    public T save(T value) {
        Objects.requireNonNull(value, "entity");
        long previous = entity.states().version(value);
        long next = previous + 1;
        entity.states().setVersion(value, next);
        try {
            Object id = entity.states().id(value);
            TieredKey key = entity.states().key(id, null);
            CacheEntry entry = cacheEntry(value);
            write(key, entry, next);
            return value;
        } catch (RuntimeException e) {
            entity.states().setVersion(value, previous);
            throw e;
        }
    }

    /** Deletes the entity with this id, if there is one; returns whether there was. */
    public boolean delete(Object id) {
        Optional<T> current = find(id);
        if (current.isEmpty()) {
            return false;
        }
        write(entity.states().key(id, null), null, entity.states().version(current.get()) + 1);
        return true;
    }

    /** The queue's depth and lag, and this node's flusher's work. */
    public WriteBehindStats stats() {
        return entity.stats();
    }

    private void write(TieredKey key, CacheEntry entry, long version) {
        var policy = entity.policy();
        EnqueueResult result = entity.region().writeBehind(key, entry, version,
                bytes -> entity.enqueue(key.text(), version, bytes), EnqueueResult::stored);
        if (result == null) {
            writeThrough(key, entry, version);
        } else if (result.stored() && !entity.acknowledgeable(result)) {
            flushNow(key, entry, version, result.streamId());
        } else if (result.queueFull()) {
            throw new WriteBehindRejectedException("The write-behind queue of " + policy.entityName() + " holds "
                    + policy.maxQueueLength() + " records (tiered-cache.entity." + policy.entityName()
                    + ".max-queue-length): the database is behind; try again shortly", policy.writeBehindDelay().multipliedBy(4));
        } else if (!result.stored()) {
            throw new OptimisticLockException(key + ": another write of version " + version + " or newer got there first");
        }
    }

    /**
     * No replica confirmed the queued write: write it to the database before returning, so that a Redis
     * that loses its memory loses nothing acknowledged. If the database refuses, the write is not
     * acknowledged; it stays queued, and the flusher may still land it.
     */
    private void flushNow(TieredKey key, CacheEntry entry, long version, String streamId) {
        byte[] data = entry == null ? null : entity.region().encodeValue(entry);
        try {
            entity.flushNow(new WriteRecord(streamId, key.text(), version, entry == null, data, System.currentTimeMillis()));
        } catch (RuntimeException databaseFailed) {
            var policy = entity.policy();
            WriteBehindRejectedException rejected = new WriteBehindRejectedException("No Redis replica confirmed the write of " + key + " and the database "
                    + "refused it (" + databaseFailed.getMessage() + "): it is not acknowledged. It stays queued, and may "
                    + "still be written by the flusher", policy.writeBehindDelay().multipliedBy(4));
            rejected.initCause(databaseFailed);
            throw rejected;
        }
    }

    /** Redis is unreachable: write to the database now, and owe the cache an invalidation. */
    private void writeThrough(TieredKey key, CacheEntry entry, long version) {
        byte[] data = entry == null ? null : entity.region().encodeValue(entry);
        if (!entity.writeNow(new WriteRecord(null, key.text(), version, entry == null, data, System.currentTimeMillis()))) {
            throw new OptimisticLockException(key + ": the database already holds version " + version + " or newer");
        }
        entity.region().invalidate(key, version - 1);
    }

    private CacheEntry cacheEntry(T value) {
        EntityManager em = emf.createEntityManager();
        try {
            return entity.states().toCacheEntry(value, em.unwrap(SharedSessionContractImplementor.class));
        } finally {
            em.close();
        }
    }
}
