package dev.tieredjpa.cache.it;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.h2.tools.Server;

/**
 * The cluster's database as another JVM (a {@link NodeMain}) reaches it: PostgreSQL by its URL; the
 * in-memory H2 through an H2 TCP server that this JVM runs for the test.
 */
final class SharedDatabase implements AutoCloseable {
    private final WriteBehindCluster cluster;
    private final String url;
    private final Server h2;

    private SharedDatabase(WriteBehindCluster cluster, String url, Server h2) {
        this.cluster = cluster;
        this.url = url;
        this.h2 = h2;
    }

    static SharedDatabase of(WriteBehindCluster cluster) throws SQLException {
        String url = cluster.dataSource().getJdbcUrl();
        if (!url.startsWith("jdbc:h2:mem:")) {
            return new SharedDatabase(cluster, url, null);
        }
        Server server = Server.createTcpServer("-tcpPort", "0", "-tcpDaemon").start();
        String name = url.substring("jdbc:h2:mem:".length()).split(";")[0];
        return new SharedDatabase(cluster, "jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/mem:" + name, server);
    }

    Map<String, String> childArguments(String node) {
        Map<String, String> arguments = new LinkedHashMap<>();
        arguments.put("db-url", url);
        arguments.put("db-user", cluster.dataSource().getUsername());
        arguments.put("redis-url", cluster.redisUrl());
        arguments.put("key-prefix", cluster.keyPrefix());
        arguments.put("node", node);
        arguments.put("batch-size", "100");
        arguments.put("pause-ms", "100");
        arguments.put("max-seconds", "90");
        return arguments;
    }

    /** Handed to the child in its environment, not on its command line (which {@code ps} shows). */
    String password() {
        return cluster.dataSource().getPassword() == null ? "" : cluster.dataSource().getPassword();
    }

    @Override
    public void close() {
        if (h2 != null) {
            h2.stop();
        }
    }
}

