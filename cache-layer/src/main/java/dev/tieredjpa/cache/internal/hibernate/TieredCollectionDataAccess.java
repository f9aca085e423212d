package dev.tieredjpa.cache.internal.hibernate;

import dev.tieredjpa.cache.internal.core.TieredRegion;
import org.hibernate.cache.spi.DomainDataRegion;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.cache.spi.access.CollectionDataAccess;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.collection.CollectionPersister;

/**
 * Collection access on the tiered cache. Collections carry no version: a change locks the key and, after
 * commit, leaves a tombstone; only a load under a lease taken after that can fill it again.
 */
final class TieredCollectionDataAccess extends TieredDataAccess implements CollectionDataAccess {

    TieredCollectionDataAccess(DomainDataRegion hibernateRegion, TieredRegion region, AccessType accessType) {
        super(hibernateRegion, region, accessType);
    }

    @Override
    public Object generateCacheKey(Object id, CollectionPersister persister, SessionFactoryImplementor factory, String tenant) {
        return TieredCacheKeysFactory.INSTANCE.createCollectionKey(id, persister, factory, tenant);
    }

    /**
     * Hibernate passes the owner's version; a collection's state is not fenced by it (the owner's version
     * does not change when only the collection does), so the fill goes in unversioned: under a lease only.
     */
    @Override
    public boolean putFromLoad(SharedSessionContractImplementor session, Object key, Object value, Object version) {
        return super.putFromLoad(session, key, value, null);
    }

    @Override
    public Object getCacheKeyId(Object cacheKey) {
        return TieredCacheKeysFactory.INSTANCE.getCollectionId(cacheKey);
    }
}
