package dev.tieredjpa.cache.internal.hibernate;

import dev.tieredjpa.cache.internal.core.LoadTicket;
import dev.tieredjpa.cache.internal.core.PendingDelete;
import dev.tieredjpa.cache.internal.core.TieredKey;
import dev.tieredjpa.cache.internal.core.TieredRegion;
import jakarta.persistence.EntityManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hibernate.engine.spi.SessionImplementor;
import org.hibernate.persister.entity.EntityPersister;

/**
 * Finds many entities by id through both tiers with a fixed number of round trips: L1, then every L1 miss
 * from L2 in one round trip (taking the leases of the keys nobody loads), then every remaining miss from
 * the database in {@code ceil(misses / chunkSize)} queries ({@code where id in (...)}), then both tiers
 * filled in one round trip. Ids the database does not have are recorded as absent (negative cache).
 */
public final class MultiLoader {

    private MultiLoader() {
    }

    public static <T> List<T> findAll(EntityManager em, Class<T> type, List<?> ids, int chunkSize) {
        Objects.requireNonNull(ids, "ids");
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunkSize must be at least 1, but was " + chunkSize);
        }
        if (ids.isEmpty()) {
            return List.of();
        }
        SessionImplementor session = em.unwrap(SessionImplementor.class);
        EntityPersister persister = session.getFactory().getMappingMetamodel().getEntityDescriptor(type);
        if (!(persister.getCacheAccessStrategy() instanceof TieredEntityDataAccess access) || TieredTransaction.bypassed(session)) {
            return session.findMultiple(type, new ArrayList<>(ids)).stream().filter(Objects::nonNull).toList();
        }
        TieredRegion region = access.tieredRegion();
        TieredTransaction transaction = TieredTransaction.of(session);
        List<Object> distinct = new ArrayList<>(new LinkedHashSet<>(ids));
        List<TieredKey> keys = new ArrayList<>(distinct.size());
        for (Object id : distinct) {
            keys.add((TieredKey) access.generateCacheKey(id, persister, session.getFactory(), session.getTenantIdentifier()));
        }
        Map<Object, T> found = new HashMap<>();
        List<Object> toLoad = new ArrayList<>();
        List<Object> cached = region.getAll(keys, transaction);
        for (int i = 0; i < distinct.size(); i++) {
            Object id = distinct.get(i);
            Object value = cached.get(i);
            LoadTicket ticket = transaction.find(region.name(), keys.get(i));
            if (value instanceof PendingDelete) {
                continue;
            }
            if (value != null) {
                // em.find builds the entity from this value without asking either tier again.
                transaction.answer(region.name(), keys.get(i), value);
                T entity = em.find(type, id);
                transaction.takeAnswer(region.name(), keys.get(i));
                if (entity != null) {
                    found.put(id, entity);
                }
            } else if (ticket != null && ticket.absent()) {
                transaction.take(region.name(), keys.get(i));
            } else {
                toLoad.add(id);
            }
        }
        if (!toLoad.isEmpty()) {
            loadMisses(em, session, persister, type, region, toLoad, chunkSize, found, transaction,
                    id -> (TieredKey) access.generateCacheKey(id, persister, session.getFactory(), session.getTenantIdentifier()));
        }
        List<T> inOrder = new ArrayList<>(ids.size());
        for (Object id : ids) {
            T entity = found.get(id);
            if (entity != null) {
                inOrder.add(entity);
            }
        }
        return inOrder;
    }

    /**
     * Loads the misses in chunks, with the puts Hibernate makes for them collected, then fills the region
     * with what was found and records what was not, in one round trip.
     */
    private static <T> void loadMisses(EntityManager em, SessionImplementor session, EntityPersister persister, Class<T> type,
                                       TieredRegion region, List<Object> toLoad, int chunkSize, Map<Object, T> found,
                                       TieredTransaction transaction, java.util.function.Function<Object, TieredKey> keyOf) {
        String query = "select e from " + persister.getJpaEntityName() + " e where id(e) in :ids";
        transaction.deferPuts();
        try {
            for (int from = 0; from < toLoad.size(); from += chunkSize) {
                List<Object> chunk = toLoad.subList(from, Math.min(toLoad.size(), from + chunkSize));
                for (T entity : em.createQuery(query, type).setParameter("ids", chunk).getResultList()) {
                    found.put(persister.getIdentifier(entity, session), entity);
                }
            }
        } finally {
            Map<TieredRegion, List<TieredRegion.Loaded>> byRegion = new HashMap<>();
            for (var deferred : transaction.takeDeferredPuts()) {
                byRegion.computeIfAbsent(deferred.getKey(), r -> new ArrayList<>()).add(deferred.getValue());
            }
            List<TieredKey> absent = new ArrayList<>();
            for (Object id : toLoad) {
                if (!found.containsKey(id)) {
                    absent.add(keyOf.apply(id));
                }
            }
            region.putAllFromLoad(byRegion.getOrDefault(region, List.of()), absent, transaction);
            byRegion.remove(region);
            byRegion.forEach((other, loaded) -> other.putAllFromLoad(loaded, transaction));
            for (Object id : toLoad) {
                if (found.containsKey(id)) {
                    region.abandon(keyOf.apply(id), transaction); // a ticket left means its put did not happen
                }
            }
        }
    }
}
