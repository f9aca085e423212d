package dev.tieredjpa.cache.it;

import com.zaxxer.hikari.HikariDataSource;
import dev.tieredjpa.cache.internal.l2.RedisEntryStore;
import dev.tieredjpa.testsupport.TestDatabases;
import dev.tieredjpa.testsupport.TestRedis;
import java.util.Map;

/**
 * A {@link Cluster} of plain nodes plus one more node, {@link #pausable()}, whose JDBC work a test can stop
 * at a chosen point (see {@link PausingDataSource}). The pausable node is a {@link Node} like the others
 * (same settings, same database, same Redis key prefix): it only borrows its connections through the
 * pausing data source, and waits at most 300 ms for another node's lease (so that a race test's reader, which
 * finds a lease held by a reader that never puts, goes on to the database quickly rather than in 11 s).
 */
final class PausableCluster implements AutoCloseable {

    private final Cluster cluster;
    private final PausingDataSource pausingDataSource;
    private final Node pausable;

    private PausableCluster(Cluster cluster) {
        this.cluster = cluster;
        this.pausingDataSource = new PausingDataSource(cluster.dataSource());
        this.pausable = new Node("p", pausingDataSource, TestRedis.endpoint().url(), cluster.keyPrefix(), false,
                Map.of("tiered-cache.l2.lease-wait", "300ms"));
    }

    /** {@code plainNodes} plain nodes (the first creates the schema) and the pausable one, on a fresh database. */
    static PausableCluster start(TestDatabases.Kind kind, int plainNodes) {
        Cluster cluster = Cluster.start(kind, plainNodes);
        try {
            return new PausableCluster(cluster);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    Node node(int index) {
        return cluster.node(index);
    }

    Node pausable() {
        return pausable;
    }

    PausingDataSource pauses() {
        return pausingDataSource;
    }

    HikariDataSource dataSource() {
        return cluster.dataSource();
    }

    Cluster cluster() {
        return cluster;
    }

    /** The L2 entry store (through the first plain node's client), to inspect entries or act as another node would. */
    RedisEntryStore store() {
        return cluster.node(0).runtime().store();
    }

    @Override
    public void close() {
        try {
            pausable.close();
        } finally {
            cluster.close();
        }
    }
}
