package dev.tieredjpa.cache.internal.writebehind;

import dev.tieredjpa.cache.internal.core.TieredRegion;
import dev.tieredjpa.cache.internal.hibernate.TieredTransaction;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.hibernate.StatelessSession;
import org.hibernate.Transaction;
import org.hibernate.cache.spi.entry.CacheEntry;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.AbstractEntityPersister;

/**
 * Writes write-behind records to the database: one transaction per batch, JDBC-batched upserts, and a
 * version guard that makes every apply idempotent and order-proof — a record is applied only if the row
 * is absent or older than the record's version. So a record delivered twice (a flusher died after the
 * commit, before the acknowledgement) or late (another flusher applied a newer one) changes nothing.
 *
 * <p>How the guard meets Hibernate's upsert: the upsert writes the version after the entity's and only
 * over a row at exactly the entity's version. A record may skip versions (coalesced, or its older ones
 * flushed elsewhere), so a row found at an older version is first moved, in the same transaction, to the
 * version just before the record's; then the upsert lands the record's version. Deletes and that step are
 * plain JDBC on the session's connection: a bulk HQL statement would make Hibernate clear the entity's
 * whole cache region. Nothing here touches the cache: L2 already holds, pinned, what it writes.
 */
final class DatabaseWriter<T> {

    private final SessionFactoryImplementor factory;
    private final EntityStates<T> states;
    private final TieredRegion region;
    private final int jdbcBatchSize;
    private final String selectVersions;
    private final String alignVersion;
    private final String guardedDelete;

    DatabaseWriter(SessionFactoryImplementor factory, EntityStates<T> states, TieredRegion region, int jdbcBatchSize) {
        this.factory = factory;
        this.states = states;
        this.region = region;
        this.jdbcBatchSize = jdbcBatchSize;
        AbstractEntityPersister persister = (AbstractEntityPersister) states.persister();
        String table = persister.getRootTableName();
        String id = persister.getIdentifierColumnNames()[0];
        String version = persister.getVersionColumnName();
        this.selectVersions = "select " + id + ", " + version + " from " + table + " where " + id + " = ?";
        this.alignVersion = "update " + table + " set " + version + " = ? where " + id + " = ? and " + version + " = ?";
        this.guardedDelete = "delete from " + table + " where " + id + " = ? and " + version + " < ?";
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
        // Before any database work: a record that can never be written fails the batch on its own account.
        List<Checked> checked = new ArrayList<>(records.size());
        for (WriteRecord record : records) {
            checked.add(check(record));
        }
        try (StatelessSession session = factory.openStatelessSession()) {
            TieredTransaction.bypassCache((SharedSessionContractImplementor) session);
            session.setJdbcBatchSize(jdbcBatchSize);
            Transaction transaction = session.beginTransaction();
            try {
                List<Checked> upserts = new ArrayList<>();
                int applied = session.doReturningWork(connection -> prepare(connection, checked, upserts));
                for (Checked upsert : upserts) {
                    T entity = states.fromCacheEntry(upsert.id(), upsert.entry(), (SharedSessionContractImplementor) session);
                    // The upsert writes the version after the entity's, over a row at exactly that version.
                    states.setVersion(entity, upsert.record().version() - 1);
                    session.upsert(entity);
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

    /** A record with the id its key names and, for an upsert, the entity state its data holds. */
    private record Checked(WriteRecord record, Object id, CacheEntry entry) {
    }

    /**
     * The id and state a record stands for, or {@link MalformedRecordException}: its key must be exactly the key
     * text the library makes for the id it names (so not another entity's key, nor text without an id), and an
     * upsert's data must decode as this entity's state. Nothing else in the stream is trusted to be the
     * library's: a record may have been written there by anyone who can write to Redis.
     */
    private Checked check(WriteRecord record) {
        Object id;
        try {
            id = states.idOf(record.keyText());
        } catch (RuntimeException e) {
            throw new MalformedRecordException(record, "its key names no id of " + states.type().getSimpleName()
                    + ": " + WriteBehindQueue.quoted(record.keyText()), e);
        }
        if (id == null || !states.key(id, null).text().equals(record.keyText())) {
            throw new MalformedRecordException(record, "its key is not a key of " + states.type().getSimpleName()
                    + ": " + WriteBehindQueue.quoted(record.keyText()), null);
        }
        if (record.delete()) {
            return new Checked(record, id, null);
        }
        Object state;
        try {
            state = region.decodeValue(record.data());
        } catch (RuntimeException e) {
            throw new MalformedRecordException(record, "its data (" + record.data().length + " bytes) does not decode as a "
                    + states.type().getSimpleName() + ": " + e.getMessage(), e);
        }
        if (!(state instanceof CacheEntry entry)) {
            throw new MalformedRecordException(record, "its data is not an entity's state but a "
                    + (state == null ? "null" : state.getClass().getSimpleName()), null);
        }
        return new Checked(record, id, entry);
    }

    /**
     * Reads the rows' versions, applies the deletes, moves rows that the upserts will replace to the version
     * before each record's, and returns how many records will change the database.
     */
    private int prepare(java.sql.Connection connection, Collection<Checked> records, List<Checked> upserts)
            throws SQLException {
        int applied = 0;
        try (PreparedStatement select = connection.prepareStatement(selectVersions);
             PreparedStatement align = connection.prepareStatement(alignVersion);
             PreparedStatement delete = connection.prepareStatement(guardedDelete)) {
            for (Checked checked : records) {
                WriteRecord record = checked.record();
                Object id = checked.id();
                select.setObject(1, id);
                Long stored = null;
                try (ResultSet row = select.executeQuery()) {
                    if (row.next()) {
                        stored = row.getLong(2);
                    }
                }
                if (stored != null && stored >= record.version()) {
                    continue; // already applied, or overtaken by a newer write
                }
                applied++;
                if (record.delete()) {
                    if (stored != null) {
                        delete.setObject(1, id);
                        delete.setLong(2, record.version());
                        delete.addBatch();
                    }
                    continue;
                }
                if (stored != null && stored != record.version() - 1) {
                    align.setLong(1, record.version() - 1);
                    align.setObject(2, id);
                    align.setLong(3, stored);
                    align.addBatch();
                }
                upserts.add(checked);
            }
            delete.executeBatch();
            align.executeBatch();
        }
        return applied;
    }
}
