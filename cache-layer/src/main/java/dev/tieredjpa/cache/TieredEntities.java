package dev.tieredjpa.cache;

import dev.tieredjpa.cache.internal.hibernate.MultiLoader;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Entity reads that Hibernate's API cannot express with the tiered cache's round-trip counts: many ids at
 * once, and warm-up. For an entity whose region is not tiered, each falls back to plain Hibernate.
 */
public final class TieredEntities {

    /** Ids per database query of a multi-get, unless the caller says otherwise. */
    public static final int DEFAULT_CHUNK_SIZE = 100;

    private TieredEntities() {
    }

    /**
     * The entities with these ids that exist, in the order of {@code ids} (a repeated id is repeated): L1
     * first; every L1 miss from L2 in one round trip; every remaining miss from the database in
     * {@code ceil(misses / chunkSize)} queries; both tiers then filled in one round trip. Ids the database
     * lacks are remembered as absent when the entity has a negative TTL.
     */
    public static <T> List<T> findAll(EntityManager em, Class<T> type, List<?> ids, int chunkSize) {
        return MultiLoader.findAll(em, type, ids, chunkSize);
    }

    /** {@link #findAll(EntityManager, Class, List, int)} with {@link #DEFAULT_CHUNK_SIZE}. */
    public static <T> List<T> findAll(EntityManager em, Class<T> type, List<?> ids) {
        return findAll(em, type, ids, DEFAULT_CHUNK_SIZE);
    }

    /**
     * Loads these entities into both tiers, {@code batchSize} ids at a time, each batch with
     * {@link #findAll} in an entity manager of its own (so keys already cached, or being loaded by another
     * node, are not loaded again), reporting after each batch.
     */
    public static TieredCache.WarmProgress warm(EntityManagerFactory emf, Class<?> type, List<?> ids, int batchSize,
                                                Consumer<TieredCache.WarmProgress> progress) {
        Objects.requireNonNull(progress, "progress");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, but was " + batchSize);
        }
        int found = 0;
        TieredCache.WarmProgress last = new TieredCache.WarmProgress(0, ids.size(), 0);
        for (int from = 0; from < ids.size(); from += batchSize) {
            List<?> batch = new ArrayList<>(ids.subList(from, Math.min(ids.size(), from + batchSize)));
            try (EntityManager em = emf.createEntityManager()) {
                found += findAll(em, type, batch, batchSize).size();
            }
            last = new TieredCache.WarmProgress(from + batch.size(), ids.size(), found);
            progress.accept(last);
        }
        return last;
    }

    /**
     * Keeps these hot entities loaded: a background task on this node reloads each one from the database
     * when less than {@code window} of its L2 time to live is left, under its lease, so that only one node
     * reloads it. Cancel the returned future to stop; it stops with the persistence unit anyway.
     */
    public static java.util.concurrent.ScheduledFuture<?> refreshAhead(EntityManagerFactory emf, Class<?> type,
                                                                       java.util.Collection<?> ids, java.time.Duration window) {
        return dev.tieredjpa.cache.internal.hibernate.EntityRefresher.start(emf, type, ids, window);
    }

    /**
     * Warms the first {@code limit} ids that {@code idQuery} (JPQL selecting ids, e.g. the most viewed
     * first) answers.
     */
    public static TieredCache.WarmProgress warmTop(EntityManagerFactory emf, Class<?> type, String idQuery, int limit,
                                                   int batchSize, Consumer<TieredCache.WarmProgress> progress) {
        List<?> ids;
        try (EntityManager em = emf.createEntityManager()) {
            ids = em.createQuery(idQuery).setMaxResults(limit).getResultList();
        }
        return warm(emf, type, ids, batchSize, progress);
    }
}
