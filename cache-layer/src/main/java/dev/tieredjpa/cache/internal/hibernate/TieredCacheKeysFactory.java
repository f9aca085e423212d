package dev.tieredjpa.cache.internal.hibernate;

import dev.tieredjpa.cache.internal.core.TieredKey;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.temporal.Temporal;
import java.util.UUID;
import org.hibernate.cache.spi.CacheKeysFactory;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.collection.CollectionPersister;
import org.hibernate.persister.entity.EntityPersister;

/**
 * Makes cache keys whose text names the entry in Redis and in invalidation messages:
 * {@code [tenant|]EntityName#id}, {@code [tenant|]collection.role#ownerId} and
 * {@code [tenant|]EntityName##naturalIdValues}. Ids must have a stable text form: numbers, strings,
 * UUIDs, dates, or a composite id whose {@code toString} is stable (a record's is).
 */
final class TieredCacheKeysFactory implements CacheKeysFactory {

    static final TieredCacheKeysFactory INSTANCE = new TieredCacheKeysFactory();

    @Override
    public Object createEntityKey(Object id, EntityPersister persister, SessionFactoryImplementor factory, String tenant) {
        return new TieredKey(prefix(tenant) + persister.getRootEntityName() + "#" + text(id), id);
    }

    @Override
    public Object createCollectionKey(Object id, CollectionPersister persister, SessionFactoryImplementor factory, String tenant) {
        return new TieredKey(prefix(tenant) + persister.getRole() + "#" + text(id), id);
    }

    @Override
    public Object createNaturalIdKey(Object naturalIdValues, EntityPersister persister, SharedSessionContractImplementor session) {
        return new TieredKey(prefix(session.getTenantIdentifier()) + persister.getRootEntityName() + "##" + text(naturalIdValues),
                naturalIdValues);
    }

    @Override
    public Object getEntityId(Object cacheKey) {
        return ((TieredKey) cacheKey).id();
    }

    @Override
    public Object getCollectionId(Object cacheKey) {
        return ((TieredKey) cacheKey).id();
    }

    @Override
    public Object getNaturalIdValues(Object cacheKey) {
        return ((TieredKey) cacheKey).id();
    }

    private static String prefix(String tenant) {
        return tenant == null ? "" : tenant + "|";
    }

    static String text(Object value) {
        if (value instanceof Object[] values) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < values.length; i++) {
                if (i > 0) {
                    text.append('\u001f');
                }
                text.append(text(values[i]));
            }
            return text.toString();
        }
        if (value == null || value instanceof String || value instanceof Long || value instanceof Integer
                || value instanceof Short || value instanceof BigInteger || value instanceof BigDecimal
                || value instanceof UUID || value instanceof Character || value instanceof Temporal
                || value instanceof Enum<?> || value instanceof Record) {
            return String.valueOf(value);
        }
        return value.getClass().getSimpleName() + ":" + value;
    }
}
