package dev.tieredjpa.cache.internal.hibernate;

import dev.tieredjpa.cache.internal.core.TieredKey;
import dev.tieredjpa.cache.internal.core.TieredRegion;
import org.hibernate.cache.spi.DomainDataRegion;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.cache.spi.access.EntityDataAccess;
import org.hibernate.cache.spi.access.SoftLock;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;

/** Entity access on the tiered cache; see {@link TieredDataAccess} for the protocol. */
final class TieredEntityDataAccess extends TieredDataAccess implements EntityDataAccess {

    TieredEntityDataAccess(DomainDataRegion hibernateRegion, TieredRegion region, AccessType accessType) {
        super(hibernateRegion, region, accessType);
    }

    @Override
    public Object generateCacheKey(Object id, EntityPersister persister, SessionFactoryImplementor factory, String tenant) {
        return TieredCacheKeysFactory.INSTANCE.createEntityKey(id, persister, factory, tenant);
    }

    @Override
    public Object getCacheKeyId(Object cacheKey) {
        return TieredCacheKeysFactory.INSTANCE.getEntityId(cacheKey);
    }

    @Override
    public boolean insert(SharedSessionContractImplementor session, Object key, Object value, Object version) {
        return false;
    }

    @Override
    public boolean afterInsert(SharedSessionContractImplementor session, Object key, Object value, Object version) {
        if (TieredTransaction.bypassed(session)) {
            return false;
        }
        return afterInsert((TieredKey) key, value, Versions.of(version));
    }

    @Override
    public boolean update(SharedSessionContractImplementor session, Object key, Object value, Object currentVersion,
                          Object previousVersion) {
        refuseUpdateIfReadOnly();
        return false;
    }

    @Override
    public boolean afterUpdate(SharedSessionContractImplementor session, Object key, Object value, Object currentVersion,
                               Object previousVersion, SoftLock lock) {
        if (TieredTransaction.bypassed(session)) {
            return false;
        }
        return afterUpdate((TieredKey) key, value, Versions.of(currentVersion), Versions.of(previousVersion), lock);
    }
}
