package dev.tieredjpa.repository;

import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.cache.TieredRegionFactory;
import dev.tieredjpa.domain.Product;
import dev.tieredjpa.domain.User;
import dev.tieredjpa.domain.UserSession;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.SharedCacheMode;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.hibernate.cfg.AvailableSettings;
import org.hibernate.jpa.HibernatePersistenceConfiguration;

/**
 * Builds the demo's persistence unit in code (no persistence.xml): the three entities, Flyway's schema
 * validated rather than generated, and the tiered second-level cache (L1 Ehcache, L2 Redis) on for every
 * {@code @Cacheable} entity.
 */
final class PersistenceUnit {

    static final String NAME = "tiered-jpa";
    /** The L1 configuration: one heap-sized region per entity, each with its TTL. */
    static final String EHCACHE_CONFIG = "tiered-jpa-ehcache.xml";

    private PersistenceUnit() {
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
        // L1 Ehcache in this JVM, L2 Redis shared by every node, the database behind.
        settings.put(AvailableSettings.CACHE_REGION_FACTORY, TieredRegionFactory.class.getName());
        settings.put(TieredCacheSettings.EHCACHE_CONFIG, EHCACHE_CONFIG);
        settings.put(AvailableSettings.DEFAULT_CACHE_CONCURRENCY_STRATEGY, "read-write");
        settings.put(AvailableSettings.GENERATE_STATISTICS, true);
        return settings;
    }

    static EntityManagerFactory create(DataSource dataSource, Map<String, Object> settings) {
        HibernatePersistenceConfiguration configuration = new HibernatePersistenceConfiguration(NAME)
                .managedClasses(User.class, Product.class, UserSession.class)
                .sharedCacheMode(SharedCacheMode.ENABLE_SELECTIVE)
                .property(AvailableSettings.JAKARTA_NON_JTA_DATASOURCE, dataSource);
        settings.forEach(configuration::property);
        return configuration.createEntityManagerFactory();
    }
}
