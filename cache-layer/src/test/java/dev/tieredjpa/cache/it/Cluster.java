package dev.tieredjpa.cache.it;

import com.zaxxer.hikari.HikariDataSource;
import dev.tieredjpa.testsupport.TestDatabase;
import dev.tieredjpa.testsupport.TestDatabases;
import dev.tieredjpa.testsupport.TestRedis;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.redisson.api.RedissonClient;

/**
 * Nodes of one service for a test: a fresh database (the first node creates the schema), one Redis key
 * prefix of their own, and N nodes sharing both. Closing it closes the nodes and drops the database.
 */
public final class Cluster implements AutoCloseable {

    private final TestDatabase database;
    private final HikariDataSource dataSource;
    private final String redisUrl;
    private final String keyPrefix;
    private final List<Node> nodes = new ArrayList<>();

    private Cluster(TestDatabase database, String redisUrl, int nodeCount, Map<String, Object> settings) {
        this.database = database;
        this.dataSource = database.newDataSource(16);
        this.redisUrl = redisUrl;
        this.keyPrefix = TestRedis.newKeyPrefix("cluster");
        for (int i = 0; i < nodeCount; i++) {
            nodes.add(new Node(String.valueOf((char) ('a' + i)), dataSource, redisUrl, keyPrefix, i == 0, settings));
        }
    }

    /** Nodes on the test Redis and a database of this kind. */
    public static Cluster start(TestDatabases.Kind kind, int nodeCount) {
        return start(kind, nodeCount, TestRedis.endpoint().url(), Map.of());
    }

    public static Cluster start(TestDatabases.Kind kind, int nodeCount, String redisUrl, Map<String, Object> settings) {
        TestDatabase database = TestDatabases.create(kind);
        try {
            return new Cluster(database, redisUrl, nodeCount, settings);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    public Node node(int index) {
        return nodes.get(index);
    }

    public List<Node> nodes() {
        return List.copyOf(nodes);
    }

    public String keyPrefix() {
        return keyPrefix;
    }

    public HikariDataSource dataSource() {
        return dataSource;
    }

    /** The Redis client of node 0, for looking at (and tampering with) what the nodes stored. */
    public RedissonClient redis() {
        return nodes.get(0).runtime().redisson();
    }

    @Override
    public void close() {
        nodes.forEach(Node::close);
        database.close();
    }
}
