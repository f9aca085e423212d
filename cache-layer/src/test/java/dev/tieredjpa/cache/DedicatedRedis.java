package dev.tieredjpa.cache;

import dev.tieredjpa.devservices.EmbeddedRedis;
import org.redisson.api.RedissonClient;

/**
 * A redis-server of a test's own, with a client on it: for tests that count commands or change the
 * server's configuration, which they must not do to the Redis other tests share.
 */
public final class DedicatedRedis implements AutoCloseable {

    private final EmbeddedRedis server;
    private final RedissonClient client;

    private DedicatedRedis(EmbeddedRedis server, RedissonClient client) {
        this.server = server;
        this.client = client;
    }

    public static DedicatedRedis start(String clientName) {
        EmbeddedRedis server = EmbeddedRedis.start();
        return new DedicatedRedis(server, RedissonClients.forUrl(server.endpoint().url(), clientName));
    }

    public EmbeddedRedis server() {
        return server;
    }

    public RedissonClient client() {
        return client;
    }

    @Override
    public void close() {
        client.shutdown();
        server.close();
    }
}
