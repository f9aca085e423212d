package dev.tieredjpa.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.cache.TieredRegionFactory;
import dev.tieredjpa.domain.Product;
import dev.tieredjpa.domain.User;
import dev.tieredjpa.domain.UserSession;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.SharedCacheMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hibernate.cfg.AvailableSettings;
import org.hibernate.jpa.HibernatePersistenceConfiguration;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * Starts the nodes of one peer over one database and one Redis: each node an EntityManagerFactory of
 * its own, configured as the peer's project recommends, on keys no other peer or run uses. Closing it
 * closes the nodes and removes the peer's keys from Redis.
 */
final class Nodes implements AutoCloseable {

    /** L1 of ours and of Ehcache by reference: the product region named, sized for the largest catalogue. */
    private static final String BY_REFERENCE_XML = """
            <config xmlns="http://www.ehcache.org/v3">
              <cache alias="dev.tieredjpa.domain.Product">
                <expiry><ttl unit="minutes">30</ttl></expiry>
                <heap unit="entries">1200000</heap>
              </cache>
            </config>
            """;
    /** Ehcache's default: no cache named, so hibernate-jcache creates each through JCache (store-by-value). */
    private static final String DEFAULT_XML = """
            <config xmlns="http://www.ehcache.org/v3"/>
            """;

    private final Peer peer;
    private final Services services;
    private final String keyPrefix;
    private final Path configDirectory;
    private final List<BenchNode> nodes = new ArrayList<>();

    private Nodes(Peer peer, Services services) {
        this.peer = peer;
        this.services = services;
        this.keyPrefix = services.newKeyPrefix(peer.name().toLowerCase());
        try {
            this.configDirectory = Files.createTempDirectory("bench-" + peer.name().toLowerCase());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code count} nodes of {@code peer}, each with a pool of {@code poolSize} connections. */
    static Nodes start(Peer peer, Services services, int count, int poolSize) {
        return start(peer, services, count, poolSize, Map.of());
    }

    /** As {@link #start(Peer, Services, int, int)}, with extra Hibernate or tiered-cache settings. */
    static Nodes start(Peer peer, Services services, int count, int poolSize, Map<String, Object> extra) {
        Nodes nodes = new Nodes(peer, services);
        try {
            for (int i = 0; i < count; i++) {
                nodes.nodes.add(nodes.startNode("node-" + (char) ('a' + i), poolSize, extra));
            }
            return nodes;
        } catch (RuntimeException e) {
            nodes.close();
            throw e;
        }
    }

    BenchNode get(int index) {
        return nodes.get(index);
    }

    List<BenchNode> all() {
        return List.copyOf(nodes);
    }

    int size() {
        return nodes.size();
    }

    Peer peer() {
        return peer;
    }

    /** The Redis key prefix of this peer's nodes (ours: also its invalidation channel's). */
    String keyPrefix() {
        return keyPrefix;
    }

    /** Statements every node has sent so far. */
    long statements() {
        return nodes.stream().mapToLong(BenchNode::statements).sum();
    }

    private BenchNode startNode(String name, int poolSize, Map<String, Object> extra) {
        HikariDataSource pool = services.database().newDataSource(poolSize);
        StatementCounter statements = new StatementCounter();
        HibernatePersistenceConfiguration configuration = new HibernatePersistenceConfiguration("bench-" + name)
                .managedClasses(User.class, Product.class, UserSession.class)
                .sharedCacheMode(SharedCacheMode.ENABLE_SELECTIVE)
                .property(AvailableSettings.JAKARTA_NON_JTA_DATASOURCE, statements.wrap(pool));
        settings(name).forEach(configuration::property);
        extra.forEach(configuration::property);
        EntityManagerFactory emf = configuration.createEntityManagerFactory();
        return new BenchNode(name, peer, emf, pool, statements);
    }

    private Map<String, Object> settings(String node) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put(AvailableSettings.HBM2DDL_AUTO, "validate");
        settings.put(AvailableSettings.JDBC_TIME_ZONE, "UTC");
        settings.put(AvailableSettings.GENERATE_STATISTICS, false);
        settings.put(AvailableSettings.USE_QUERY_CACHE, false);
        settings.put(AvailableSettings.USE_SECOND_LEVEL_CACHE, peer.caches());
        settings.put(AvailableSettings.DEFAULT_CACHE_CONCURRENCY_STRATEGY, "read-write");
        switch (peer) {
            case NO_CACHE -> { }
            case EHCACHE_BY_VALUE -> jcache(settings, node, DEFAULT_XML);
            case EHCACHE_BY_REFERENCE -> jcache(settings, node, BY_REFERENCE_XML);
            case REDISSON -> {
                settings.put(AvailableSettings.CACHE_REGION_FACTORY, "org.redisson.hibernate.RedissonRegionFactory");
                settings.put("hibernate.cache.redisson.config", write(node + "-redisson.yaml", redissonYaml()).toString());
                settings.put(AvailableSettings.CACHE_REGION_PREFIX, keyPrefix);
            }
            case TIERED -> {
                settings.put(AvailableSettings.CACHE_REGION_FACTORY, TieredRegionFactory.class.getName());
                settings.put(TieredCacheSettings.REDIS_URL, services.redis().url());
                settings.put(TieredCacheSettings.KEY_PREFIX, keyPrefix);
                settings.put(TieredCacheSettings.NODE_NAME, node);
                settings.put(TieredCacheSettings.EHCACHE_CONFIG, write(node + "-ehcache.xml", BY_REFERENCE_XML).toString());
            }
        }
        return settings;
    }

    /** hibernate-jcache with Ehcache; a cache manager per node (JCache shares one per URI). */
    private void jcache(Map<String, Object> settings, String node, String xml) {
        settings.put(AvailableSettings.CACHE_REGION_FACTORY, "jcache");
        settings.put("hibernate.javax.cache.provider", "org.ehcache.jsr107.EhcacheCachingProvider");
        settings.put("hibernate.javax.cache.uri", write(node + "-ehcache.xml", xml).toUri().toString());
        settings.put("hibernate.javax.cache.missing_cache_strategy", "create");
    }

    private String redissonYaml() {
        return "singleServerConfig:\n  address: \"" + services.redis().url() + "\"\n";
    }

    private Path write(String file, String content) {
        try {
            return Files.writeString(configDirectory.resolve(file), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        nodes.forEach(BenchNode::close);
        nodes.clear();
        if (peer.sharedAcrossNodes()) {
            removeKeys();
        }
    }

    /** Deletes this peer's keys, so that runs leave nothing behind in a shared Redis. */
    private void removeKeys() {
        Config config = new Config();
        config.useSingleServer().setAddress(services.redis().url());
        RedissonClient redisson = Redisson.create(config);
        try {
            redisson.getKeys().deleteByPattern(keyPrefix + "*");
        } finally {
            redisson.shutdown();
        }
    }
}
