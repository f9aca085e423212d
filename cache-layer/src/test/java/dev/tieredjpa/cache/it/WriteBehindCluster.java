package dev.tieredjpa.cache.it;

import com.zaxxer.hikari.HikariDataSource;
import dev.tieredjpa.cache.TieredRegionFactory;
import dev.tieredjpa.cache.WriteBehindStore;
import dev.tieredjpa.cache.internal.core.TieredRuntime;
import dev.tieredjpa.cache.internal.l2.EntrySnapshot;
import dev.tieredjpa.cache.internal.writebehind.WriteBehindQueue;
import dev.tieredjpa.testsupport.TestDatabase;
import dev.tieredjpa.testsupport.TestDatabases;
import dev.tieredjpa.testsupport.TestRedis;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.hibernate.engine.spi.SessionFactoryImplementor;

/**
 * Nodes for the write-behind tests: like {@link Cluster} (a fresh database, a Redis key prefix of their own,
 * the first node creates the schema), but every node reaches the database through one
 * {@link OutageDataSource}, so a test can take the database away from all of them (and count what they
 * write to it), while {@link #dataSource()} — the real pool — still checks what the database holds.
 * Also the test's view of the {@link Visit} write-behind queue, its L2 entries and its rows.
 */
final class WriteBehindCluster implements AutoCloseable {

    static final String VISIT_REGION = Visit.class.getName();

    private final TestDatabase database;
    private final HikariDataSource pool;
    private final OutageDataSource outage;
    private final String redisUrl;
    private final String keyPrefix;
    private final List<Node> nodes = new ArrayList<>();

    private WriteBehindCluster(TestDatabase database, int nodeCount, Map<String, Object> settings) {
        this.database = database;
        this.pool = database.newDataSource(16);
        this.outage = new OutageDataSource(pool);
        this.redisUrl = TestRedis.endpoint().url();
        this.keyPrefix = TestRedis.newKeyPrefix("write-behind");
        for (int i = 0; i < nodeCount; i++) {
            nodes.add(new Node(String.valueOf((char) ('a' + i)), outage, redisUrl, keyPrefix, i == 0, settings));
        }
    }

    /** {@code nodeCount} nodes on a fresh database of this kind (skips the test when it cannot be had). */
    static WriteBehindCluster start(TestDatabases.Kind kind, int nodeCount, Map<String, Object> settings) {
        TestDatabase database = TestDatabases.create(kind);
        try {
            return new WriteBehindCluster(database, nodeCount, settings);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    Node node(int index) {
        return nodes.get(index);
    }

    /** One more node on the same database (through the outage switch) and Redis key prefix; closed with the others. */
    Node addNode(String name, Map<String, Object> settings) {
        Node node = new Node(name, outage, redisUrl, keyPrefix, false, settings);
        nodes.add(node);
        return node;
    }

    /** The switch and counters between the nodes and the database. */
    OutageDataSource outage() {
        return outage;
    }

    /** The real pool, past the outage switch: what the database holds. */
    HikariDataSource dataSource() {
        return pool;
    }

    String redisUrl() {
        return redisUrl;
    }

    String keyPrefix() {
        return keyPrefix;
    }

    static WriteBehindStore<Visit> visits(Node node) {
        return WriteBehindStore.of(node.emf(), Visit.class);
    }

    /**
     * The Visit queue as every node names it (stream, dead-letter stream, pinned entries), for looking at:
     * built on node 0's client with node 0's settings, it starts nothing.
     */
    WriteBehindQueue queue() {
        TieredRuntime runtime = nodes.get(0).runtime();
        return new WriteBehindQueue(runtime.redisson(), keyPrefix, VISIT_REGION, "Visit",
                runtime.policies().of(Visit.class).l2Ttl(), runtime.config().tombstoneTtl());
    }

    /** The L2 entry of a visit, exactly as Redis holds it now. */
    EntrySnapshot l2(String id) {
        return nodes.get(0).runtime().store().inspect(queue().l2Region(), keyText(id));
    }

    static String keyText(String id) {
        return Visit.class.getName() + "#" + id;
    }

    /**
     * Stops the node's write-behind flusher (what it holds is flushed first); the node keeps accepting
     * writes through a {@link WriteBehindStore} taken before. So a test decides which JVM flushes.
     */
    static WriteBehindStore<Visit> stopFlusher(Node node) {
        WriteBehindStore<Visit> store = visits(node);
        ((TieredRegionFactory) node.emf().unwrap(SessionFactoryImplementor.class).getCache().getRegionFactory())
                .stopWriteBehind();
        return store;
    }

    /** One row of the visits table. */
    record VisitRow(String id, long hits, String label, long version) {
    }

    /** The visit's row as the database holds it, past every cache. */
    Optional<VisitRow> row(String id) {
        return rows(pool, "select id, hits, label, version from visits where id = ?", id).values().stream().findFirst();
    }

    /** Every row of the visits table, by id. */
    Map<String, VisitRow> rows() {
        return rows(pool, "select id, hits, label, version from visits", null);
    }

    static Map<String, VisitRow> rows(javax.sql.DataSource dataSource, String sql, String id) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement(sql)) {
            if (id != null) {
                select.setString(1, id);
            }
            Map<String, VisitRow> rows = new TreeMap<>();
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    rows.put(row.getString(1), new VisitRow(row.getString(1), row.getLong(2), row.getString(3), row.getLong(4)));
                }
            }
            if (!connection.getAutoCommit()) {
                connection.commit();
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read visits", e);
        }
    }

    @Override
    public void close() {
        outage.comeBack();
        try {
            nodes.forEach(Node::close);
        } finally {
            database.close();
        }
    }
}
