package dev.tieredjpa.cache.it;

import com.zaxxer.hikari.HikariDataSource;
import dev.tieredjpa.testsupport.TestDatabase;
import dev.tieredjpa.testsupport.TestDatabases;
import dev.tieredjpa.testsupport.TestRedis;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Nodes for the read-policy tests (stale-if-error, negative cache, multi-get): like {@link Cluster} (a fresh
 * database, a Redis key prefix of their own, the first node creates the schema), but every node reaches the
 * database through an {@link OutageDataSource} (the test can take the database away) and, in front of it, a
 * counter of the queries that read the {@code items} table, counted at the JDBC boundary: what the database
 * really receives from every node together.
 */
final class ReadsCluster implements AutoCloseable {

    private final TestDatabase database;
    private final HikariDataSource pool;
    private final OutageDataSource outage;
    private final CountingSlowDataSource counting;
    private final List<Node> nodes = new ArrayList<>();

    private ReadsCluster(TestDatabase database, int nodeCount, Map<String, Object> settings) {
        this.database = database;
        this.pool = database.newDataSource(24);
        this.outage = new OutageDataSource(pool);
        this.counting = new CountingSlowDataSource(outage, "queries of items", ReadsCluster::selectsItems);
        String keyPrefix = TestRedis.newKeyPrefix("reads");
        try {
            for (int i = 0; i < nodeCount; i++) {
                nodes.add(new Node(String.valueOf((char) ('a' + i)), counting, TestRedis.endpoint().url(), keyPrefix, i == 0, settings));
            }
        } catch (RuntimeException e) {
            nodes.forEach(Node::close);
            throw e;
        }
    }

    /** {@code nodeCount} nodes on a fresh database of this kind (skips the test when it cannot be had). */
    static ReadsCluster start(TestDatabases.Kind kind, int nodeCount, Map<String, Object> settings) {
        TestDatabase database = TestDatabases.create(kind);
        try {
            return new ReadsCluster(database, nodeCount, settings);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    Node node(int index) {
        return nodes.get(index);
    }

    /** The switch between the nodes and the database. */
    OutageDataSource outage() {
        return outage;
    }

    /** The real pool, past the switch and the counter: what the database holds. */
    HikariDataSource dataSource() {
        return pool;
    }

    /** Queries reading the {@code items} table that every node together sent to the database so far. */
    long itemSelects() {
        return counting.count();
    }

    @Override
    public void close() {
        nodes.forEach(Node::close);
        database.close();
    }

    /** Whether this SQL is a query that reads the {@code items} table. */
    private static boolean selectsItems(String sql) {
        String text = sql.strip().toLowerCase(Locale.ROOT);
        return text.startsWith("select") && text.matches("(?s).*\\bfrom\\s+items\\b.*");
    }
}
