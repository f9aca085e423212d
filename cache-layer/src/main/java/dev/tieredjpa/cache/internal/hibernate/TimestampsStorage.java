package dev.tieredjpa.cache.internal.hibernate;

import dev.tieredjpa.cache.internal.core.TieredRuntime;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hibernate.cache.spi.support.StorageAccess;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.redisson.api.RBucket;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query cache's timestamps region — for each table, when it last changed — kept in Redis only, so
 * that every node judges its cached query results against the same clock of changes. One GET per table
 * a cached query touches; no L1, because a stale timestamp would be a stale query result.
 *
 * <p>Timestamps come from each node's own clock (opening a session must not touch Redis), so a change is
 * stamped {@code clock-skew-allowance} in the future: a result computed on a node whose clock runs a
 * little ahead, just before the change, is still judged stale. While Redis is unreachable every table
 * reads as "just changed", so no cached query result is served; changes made meanwhile are stamped when
 * Redis is back.
 */
final class TimestampsStorage implements StorageAccess {

    private static final Logger log = LoggerFactory.getLogger(TimestampsStorage.class);

    private final TieredRuntime runtime;
    private final String region;
    private final String keyPrefix;
    private final long allowance;
    private final Duration keyTtl;
    private final Set<String> owedSpaces = ConcurrentHashMap.newKeySet();

    /**
     * @param allowance the clock-skew allowance in Hibernate timestamp units
     * @param keyTtl    how long a table's timestamp is kept: longer than any cached query result lives
     */
    TimestampsStorage(TieredRuntime runtime, String region, long allowance, Duration keyTtl,
                      java.util.function.LongSupplier now) {
        this.runtime = runtime;
        this.region = region;
        this.keyPrefix = runtime.config().keyPrefix() + region + ":";
        this.allowance = allowance;
        this.keyTtl = keyTtl;
        runtime.onRecovery(() -> {
            for (String space : Set.copyOf(owedSpaces)) {
                bucket(space).set(String.valueOf(now.getAsLong() + allowance), keyTtl);
                owedSpaces.remove(space);
            }
        });
    }

    @Override
    public Object getFromCache(Object key, SharedSessionContractImplementor session) {
        String space = (String) key;
        return runtime.l2("get timestamp", region, space, () -> {
            String value = bucket(space).get();
            if (value == null) {
                return null;
            }
            try {
                return Long.parseLong(value);
            } catch (NumberFormatException garbage) {
                log.warn("Undecodable timestamp for table {} in Redis: treating the table as just changed", space);
                return Long.MAX_VALUE;
            }
        }, () -> Long.MAX_VALUE);
    }

    @Override
    public void putIntoCache(Object key, Object value, SharedSessionContractImplementor session) {
        String space = (String) key;
        long stamp = (Long) value + allowance;
        boolean stored = runtime.l2("put timestamp", region, space, () -> {
            bucket(space).set(String.valueOf(stamp), keyTtl);
            return true;
        }, () -> false);
        if (!stored) {
            owedSpaces.add(space);
        }
    }

    @Override
    public boolean contains(Object key) {
        return getFromCache(key, null) != null;
    }

    @Override
    public void evictData() {
        // Forgetting timestamps would make stale query results look fresh: a no-op on purpose.
    }

    @Override
    public void evictData(Object key) {
        // Likewise for one table.
    }

    @Override
    public void release() {
    }

    private RBucket<String> bucket(String space) {
        return runtime.redisson().getBucket(keyPrefix + space, StringCodec.INSTANCE);
    }
}
