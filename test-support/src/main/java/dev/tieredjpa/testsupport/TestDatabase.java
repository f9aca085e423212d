package dev.tieredjpa.testsupport;

import com.zaxxer.hikari.HikariDataSource;
import dev.tieredjpa.devservices.DatabaseEndpoint;
import java.util.ArrayList;
import java.util.List;

/**
 * An empty database made for one test (class), with its connection pools; {@link #close()} closes the
 * pools and drops the database. Get one from {@link TestDatabases}.
 */
public final class TestDatabase implements AutoCloseable {

    private final TestDatabases.Kind kind;
    private final DatabaseEndpoint endpoint;
    private final Runnable drop;
    private final List<HikariDataSource> pools = new ArrayList<>();

    TestDatabase(TestDatabases.Kind kind, DatabaseEndpoint endpoint, Runnable drop) {
        this.kind = kind;
        this.endpoint = endpoint;
        this.drop = drop;
    }

    public TestDatabases.Kind kind() {
        return kind;
    }

    public DatabaseEndpoint endpoint() {
        return endpoint;
    }

    /** A new connection pool to this database, closed with it. */
    public synchronized HikariDataSource newDataSource(int maxPoolSize) {
        HikariDataSource pool = endpoint.dataSource("test-" + kind.name().toLowerCase() + "-" + pools.size(), maxPoolSize);
        pools.add(pool);
        return pool;
    }

    /** Runs the project's Flyway migrations; returns how many were applied. */
    public int migrate() {
        // Flyway holds two connections at once while it migrates.
        try (HikariDataSource pool = endpoint.dataSource("test-migrate", 2)) {
            return DatabaseEndpoint.migrate(pool);
        }
    }

    @Override
    public synchronized void close() {
        pools.forEach(HikariDataSource::close);
        pools.clear();
        drop.run();
    }

    @Override
    public String toString() {
        return kind + " " + endpoint.describe();
    }
}
