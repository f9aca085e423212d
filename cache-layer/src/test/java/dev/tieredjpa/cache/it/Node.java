package dev.tieredjpa.cache.it;

import com.zaxxer.hikari.HikariDataSource;
import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.cache.TieredRegionFactory;
import dev.tieredjpa.cache.internal.core.RegionStats;
import dev.tieredjpa.cache.internal.core.TieredRuntime;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityTransaction;
import jakarta.persistence.SharedCacheMode;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.hibernate.SessionFactory;
import org.hibernate.cfg.AvailableSettings;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.jpa.HibernatePersistenceConfiguration;
import org.hibernate.stat.Statistics;

/**
 * One "node" of a service in a test: its own EntityManagerFactory with the tiered region factory, so its
 * own L1 and its own subscription, sharing the database and Redis with the other nodes.
 */
public final class Node implements AutoCloseable {

    private final String name;
    private final EntityManagerFactory emf;

    Node(String name, HikariDataSource dataSource, String redisUrl, String keyPrefix, boolean createSchema,
         Map<String, Object> extraSettings) {
        this.name = name;
        HibernatePersistenceConfiguration configuration = new HibernatePersistenceConfiguration("node-" + name)
                .managedClasses(Item.class, Note.class, Country.class, Visit.class)
                .sharedCacheMode(SharedCacheMode.ENABLE_SELECTIVE)
                .property(AvailableSettings.JAKARTA_NON_JTA_DATASOURCE, dataSource)
                .property(AvailableSettings.HBM2DDL_AUTO, createSchema ? "create" : "none")
                .property(AvailableSettings.USE_SECOND_LEVEL_CACHE, true)
                .property(AvailableSettings.USE_QUERY_CACHE, true)
                .property(AvailableSettings.CACHE_REGION_FACTORY, TieredRegionFactory.class.getName())
                .property(AvailableSettings.GENERATE_STATISTICS, true)
                .property(AvailableSettings.JDBC_TIME_ZONE, "UTC")
                .property(TieredCacheSettings.REDIS_URL, redisUrl)
                .property(TieredCacheSettings.KEY_PREFIX, keyPrefix)
                .property(TieredCacheSettings.NODE_NAME, name);
        extraSettings.forEach(configuration::property);
        this.emf = configuration.createEntityManagerFactory();
    }

    public String name() {
        return name;
    }

    public EntityManagerFactory emf() {
        return emf;
    }

    /** Runs {@code work} in a transaction of a fresh EntityManager and commits. */
    public <T> T inTransaction(Function<EntityManager, T> work) {
        EntityManager em = emf.createEntityManager();
        EntityTransaction tx = em.getTransaction();
        try {
            tx.begin();
            T result = work.apply(em);
            tx.commit();
            return result;
        } catch (RuntimeException e) {
            if (tx.isActive()) {
                tx.rollback();
            }
            throw e;
        } finally {
            em.close();
        }
    }

    public void inTransactionDo(Consumer<EntityManager> work) {
        inTransaction(em -> {
            work.accept(em);
            return null;
        });
    }

    /** Runs {@code work} in a transaction that is rolled back at the end. */
    public void inRolledBackTransaction(Consumer<EntityManager> work) {
        EntityManager em = emf.createEntityManager();
        try {
            em.getTransaction().begin();
            work.accept(em);
            em.flush();
            em.getTransaction().rollback();
        } finally {
            em.close();
        }
    }

    /** {@code em.find} in a fresh EntityManager, outside a transaction. */
    public <T> T find(Class<T> type, Object id) {
        EntityManager em = emf.createEntityManager();
        try {
            return em.find(type, id);
        } finally {
            em.close();
        }
    }

    public Statistics statistics() {
        return emf.unwrap(SessionFactory.class).getStatistics();
    }

    /** Statements this node sent to the database so far. */
    public long statements() {
        return statistics().getPrepareStatementCount();
    }

    public TieredRuntime runtime() {
        return ((TieredRegionFactory) emf.unwrap(SessionFactoryImplementor.class).getCache().getRegionFactory()).runtime();
    }

    public RegionStats regionStats(String region) {
        return runtime().regions().get(region).stats();
    }

    @Override
    public void close() {
        emf.close();
    }
}
