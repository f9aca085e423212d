package dev.tieredjpa.repository;

import com.zaxxer.hikari.HikariDataSource;
import dev.tieredjpa.devservices.DatabaseEndpoint;
import dev.tieredjpa.testsupport.TestDatabase;
import dev.tieredjpa.testsupport.TestDatabases;
import dev.tieredjpa.testsupport.TestRedis;
import dev.tieredjpa.testsupport.TestDatabases.Kind;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import org.hibernate.SessionFactory;
import org.hibernate.stat.Statistics;

/**
 * One test's world: a fresh, migrated database of one kind, and {@link Repositories} over it with a
 * {@link MutableClock}. Closing it closes the repositories and drops the database.
 *
 * <p>Skips the calling test (a JUnit assumption) when the kind of database is not available here.
 */
final class RepositoriesFixture implements AutoCloseable {

    /** A whole second, so that every database stores the clock's instants without rounding them. */
    static final Instant START = Instant.parse("2030-01-01T09:00:00Z");
    static final Duration SESSION_TTL = Duration.ofMinutes(30);

    private final TestDatabase database;
    private final MutableClock clock = new MutableClock(START);
    private final Repositories repositories;

    private RepositoriesFixture(TestDatabase database) {
        this.database = database;
        try {
            migrate(database);
            this.repositories = Repositories.builder(database.newDataSource(4))
                    .redisUrl(TestRedis.endpoint().url()).keyPrefix(TestRedis.newKeyPrefix("repository"))
                    .clock(clock)
                    .sessionTimeToLive(SESSION_TTL)
                    .build();
        } catch (RuntimeException | Error e) {
            database.close();
            throw e;
        }
    }

    static RepositoriesFixture start(Kind kind) {
        return new RepositoriesFixture(TestDatabases.create(kind));
    }

    Repositories repositories() {
        return repositories;
    }

    MutableClock clock() {
        return clock;
    }

    Statistics statistics() {
        return repositories.entityManagerFactory().unwrap(SessionFactory.class).getStatistics();
    }

    CacheCounts counts() {
        return CacheCounts.of(statistics());
    }

    /** Runs one SQL query that returns a number, on a connection of its own, past Hibernate and its caches. */
    long queryForLong(String sql) {
        try (Connection connection = connect(database);
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not run '" + sql + "' on " + database, e);
        }
    }

    @Override
    public void close() {
        try {
            repositories.close();
        } finally {
            database.close();
        }
    }

    /**
     * Runs the project's Flyway migrations on {@code database}; returns how many were applied.
     *
     * <p>Not {@link TestDatabase#migrate()}: that gives Flyway a pool of one connection, and Flyway's
     * migrate holds two at once (its main connection and its migration connection), so it times out
     * waiting for the second. Two connections are what Flyway needs.
     */
    static int migrate(TestDatabase database) {
        try (HikariDataSource pool = database.endpoint().dataSource("test-migrate", 2)) {
            return DatabaseEndpoint.migrate(pool);
        }
    }

    /** Runs one SQL statement in auto-commit mode, past Hibernate and its caches. */
    static void execute(TestDatabase database, String sql) {
        try (Connection connection = connect(database);
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not run '" + sql + "' on " + database, e);
        }
    }

    private static Connection connect(TestDatabase database) throws SQLException {
        return DriverManager.getConnection(database.endpoint().jdbcUrl(), database.endpoint().user(),
                database.endpoint().password());
    }
}
