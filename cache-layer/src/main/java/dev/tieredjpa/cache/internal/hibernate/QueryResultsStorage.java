package dev.tieredjpa.cache.internal.hibernate;

import javax.cache.Cache;
import org.hibernate.cache.spi.support.StorageAccess;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

/**
 * Cached query results, per node (L1 only). Whether a result may be served is decided by the shared
 * timestamps region, which every node reads from Redis; so a change on any node makes the results that
 * read its tables stale on every node. Query keys have no stable text form to name them in Redis by, and
 * results are cheap to recompute per node compared with the entities they point to, which are shared.
 */
final class QueryResultsStorage implements StorageAccess {

    private final Cache<Object, Object> cache;

    QueryResultsStorage(Cache<Object, Object> cache) {
        this.cache = cache;
    }

    @Override
    public Object getFromCache(Object key, SharedSessionContractImplementor session) {
        return cache.get(key);
    }

    @Override
    public void putIntoCache(Object key, Object value, SharedSessionContractImplementor session) {
        cache.put(key, value);
    }

    @Override
    public boolean contains(Object key) {
        return cache.containsKey(key);
    }

    @Override
    public void evictData() {
        cache.clear();
    }

    @Override
    public void evictData(Object key) {
        cache.remove(key);
    }

    @Override
    public void release() {
    }
}
