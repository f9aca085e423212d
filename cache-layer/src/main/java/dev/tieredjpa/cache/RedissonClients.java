package dev.tieredjpa.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.BaseMasterSlaveServersConfig;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;
import org.redisson.config.SubscriptionMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the Redisson client that the cache layer talks to Redis through.
 *
 * <p>Two ways in: a single server's URL ({@code redis://host:port}), or Redisson's own YAML config file,
 * which is how Sentinel and Cluster are chosen without a code change. Either way the client:
 * <ul>
 *   <li>uses {@link StringCodec} as its default codec, never Redisson's default Kryo codec, which would
 *       build any class named in bytes read from Redis (DESIGN.md, promise 7); the cache layer encodes its
 *       values itself;</li>
 *   <li>initializes lazily, so that a service starts while Redis is down and reports itself degraded
 *       instead of failing to start (promise 6).</li>
 * </ul>
 */
public final class RedissonClients {

    private static final Logger log = LoggerFactory.getLogger(RedissonClients.class);

    /** How long a single Redis command may take before the cache layer treats Redis as slow. */
    public static final int COMMAND_TIMEOUT_MILLIS = 1_000;
    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;

    private RedissonClients() {
    }

    /** A client for the single Redis server at {@code url} ({@code redis://} or {@code rediss://}). */
    public static RedissonClient forUrl(String url, String clientName) {
        Config config = new Config();
        config.useSingleServer()
                .setAddress(url)
                .setClientName(clientName)
                .setConnectTimeout(CONNECT_TIMEOUT_MILLIS)
                .setTimeout(COMMAND_TIMEOUT_MILLIS)
                // No retries: the cache layer falls back instead (and a retried write script could run twice).
                .setRetryAttempts(0)
                .setConnectionMinimumIdleSize(2)
                .setConnectionPoolSize(16)
                .setSubscriptionConnectionMinimumIdleSize(1)
                // No pings: with them Redisson 4.7 was seen to drop a pub/sub message now and then without
                // reconnecting (InvalidationChannelLossTest), which would leave another node's L1 stale.
                // Dead connections are still found by the command timeout and by TCP.
                .setPingConnectionInterval(0);
        config.setTcpKeepAlive(true);
        return create(config);
    }

    /**
     * A client from Redisson's YAML config file (single, Sentinel or Cluster servers). With replicas
     * (Sentinel, Cluster) reads and subscriptions are kept on the masters whatever the file says: see
     * {@link #onMasters}.
     */
    public static RedissonClient forConfigFile(Path yaml) {
        Config config;
        try {
            config = Config.fromYAML(Files.newBufferedReader(yaml));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the Redisson config file " + yaml, e);
        }
        if (config.isClusterConfig()) {
            onMasters(config.useClusterServers(), yaml);
        } else if (config.isSentinelConfig()) {
            onMasters(config.useSentinelServers(), yaml);
        }
        return create(config);
    }

    /**
     * Reads and subscriptions on the masters, where Redisson's default reads from replicas:
     * <ul>
     *   <li>a replica lags its master, so a read there could miss the tombstone of a write that has returned;</li>
     *   <li>confirmed invalidations wait for as many answers as {@code PUBLISH} reports receivers, and a
     *       Redis Cluster node counts only its own subscribers: every node must subscribe where the
     *       invalidations are published, the master owning the channel's slot.</li>
     * </ul>
     */
    private static void onMasters(BaseMasterSlaveServersConfig<?> servers, Path yaml) {
        if (servers.getReadMode() != ReadMode.MASTER || servers.getSubscriptionMode() != SubscriptionMode.MASTER) {
            log.info("Redisson config {}: readMode {} and subscriptionMode {} set to MASTER (the tiered cache reads "
                    + "and listens where the writes go)", yaml, servers.getReadMode(), servers.getSubscriptionMode());
        }
        servers.setReadMode(ReadMode.MASTER);
        servers.setSubscriptionMode(SubscriptionMode.MASTER);
    }

    private static RedissonClient create(Config config) {
        config.setCodec(StringCodec.INSTANCE);
        config.setLazyInitialization(true);
        return Redisson.create(config);
    }
}
