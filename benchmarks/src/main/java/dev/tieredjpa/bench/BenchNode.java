package dev.tieredjpa.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.tieredjpa.cache.TieredRegionFactory;
import dev.tieredjpa.domain.Product;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.OptimisticLockException;
import java.math.BigDecimal;
import java.time.Instant;
import org.hibernate.engine.spi.SessionFactoryImplementor;

/**
 * One application node of a peer: its own EntityManagerFactory (so its own L1, where the peer has one)
 * and its own connection pool, whose statements it counts.
 */
final class BenchNode implements AutoCloseable {

    /** Tries of one update that loses the version check to a concurrent writer. */
    private static final int TOUCH_ATTEMPTS = 20;

    private final String name;
    private final Peer peer;
    private final EntityManagerFactory emf;
    private final HikariDataSource pool;
    private final StatementCounter statements;

    BenchNode(String name, Peer peer, EntityManagerFactory emf, HikariDataSource pool, StatementCounter statements) {
        this.name = name;
        this.peer = peer;
        this.emf = emf;
        this.pool = pool;
        this.statements = statements;
    }

    String name() {
        return name;
    }

    Peer peer() {
        return peer;
    }

    EntityManagerFactory emf() {
        return emf;
    }

    /** Statements this node has sent to the database so far. */
    long statements() {
        return statements.count();
    }

    /** {@code em.find} in a fresh EntityManager, as a request handler does; the product's version, or -1. */
    long findVersion(long id) {
        EntityManager em = emf.createEntityManager();
        try {
            Product product = em.find(Product.class, id);
            return product == null ? -1 : product.getVersion();
        } finally {
            em.close();
        }
    }

    /** The product itself, found in a fresh EntityManager (for benchmarks that must consume it). */
    Product find(long id) {
        EntityManager em = emf.createEntityManager();
        try {
            return em.find(Product.class, id);
        } finally {
            em.close();
        }
    }

    /** A committed price change: the version it committed, and when its commit began ({@code System.nanoTime()}). */
    record Touched(long version, long commitStartedNanos) {
    }

    /** Changes the product's price in a transaction of its own; returns the version committed. */
    long touchPrice(long id) {
        return touch(id).version();
    }

    /**
     * Changes the product's price in a transaction of its own, as JPA services usually do: read (through
     * the cache), change, commit with the {@code @Version} check; a concurrent writer's conflict is retried.
     */
    Touched touch(long id) {
        for (int attempt = 1; ; attempt++) {
            try {
                return tryTouch(id);
            } catch (OptimisticLockException | org.hibernate.StaleStateException e) {
                if (attempt == TOUCH_ATTEMPTS) {
                    throw e;
                }
            } catch (jakarta.persistence.RollbackException e) {
                if (!(e.getCause() instanceof OptimisticLockException) || attempt == TOUCH_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private Touched tryTouch(long id) {
        EntityManager em = emf.createEntityManager();
        try {
            em.getTransaction().begin();
            Product product = em.find(Product.class, id);
            product.setPrice(product.getPrice().add(BigDecimal.ONE).remainder(BigDecimal.valueOf(100_000)));
            product.setUpdatedAt(Instant.now());
            em.flush();
            long commitStarted = System.nanoTime();
            em.getTransaction().commit();
            return new Touched(product.getVersion(), commitStarted);
        } finally {
            if (em.getTransaction().isActive()) {
                em.getTransaction().rollback();
            }
            em.close();
        }
    }

    /** Empties this node's in-process tier only (ours: L1; Ehcache: everything; Redisson: nothing local). */
    void clearLocalTier() {
        switch (peer) {
            case TIERED -> tieredFactory().runtime().regions().keySet()
                    .forEach(region -> tieredFactory().runtime().l1Cache(region).clear());
            case EHCACHE_BY_VALUE, EHCACHE_BY_REFERENCE -> emf.getCache().evictAll();
            default -> { }
        }
    }

    /** Evicts one product from every tier this node can reach. */
    void evict(long id) {
        if (peer.caches()) {
            emf.getCache().evict(Product.class, id);
        }
    }

    TieredRegionFactory tieredFactory() {
        return (TieredRegionFactory) emf.unwrap(SessionFactoryImplementor.class).getCache().getRegionFactory();
    }

    @Override
    public void close() {
        try {
            emf.close();
        } finally {
            pool.close();
        }
    }

    @Override
    public String toString() {
        return peer.label() + "/" + name;
    }
}
