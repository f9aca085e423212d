package dev.tieredjpa.devservices;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Where a database is: a JDBC URL with its credentials, and a word on where it came from
 * ({@code environment}, {@code testcontainers}, {@code embedded}) for logs and health.
 */
public record DatabaseEndpoint(String jdbcUrl, String user, String password, String source) {

    public static final String URL_VARIABLE = "DB_URL";
    public static final String USER_VARIABLE = "DB_USER";
    public static final String PASSWORD_VARIABLE = "DB_PASSWORD";

    public DatabaseEndpoint {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (!jdbcUrl.startsWith("jdbc:")) {
            throw new IllegalArgumentException(URL_VARIABLE + " must be a JDBC URL starting with 'jdbc:', but was " + jdbcUrl);
        }
        user = user == null ? "" : user;
        password = password == null ? "" : password;
        Objects.requireNonNull(source, "source");
    }

    /** The database named by {@code DB_URL}, {@code DB_USER} and {@code DB_PASSWORD}, if {@code DB_URL} is set. */
    public static Optional<DatabaseEndpoint> fromEnvironment(Function<String, String> environment) {
        String url = environment.apply(URL_VARIABLE);
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new DatabaseEndpoint(url.trim(), environment.apply(USER_VARIABLE),
                environment.apply(PASSWORD_VARIABLE), "environment"));
    }

    /** An H2 database in a file (the demo's default: its data outlives a restart). */
    public static DatabaseEndpoint h2File(String pathWithoutExtension) {
        return new DatabaseEndpoint("jdbc:h2:file:" + pathWithoutExtension + ";AUTO_SERVER=TRUE", "sa", "", "embedded");
    }

    /** An H2 database in memory that lives as long as the JVM (the tests' default). */
    public static DatabaseEndpoint h2Memory(String name) {
        return new DatabaseEndpoint("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1", "sa", "", "embedded");
    }

    public boolean isPostgres() {
        return jdbcUrl.startsWith("jdbc:postgresql:");
    }

    public boolean isH2() {
        return jdbcUrl.startsWith("jdbc:h2:");
    }

    /** A connection pool to this database; close it to release the connections. */
    public HikariDataSource dataSource(String poolName, int maxPoolSize) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(poolName);
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(maxPoolSize);
        config.setConnectionTimeout(5_000);
        // Hibernate drives transactions itself; the pool must hand out connections ready for that.
        config.setAutoCommit(false);
        return new HikariDataSource(config);
    }

    /** Brings the schema up to date with the Flyway migrations on the classpath ({@code db/migration}). */
    public static int migrate(DataSource dataSource) {
        return Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load()
                .migrate()
                .migrationsExecuted;
    }

    /** The URL without credentials, safe to log. */
    public String describe() {
        int parameters = jdbcUrl.indexOf('?');
        return (parameters < 0 ? jdbcUrl : jdbcUrl.substring(0, parameters)) + " (" + source + ")";
    }

    @Override
    public String toString() {
        return "DatabaseEndpoint{" + describe() + ", user=" + user + "}";
    }
}
