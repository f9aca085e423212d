package dev.tieredjpa.demo;

import dev.tieredjpa.devservices.DatabaseEndpoint;
import dev.tieredjpa.testsupport.TestDatabase;
import dev.tieredjpa.testsupport.TestDatabases;
import dev.tieredjpa.testsupport.TestRedis;
import java.net.URI;
import java.util.Map;

/**
 * A {@link DemoService} running on a free port, over a fresh database from test-support and the tests'
 * Redis. Start one per test class; {@link #startNode(String)} adds a second node on the same database
 * and Redis. {@link #close()} stops the service and, for the first node, drops its database.
 *
 * <p>Each started demo gets a Redis key prefix of its own ({@code REDIS_KEY_PREFIX}, from
 * {@link TestRedis#newKeyPrefix(String)}), which only the nodes on its database share. Without one, every
 * fresh database numbers its rows from 1 again, and the shared Redis would serve another test's (or an
 * earlier run's) user 1.
 */
final class RunningDemo implements AutoCloseable {

    private final String nodeName;
    private final TestDatabase database;
    private final String redisKeyPrefix;
    private final boolean ownsDatabase;
    private final DemoService service;

    private RunningDemo(String nodeName, TestDatabase database, String redisKeyPrefix, boolean ownsDatabase,
            DemoService service) {
        this.nodeName = nodeName;
        this.database = database;
        this.redisKeyPrefix = redisKeyPrefix;
        this.ownsDatabase = ownsDatabase;
        this.service = service;
    }

    /** A node over a database and Redis key prefix of its own; the database is dropped when this node closes. */
    static RunningDemo start(String nodeName) throws Exception {
        TestDatabase database = TestDatabases.createDefault();
        String redisKeyPrefix = TestRedis.newKeyPrefix("demo");
        try {
            return new RunningDemo(nodeName, database, redisKeyPrefix, true,
                    DemoService.start(environment(nodeName, database, redisKeyPrefix)));
        } catch (Throwable startFailed) {
            database.close();
            throw startFailed;
        }
    }

    /** Another node on this node's database, Redis and key prefix, on a port of its own. Close it before this one. */
    RunningDemo startNode(String otherNodeName) throws Exception {
        return new RunningDemo(otherNodeName, database, redisKeyPrefix, false,
                DemoService.start(environment(otherNodeName, database, redisKeyPrefix)));
    }

    private static Map<String, String> environment(String nodeName, TestDatabase database, String redisKeyPrefix) {
        DatabaseEndpoint db = database.endpoint();
        return Map.of(
                "PORT", "0",
                "NODE_NAME", nodeName,
                "DB_URL", db.jdbcUrl(),
                "DB_USER", db.user(),
                "DB_PASSWORD", db.password(),
                "REDIS_URL", TestRedis.endpoint().url(),
                "REDIS_KEY_PREFIX", redisKeyPrefix);
    }

    ApiClient client() {
        return new ApiClient(baseUri());
    }

    String nodeName() {
        return nodeName;
    }

    /** The node's database, for tests that check what it holds. */
    TestDatabase database() {
        return database;
    }

    int port() {
        return ((Number) service.port()).intValue();
    }

    URI baseUri() {
        return URI.create(String.valueOf(service.baseUri()));
    }

    @Override
    public void close() throws Exception {
        try {
            service.close();
        } finally {
            if (ownsDatabase) {
                database.close();
            }
        }
    }

    @Override
    public String toString() {
        return "RunningDemo{" + nodeName + " at " + baseUri() + " on " + database + ", keys " + redisKeyPrefix + "}";
    }
}
