package dev.tieredjpa.cache.internal.l1;

import java.lang.reflect.Field;
import java.util.Map;
import javax.cache.CacheManager;
import org.ehcache.core.spi.service.StatisticsService;
import org.ehcache.core.statistics.CacheStatistics;
import org.ehcache.core.statistics.TierStatistics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ehcache's own figures of the L1 caches of one JCache manager: entries held and evictions.
 *
 * <p>Ehcache keeps them anyway (they back its JCache statistics MBean), in a {@link StatisticsService} that
 * its JCache manager holds but does not hand out; it is read from the manager's field once. Reading a
 * figure is a map look-up and a few counter reads; nothing is added to a get. If a later Ehcache moves the
 * field, the figures read -1 (unknown) and a warning says so once.
 */
public final class L1Statistics {

    private static final Logger log = LoggerFactory.getLogger(L1Statistics.class);
    private static final L1Statistics UNKNOWN = new L1Statistics(null);

    private final StatisticsService service;

    private L1Statistics(StatisticsService service) {
        this.service = service;
    }

    /** The figures of {@code manager}'s caches; all -1 when it is not Ehcache's JCache manager. */
    public static L1Statistics of(CacheManager manager) {
        try {
            Field field = manager.getClass().getDeclaredField("statisticsService");
            field.setAccessible(true);
            if (field.get(manager) instanceof StatisticsService service) {
                return new L1Statistics(service);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("Cannot read Ehcache's statistics of the L1 caches ({}): L1 entries and evictions read as unknown (-1)",
                    e.toString());
            return UNKNOWN;
        }
        log.warn("The L1 cache manager {} keeps no Ehcache statistics: L1 entries and evictions read as unknown (-1)",
                manager.getClass().getName());
        return UNKNOWN;
    }

    /** Entries the cache holds now (its largest tier's count, which holds them all); -1 when unknown. */
    public long entries(String cache) {
        CacheStatistics statistics = statistics(cache);
        if (statistics == null) {
            return -1;
        }
        long entries = -1;
        for (Map.Entry<String, TierStatistics> tier : statistics.getTierStatistics().entrySet()) {
            entries = Math.max(entries, tier.getValue().getMappings());
        }
        return entries;
    }

    /** Entries the cache evicted to stay within its size, since it was made; -1 when unknown. */
    public long evictions(String cache) {
        CacheStatistics statistics = statistics(cache);
        return statistics == null ? -1 : statistics.getCacheEvictions();
    }

    private CacheStatistics statistics(String cache) {
        if (service == null) {
            return null;
        }
        try {
            return service.getCacheStatistics(cache);
        } catch (RuntimeException noSuchCache) {
            return null;
        }
    }
}
