package dev.tieredjpa.bench;

import dev.tieredjpa.devservices.RedisEndpoint;
import dev.tieredjpa.testsupport.TestDatabase;
import dev.tieredjpa.testsupport.TestDatabases;
import dev.tieredjpa.testsupport.TestRedis;
import java.util.Locale;

/**
 * The database and the Redis a benchmark runs against, found as the tests find them: {@code DB_URL} and
 * {@code REDIS_URL} from the environment, else Testcontainers where Docker answers, else H2 in memory and
 * a redis-server from the embedded-redis jar. The database is one of the run's own, dropped at close.
 */
final class Services implements AutoCloseable {

    /** The databases benchmarked: H2 in memory, PostgreSQL on loopback (the realistic one). */
    enum Db {
        H2, POSTGRES;

        TestDatabases.Kind kind() {
            return this == H2 ? TestDatabases.Kind.H2 : TestDatabases.Kind.POSTGRES;
        }

        String label() {
            return this == H2 ? "H2" : "PostgreSQL";
        }

        static Db parse(String name) {
            String wanted = name.trim().toUpperCase(Locale.ROOT);
            return wanted.startsWith("P") ? POSTGRES : H2;
        }
    }

    private final Db db;
    private final TestDatabase database;
    private final Catalog catalog;

    private Services(Db db, TestDatabase database, Catalog catalog) {
        this.db = db;
        this.database = database;
        this.catalog = catalog;
    }

    /** A migrated database of the run's own holding {@code products} products with ids 1..products. */
    static Services start(Db db, int products) {
        if (!TestDatabases.isAvailable(db.kind())) {
            throw new IllegalStateException(db.label() + " is not available: set DB_URL to a PostgreSQL server, or run where Docker answers");
        }
        TestDatabase database = TestDatabases.create(db.kind());
        try {
            database.migrate();
            Catalog catalog = Catalog.seed(database, products);
            return new Services(db, database, catalog);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    static boolean available(Db db) {
        return TestDatabases.isAvailable(db.kind());
    }

    Db db() {
        return db;
    }

    TestDatabase database() {
        return database;
    }

    Catalog catalog() {
        return catalog;
    }

    RedisEndpoint redis() {
        return TestRedis.endpoint();
    }

    /** A Redis key prefix that no other run or peer uses. */
    String newKeyPrefix(String label) {
        return TestRedis.newKeyPrefix("bench-" + label);
    }

    @Override
    public void close() {
        database.close();
    }
}
