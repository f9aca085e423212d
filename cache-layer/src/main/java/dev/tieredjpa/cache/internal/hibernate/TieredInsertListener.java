package dev.tieredjpa.cache.internal.hibernate;

import dev.tieredjpa.cache.internal.core.TieredKey;
import org.hibernate.event.spi.PostCommitInsertEventListener;
import org.hibernate.event.spi.PostInsertEvent;
import org.hibernate.persister.entity.EntityPersister;

/**
 * After an insert commits, ends the negative cache's "no such row" for the new row's key. Hibernate puts
 * a new row into the cache only for inserts whose id is known before the SQL; an identity-generated row
 * is never put, so without this a lookup of its id made before the insert would answer "not found" until
 * the negative TTL ran out.
 */
public final class TieredInsertListener implements PostCommitInsertEventListener {

    @Override
    public void onPostInsert(PostInsertEvent event) {
        EntityPersister persister = event.getPersister();
        if (persister.getCacheAccessStrategy() instanceof TieredEntityDataAccess access
                && access.tieredRegion().readPolicy().cachesAbsence()) {
            TieredKey key = (TieredKey) access.generateCacheKey(event.getId(), persister, event.getFactory(),
                    event.getSession().getTenantIdentifier());
            access.tieredRegion().inserted(key);
        }
    }

    @Override
    public void onPostInsertCommitFailed(PostInsertEvent event) {
    }

    @Override
    public boolean requiresPostCommitHandling(EntityPersister persister) {
        return persister.getCacheAccessStrategy() instanceof TieredEntityDataAccess access
                && access.tieredRegion().readPolicy().cachesAbsence();
    }
}
