package dev.tieredjpa.repository;

import dev.tieredjpa.domain.Product;
import dev.tieredjpa.domain.User;
import dev.tieredjpa.domain.UserSession;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.SharedCacheMode;
import java.net.URI;
import java.net.URL;
import java.util.LinkedHashMap;
import java.util.UUID;
import javax.cache.CacheManager;
import javax.cache.Caching;
import org.ehcache.jsr107.EhcacheCachingProvider;
import org.ehcache.xml.XmlConfiguration;
import java.util.Map;
import javax.sql.DataSource;
import org.hibernate.cfg.AvailableSettings;
import org.hibernate.jpa.HibernatePersistenceConfiguration;

/**
 * Builds the demo's persistence unit in code (no persistence.xml): the three entities, Flyway's schema
 * validated rather than generated, and the second-level cache on for every {@code @Cacheable} entity.
 */
final class PersistenceUnit {

    static final String NAME = "tiered-jpa";
    /** The L1 configuration: one heap-sized region per entity, each with its TTL. */
    static final String EHCACHE_CONFIG = "tiered-jpa-ehcache.xml";

    private static final String CACHE_MANAGER = "hibernate.javax.cache.cache_manager";

    private PersistenceUnit() {
    }

    /**
     * An L1 cache manager of this unit's own. JCache hands out one manager per URI in a JVM, so units that
     * named the same ehcache.xml would share (and close) each other's caches; a unique URI keeps each unit,
     * like each node, to itself. Hibernate closes it when the unit closes.
     */
    private static CacheManager newCacheManager() {
        ClassLoader classLoader = PersistenceUnit.class.getClassLoader();
        URL config = classLoader.getResource(EHCACHE_CONFIG);
        var provider = (EhcacheCachingProvider) Caching.getCachingProvider(EhcacheCachingProvider.class.getName());
        return provider.getCacheManager(URI.create("urn:tiered-jpa:" + UUID.randomUUID()), new XmlConfiguration(config, classLoader));
    }

    /** The settings the unit starts from; callers may override any of them. */
    static Map<String, Object> defaultSettings() {
        Map<String, Object> settings = new LinkedHashMap<>();
        // Flyway owns the schema; Hibernate only checks that the entities match it.
        settings.put(AvailableSettings.HBM2DDL_AUTO, "validate");
        settings.put(AvailableSettings.JDBC_TIME_ZONE, "UTC");
        settings.put(AvailableSettings.STATEMENT_BATCH_SIZE, 50);
        settings.put(AvailableSettings.ORDER_UPDATES, true);
        settings.put(AvailableSettings.ORDER_INSERTS, true);
        settings.put(AvailableSettings.USE_SECOND_LEVEL_CACHE, true);
        settings.put(AvailableSettings.CACHE_REGION_FACTORY, "jcache");
        settings.put(AvailableSettings.DEFAULT_CACHE_CONCURRENCY_STRATEGY, "read-write");
        settings.put("hibernate.javax.cache.provider", "org.ehcache.jsr107.EhcacheCachingProvider");
        // Every region is named in the ehcache.xml; a missing one is a mistake to stop on, not to paper over.
        settings.put("hibernate.javax.cache.missing_cache_strategy", "fail");
        settings.put(AvailableSettings.GENERATE_STATISTICS, true);
        return settings;
    }

    static EntityManagerFactory create(DataSource dataSource, Map<String, Object> settings) {
        if (!settings.containsKey(CACHE_MANAGER)) {
            settings = new LinkedHashMap<>(settings);
            settings.put(CACHE_MANAGER, newCacheManager());
        }
        HibernatePersistenceConfiguration configuration = new HibernatePersistenceConfiguration(NAME)
                .managedClasses(User.class, Product.class, UserSession.class)
                .sharedCacheMode(SharedCacheMode.ENABLE_SELECTIVE)
                .property(AvailableSettings.JAKARTA_NON_JTA_DATASOURCE, dataSource);
        settings.forEach(configuration::property);
        return configuration.createEntityManagerFactory();
    }
}
