package dev.tieredjpa.cache.internal.hibernate;

import dev.tieredjpa.cache.TieredRegionFactory;
import dev.tieredjpa.cache.internal.core.TieredKey;
import dev.tieredjpa.cache.internal.core.TieredRegion;
import jakarta.persistence.EntityManagerFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import jakarta.persistence.CacheRetrieveMode;
import jakarta.persistence.CacheStoreMode;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SessionImplementor;
import org.hibernate.persister.entity.EntityPersister;

/**
 * Refresh-ahead of named hot entities: a task on the node's scheduler reloads each one when less than the
 * window of its L2 life is left, under its lease (so only one node reloads it): a {@code find} that bypasses
 * the cache for its read and refreshes it with what the database answers.
 */
public final class EntityRefresher {

    private EntityRefresher() {
    }

    public static ScheduledFuture<?> start(EntityManagerFactory emf, Class<?> type, Collection<?> ids, Duration window) {
        SessionFactoryImplementor factory = emf.unwrap(SessionFactoryImplementor.class);
        if (!(factory.getCache().getRegionFactory() instanceof TieredRegionFactory tiered)) {
            throw new IllegalArgumentException("The persistence unit does not use " + TieredRegionFactory.class.getName());
        }
        EntityPersister persister = factory.getMappingMetamodel().getEntityDescriptor(type);
        if (!(persister.getCacheAccessStrategy() instanceof TieredEntityDataAccess)) {
            throw new IllegalArgumentException(type.getName() + " is not cached (it has no @Cache / @Cacheable)");
        }
        List<?> hot = List.copyOf(ids);
        long periodMillis = Math.max(10, Math.min(window.toMillis() / 4, 1_000));
        return tiered.runtime().schedule(() -> hot.forEach(id -> refreshIfDue(factory, persister, id, window)), periodMillis);
    }

    private static void refreshIfDue(SessionFactoryImplementor factory, EntityPersister persister, Object id, Duration window) {
        TieredEntityDataAccess access = (TieredEntityDataAccess) persister.getCacheAccessStrategy();
        TieredRegion region = access.tieredRegion();
        try (SessionImplementor session = (SessionImplementor) factory.openSession()) {
            TieredTransaction transaction = TieredTransaction.of(session);
            TieredKey key = (TieredKey) access.generateCacheKey(id, persister, factory, session.getTenantIdentifier());
            if (!region.refreshAheadIfDue(key, window, transaction)) {
                return;
            }
            try {
                // Read the database, never the cache; put what it answers (under the lease just taken).
                Object entity = session.find(persister.getMappedClass(), id, CacheRetrieveMode.BYPASS, CacheStoreMode.REFRESH);
                if (entity == null) {
                    region.putAbsent(key, transaction);
                }
            } finally {
                region.abandon(key, transaction);
            }
        }
    }
}
