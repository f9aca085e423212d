package dev.tieredjpa.cache.internal.writebehind;

import dev.tieredjpa.cache.internal.core.TieredRegion;
import dev.tieredjpa.cache.internal.hibernate.TieredTransaction;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hibernate.StatelessSession;
import org.hibernate.Transaction;
import org.hibernate.cache.spi.entry.CacheEntry;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

/**
 * Writes write-behind records to the database: one transaction per batch, JDBC-batched upserts, and a
 * version guard that makes every apply idempotent and order-proof — a record is applied only if the row
 * is absent or older than the record's version. So a record delivered twice (a flusher died after the
 * commit, before the acknowledgement) or late (another flusher applied a newer one) changes nothing.
 *
 * <p>It bypasses the cache: L2 already holds, pinned, exactly what it writes.
 */
final class DatabaseWriter<T> {

    private final SessionFactoryImplementor factory;
    private final EntityStates<T> states;
    private final TieredRegion region;
    private final int jdbcBatchSize;
    private final String versionQuery;
    private final String guardedDelete;

    DatabaseWriter(SessionFactoryImplementor factory, EntityStates<T> states, TieredRegion region, int jdbcBatchSize) {
        this.factory = factory;
        this.states = states;
        this.region = region;
        this.jdbcBatchSize = jdbcBatchSize;
        String entity = states.persister().getEntityName();
        String id = states.persister().getIdentifierPropertyName();
        String version = states.persister().getPropertyNames()[states.persister().getVersionPropertyIndex()];
        this.versionQuery = "select e." + id + ", e." + version + " from " + entity + " e where e." + id + " in :ids";
        this.guardedDelete = "delete from " + entity + " e where e." + id + " = :id and e." + version + " < :version";
    }

    /** Applies these records (at most one per key: coalesce first) in one transaction; throws if it fails. */
    void apply(Collection<WriteRecord> records) {
        applyCounting(records);
    }

    /**
     * Applies one record now (Redis is unreachable, so it cannot be queued); false when the database already
     * holds that version or a newer one — a concurrent writer won, and the caller must not report success.
     */
    boolean applyStrict(WriteRecord record) {
        return applyCounting(List.of(record)) == 1;
    }

    private int applyCounting(Collection<WriteRecord> records) {
        int applied = 0;
        try (StatelessSession session = factory.openStatelessSession()) {
            TieredTransaction.bypassCache((SharedSessionContractImplementor) session);
            session.setJdbcBatchSize(jdbcBatchSize);
            Transaction transaction = session.beginTransaction();
            try {
                Map<Object, Long> current = databaseVersions(session, records);
                for (WriteRecord record : records) {
                    Object id = states.idOf(record.keyText());
                    Long stored = current.get(id);
                    if (stored != null && stored >= record.version()) {
                        continue; // already applied, or overtaken by a newer write
                    }
                    applied++;
                    if (record.delete()) {
                        if (stored != null) {
                            session.createMutationQuery(guardedDelete)
                                    .setParameter("id", id)
                                    .setParameter("version", record.version())
                                    .executeUpdate();
                        }
                    } else {
                        CacheEntry entry = (CacheEntry) region.decodeValue(record.data());
                        T entity = states.fromCacheEntry(id, entry, (SharedSessionContractImplementor) session);
                        // upsert writes the version after the entity's: give it the one before the record's.
                        states.setVersion(entity, record.version() - 1);
                        session.upsert(entity);
                    }
                }
                transaction.commit();
                return applied;
            } catch (RuntimeException e) {
                if (transaction.isActive()) {
                    transaction.rollback();
                }
                throw e;
            }
        }
    }

    private Map<Object, Long> databaseVersions(StatelessSession session, Collection<WriteRecord> records) {
        List<Object> ids = records.stream().map(r -> states.idOf(r.keyText())).toList();
        Map<Object, Long> versions = new HashMap<>();
        for (Object[] row : session.createSelectionQuery(versionQuery, Object[].class).setParameter("ids", ids).getResultList()) {
            versions.put(row[0], ((Number) row[1]).longValue());
        }
        return versions;
    }
}
