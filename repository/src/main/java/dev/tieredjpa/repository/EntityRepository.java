package dev.tieredjpa.repository;

import dev.tieredjpa.cache.TieredEntities;
import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * What every repository does the same way: find by id (through the second-level cache), find many by
 * ids in the caller's order, and update or delete in a transaction of its own.
 *
 * @param <T> the entity
 * @param <I> its id
 */
public abstract class EntityRepository<T, I> {

    private final Class<T> type;
    private final ToLongFunction<T> versionOf;
    private final Transactions.ConstraintFields constraintFields;
    final Transactions transactions;

    EntityRepository(Transactions transactions, Class<T> type, ToLongFunction<T> versionOf,
                     Transactions.ConstraintFields constraintFields) {
        this.transactions = transactions;
        this.type = type;
        this.versionOf = versionOf;
        this.constraintFields = constraintFields;
    }

    /** The entity with this id, if there is one. */
    public Optional<T> findById(I id) {
        Objects.requireNonNull(id, "id");
        return transactions.read(em -> Optional.ofNullable(em.find(type, id)));
    }

    /**
     * The entities with these ids that exist, in the order of {@code ids} (a repeated id is repeated):
     * one L2 round trip for all L1 misses, and {@code ceil(misses / 100)} database queries for the rest.
     */
    public List<T> findAllById(List<I> ids) {
        Objects.requireNonNull(ids, "ids");
        if (ids.isEmpty()) {
            return List.of();
        }
        // L1, then every L1 miss from L2 in one round trip, then the rest from the database in chunks.
        return transactions.read(em -> TieredEntities.findAll(em, type, ids));
    }

    /**
     * Applies {@code change} to the entity with this id and commits. When {@code expectedVersion} is
     * given, the entity must still be at that version; either way a concurrent writer that commits first
     * makes this update fail rather than overwrite it.
     *
     * @return the updated entity, or empty when there is none with this id
     * @throws StaleVersionException when the entity has moved past {@code expectedVersion}
     * @throws ConstraintRejectedException when the change breaks a unique or reference constraint
     */
    public Optional<T> update(I id, OptionalLong expectedVersion, Consumer<? super T> change) {
        Objects.requireNonNull(id, "id");
        try {
            return applyUpdate(id, expectedVersion, change);
        } catch (StaleVersionException concurrent) {
            if (concurrent.id() != null) {
                throw concurrent;
            }
            // A writer committed between our read and our UPDATE: name what the caller asked for.
            throw new StaleVersionException(type.getSimpleName(), id,
                    expectedVersion.isPresent() ? expectedVersion.getAsLong() : null, null, concurrent.getCause());
        }
    }

    private Optional<T> applyUpdate(I id, OptionalLong expectedVersion, Consumer<? super T> change) {
        return inTransaction(em -> {
            T entity = em.find(type, id);
            if (entity == null) {
                return Optional.empty();
            }
            long current = versionOf.applyAsLong(entity);
            if (expectedVersion.isPresent() && expectedVersion.getAsLong() != current) {
                throw new StaleVersionException(type.getSimpleName(), id, expectedVersion.getAsLong(), current, null);
            }
            change.accept(entity);
            em.flush();
            return Optional.of(entity);
        });
    }

    /** Deletes the entity with this id; false when there was none. */
    public boolean delete(I id) {
        Objects.requireNonNull(id, "id");
        return inTransaction(em -> {
            T entity = em.find(type, id);
            if (entity == null) {
                return false;
            }
            beforeDelete(em, entity);
            em.remove(entity);
            return true;
        });
    }

    /** Stores a new entity and returns it with its id and first version. */
    T insert(T entity) {
        return inTransaction(em -> {
            em.persist(entity);
            em.flush();
            return entity;
        });
    }

    /** A hook for what must go before the entity in the same transaction (rows that depend on it). */
    void beforeDelete(EntityManager em, T entity) {
    }

    <R> R inTransaction(java.util.function.Function<EntityManager, R> work) {
        return transactions.inTransaction(work, constraintFields);
    }
}
