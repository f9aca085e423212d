package dev.tieredjpa.cache.internal.writebehind;

import dev.tieredjpa.cache.internal.core.TieredKey;
import org.hibernate.cache.spi.entry.CacheEntry;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;
import org.hibernate.type.BasicType;

/**
 * Moves one entity type between its object form and the form the second-level cache holds (Hibernate's
 * disassembled cache entry), so that a write-behind write can put exactly what a load would have cached,
 * and the flusher can rebuild the entity from it.
 */
public final class EntityStates<T> {

    private final Class<T> type;
    private final EntityPersister persister;
    private final SessionFactoryImplementor factory;

    public EntityStates(SessionFactoryImplementor factory, Class<T> type) {
        this.type = type;
        this.factory = factory;
        this.persister = factory.getMappingMetamodel().getEntityDescriptor(type);
        if (!persister.canWriteToCache()) {
            throw new IllegalArgumentException(type.getName() + " is not cached: a write-behind entity must be @Cacheable");
        }
        if (!persister.isVersioned()) {
            throw new IllegalArgumentException(type.getName() + " has no @Version: a write-behind entity needs one to order its writes");
        }
        if (!(persister.getIdentifierType() instanceof BasicType<?>)) {
            throw new IllegalArgumentException(type.getName() + " has a composite id: write-behind supports basic ids only");
        }
    }

    public Class<T> type() {
        return type;
    }

    public EntityPersister persister() {
        return persister;
    }

    public String regionName() {
        return persister.getCacheAccessStrategy().getRegion().getName();
    }

    public TieredKey key(Object id, String tenant) {
        return (TieredKey) persister.getCacheAccessStrategy().generateCacheKey(id, persister, factory, tenant);
    }

    /** The id a key text names (the text after the entity name's {@code #}). */
    public Object idOf(String keyText) {
        String idText = keyText.substring(keyText.indexOf('#') + 1);
        return ((BasicType<?>) persister.getIdentifierType()).getJavaTypeDescriptor().fromString(idText);
    }

    public Object id(T entity) {
        return persister.getIdentifier(entity);
    }

    public long version(T entity) {
        Object version = persister.getVersion(entity);
        return version == null ? -1 : ((Number) version).longValue();
    }

    /** Sets the entity's version, in the version attribute's own type. */
    public void setVersion(T entity, long version) {
        Class<?> versionType = persister.getVersionType().getReturnedClass();
        Object value = versionType == Integer.class || versionType == int.class ? (Object) (int) version
                : versionType == Short.class || versionType == short.class ? (Object) (short) version
                : (Object) version;
        persister.setPropertyValue(entity, persister.getVersionPropertyIndex(), value);
    }

    /** The cache entry a load of this entity, as it is now, would have cached. */
    public CacheEntry toCacheEntry(T entity, SharedSessionContractImplementor session) {
        return persister.buildCacheEntry(entity, persister.getValues(entity), persister.getVersion(entity), session);
    }

    /** A new entity instance built from a cache entry. */
    public T fromCacheEntry(Object id, CacheEntry entry, SharedSessionContractImplementor session) {
        Object instance = persister.instantiate(id, session);
        ((org.hibernate.cache.spi.entry.StandardCacheEntryImpl) entry).assemble(instance, id, persister, null, session);
        persister.setIdentifier(instance, id, session);
        return type.cast(instance);
    }
}
