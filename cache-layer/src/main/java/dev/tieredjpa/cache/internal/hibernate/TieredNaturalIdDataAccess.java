package dev.tieredjpa.cache.internal.hibernate;

import dev.tieredjpa.cache.internal.core.TieredKey;
import dev.tieredjpa.cache.internal.core.TieredRegion;
import org.hibernate.cache.spi.DomainDataRegion;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.cache.spi.access.NaturalIdDataAccess;
import org.hibernate.cache.spi.access.SoftLock;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;

/** Natural-id to id resolutions on the tiered cache; unversioned, fenced by leases and locks. */
final class TieredNaturalIdDataAccess extends TieredDataAccess implements NaturalIdDataAccess {

    TieredNaturalIdDataAccess(DomainDataRegion hibernateRegion, TieredRegion region, AccessType accessType) {
        super(hibernateRegion, region, accessType);
    }

    @Override
    public Object generateCacheKey(Object naturalIdValues, EntityPersister persister, SharedSessionContractImplementor session) {
        return TieredCacheKeysFactory.INSTANCE.createNaturalIdKey(naturalIdValues, persister, session);
    }

    @Override
    public Object getNaturalIdValues(Object cacheKey) {
        return TieredCacheKeysFactory.INSTANCE.getNaturalIdValues(cacheKey);
    }

    @Override
    public boolean insert(SharedSessionContractImplementor session, Object key, Object value) {
        return false;
    }

    @Override
    public boolean afterInsert(SharedSessionContractImplementor session, Object key, Object value) {
        if (TieredTransaction.bypassed(session)) {
            return false;
        }
        return afterInsert((TieredKey) key, value, Versions.NONE);
    }

    @Override
    public boolean update(SharedSessionContractImplementor session, Object key, Object value) {
        refuseUpdateIfReadOnly();
        return false;
    }

    @Override
    public boolean afterUpdate(SharedSessionContractImplementor session, Object key, Object value, SoftLock lock) {
        if (TieredTransaction.bypassed(session)) {
            return false;
        }
        return afterUpdate((TieredKey) key, value, Versions.NONE, Versions.NONE, lock);
    }
}
