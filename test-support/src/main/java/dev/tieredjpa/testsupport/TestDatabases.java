package dev.tieredjpa.testsupport;

import dev.tieredjpa.devservices.DatabaseEndpoint;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Makes an empty database per test, on H2 or PostgreSQL.
 *
 * <p>PostgreSQL is found in this order: {@code DB_URL} when it names a PostgreSQL server (a database of
 * this run is created on that server and dropped afterwards), then a Testcontainers PostgreSQL where
 * Docker answers. Where neither is found, a test that asks for PostgreSQL is skipped, saying why.
 * H2 is always there, in memory.
 */
public final class TestDatabases {

    /** The databases the project supports. */
    public enum Kind { H2, POSTGRES }

    private static final Logger log = LoggerFactory.getLogger(TestDatabases.class);
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static volatile DatabaseEndpoint postgresServer;
    private static volatile boolean postgresResolved;

    private TestDatabases() {
    }

    /** An empty database of this kind; skips the calling test when that kind cannot be had here. */
    public static TestDatabase create(Kind kind) {
        String name = "tj_" + TestRun.ID + "_" + DATABASES.incrementAndGet();
        return switch (kind) {
            case H2 -> new TestDatabase(kind, DatabaseEndpoint.h2Memory(name), () -> dropH2(name));
            case POSTGRES -> {
                DatabaseEndpoint server = postgresServer().orElse(null);
                Assumptions.assumeTrue(server != null,
                        "No PostgreSQL: set DB_URL to a jdbc:postgresql:// URL or run a Docker engine for Testcontainers");
                yield createOnPostgres(server, name);
            }
        };
    }

    /** The default database of the resolution order: PostgreSQL if one is configured or startable, else H2. */
    public static TestDatabase createDefault() {
        return create(postgresServer().isPresent() ? Kind.POSTGRES : Kind.H2);
    }

    /** Whether tests of this kind can run here. */
    public static boolean isAvailable(Kind kind) {
        return kind == Kind.H2 || postgresServer().isPresent();
    }

    private static Optional<DatabaseEndpoint> postgresServer() {
        if (!postgresResolved) {
            synchronized (TestDatabases.class) {
                if (!postgresResolved) {
                    postgresServer = resolvePostgres();
                    postgresResolved = true;
                    log.info("Tests use PostgreSQL at {}", postgresServer == null ? "none" : postgresServer.describe());
                }
            }
        }
        return Optional.ofNullable(postgresServer);
    }

    private static DatabaseEndpoint resolvePostgres() {
        Optional<DatabaseEndpoint> fromEnvironment = DatabaseEndpoint.fromEnvironment(System::getenv);
        if (fromEnvironment.isPresent()) {
            return fromEnvironment.get().isPostgres() ? fromEnvironment.get() : null;
        }
        return Docker.isAvailable() ? startContainer() : null;
    }

    @SuppressWarnings("resource") // lives for the JVM; Testcontainers' reaper removes it
    private static DatabaseEndpoint startContainer() {
        PostgreSQLContainer postgres = new PostgreSQLContainer("postgres:16-alpine");
        postgres.start();
        return new DatabaseEndpoint(postgres.getJdbcUrl(), postgres.getUsername(), postgres.getPassword(), "testcontainers");
    }

    private static TestDatabase createOnPostgres(DatabaseEndpoint server, String name) {
        execute(server, "CREATE DATABASE " + name);
        DatabaseEndpoint database = new DatabaseEndpoint(withDatabase(server.jdbcUrl(), name), server.user(),
                server.password(), server.source());
        return new TestDatabase(Kind.POSTGRES, database, () -> execute(server, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"));
    }

    /** {@code jdbc:postgresql://host:port/old?x=y} with {@code old} replaced by {@code database}. */
    static String withDatabase(String jdbcUrl, String database) {
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        String authority = uri.getRawAuthority() == null ? "" : "//" + uri.getRawAuthority();
        return "jdbc:" + uri.getScheme() + ":" + authority + "/" + database + query;
    }

    private static void dropH2(String name) {
        execute(DatabaseEndpoint.h2Memory(name), "SHUTDOWN");
    }

    private static void execute(DatabaseEndpoint endpoint, String sql) {
        try (Connection connection = DriverManager.getConnection(endpoint.jdbcUrl(), endpoint.user(), endpoint.password());
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not run '" + sql + "' on " + endpoint.describe(), e);
        }
    }
}
