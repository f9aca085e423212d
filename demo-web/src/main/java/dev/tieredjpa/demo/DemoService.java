package dev.tieredjpa.demo;

import com.zaxxer.hikari.HikariDataSource;
import dev.tieredjpa.cache.stats.TieredCacheMetrics;
import dev.tieredjpa.cache.stats.TieredStats;
import dev.tieredjpa.demo.health.HealthApi;
import dev.tieredjpa.demo.product.ProductApi;
import dev.tieredjpa.demo.session.SessionApi;
import dev.tieredjpa.demo.stats.MetricsApi;
import dev.tieredjpa.demo.stats.StatsApi;
import dev.tieredjpa.demo.user.UserApi;
import dev.tieredjpa.demo.web.ErrorMapping;
import dev.tieredjpa.demo.web.JettyErrorHandler;
import dev.tieredjpa.demo.web.Json;
import dev.tieredjpa.demo.web.Pages;
import dev.tieredjpa.demo.web.ResponseCache;
import dev.tieredjpa.demo.web.UnreadBodyDrain;
import dev.tieredjpa.devservices.DatabaseEndpoint;
import dev.tieredjpa.devservices.EmbeddedRedis;
import dev.tieredjpa.devservices.RedisEndpoint;
import dev.tieredjpa.repository.Repositories;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running node of the demo: its database pool (schema migrated by Flyway at start), its repositories,
 * its Redis client and its HTTP server. {@link #close()} stops them in the reverse order.
 */
public final class DemoService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DemoService.class);

    private final DemoConfig config;
    private final RedisEndpoint redisEndpoint;
    private final Javalin server;
    private final Deque<AutoCloseable> resources;

    private DemoService(DemoConfig config, RedisEndpoint redisEndpoint, Javalin server, Deque<AutoCloseable> resources) {
        this.config = config;
        this.redisEndpoint = redisEndpoint;
        this.server = server;
        this.resources = resources;
    }

    /** Starts a node with these environment variables (see {@link DemoConfig}). */
    public static DemoService start(Map<String, String> environment) {
        DemoConfig config = DemoConfig.fromEnvironment(environment);
        Deque<AutoCloseable> resources = new ArrayDeque<>();
        try {
            RedisEndpoint redisEndpoint = config.redis().orElseGet(() -> {
                EmbeddedRedis embedded = EmbeddedRedis.start();
                resources.push(embedded);
                return embedded.endpoint();
            });
            DatabaseEndpoint database = config.database();
            HikariDataSource dataSource = database.dataSource("demo-" + config.nodeName(), 10);
            resources.push(dataSource);
            int migrated = DatabaseEndpoint.migrate(dataSource);
            log.info("Database {}: {} migration(s) applied", database.describe(), migrated);

            Repositories repositories = Repositories.builder(dataSource)
                    .redisUrl(redisEndpoint.url())
                    .keyPrefix(config.keyPrefix())
                    .nodeName(config.nodeName())
                    // Hibernate's own counters, exported at /metrics beside the cache's
                    .property("hibernate.generate_statistics", "true")
                    .build();
            resources.push(repositories);
            // The cache layer's own client: health then sees Redis exactly as the cache does.
            RedissonClient redis = repositories.cache().redisson();
            log.info("Redis {}", redisEndpoint.describe());
            ResponseCache responses = ResponseCache.start(redisEndpoint.url(), config.keyPrefix(), config.nodeName());
            resources.push(responses);

            HealthApi health = new HealthApi(config.nodeName(), dataSource, database.source(), redis, redisEndpoint.source(),
                    () -> repositories.cache().breaker().allowsCalls());
            Javalin server = Javalin.create(javalin -> {
                javalin.jetty.host = config.host();
                javalin.jetty.port = config.port();
                javalin.http.maxRequestSize = Json.MAX_BODY_BYTES;
                javalin.jetty.modifyServer(jetty -> jetty.setErrorHandler(new JettyErrorHandler()));
                javalin.startup.showJavalinBanner = false;
                javalin.jsonMapper(new JavalinJackson(Json.MAPPER, false));
                ErrorMapping.register(javalin.routes);
                UnreadBodyDrain.register(javalin.routes);
                new UserApi(repositories.users(), responses).register(javalin.routes);
                new ProductApi(repositories.products(), responses).register(javalin.routes);
                new SessionApi(repositories.sessions()).register(javalin.routes);
                health.register(javalin.routes);
                new StatsApi(() -> concat(TieredStats.of(repositories.entityManagerFactory()), responses.stats()))
                        .register(javalin.routes);
                new MetricsApi(concat(TieredCacheMetrics.of(repositories.entityManagerFactory(), List.of()),
                        responses.metrics())).register(javalin.routes);
                Pages.register(javalin.staticFiles);
            });
            server.start();
            resources.push(server::stop);
            DemoService service = new DemoService(config, redisEndpoint, server, resources);
            log.info("Node {} listening on {}", config.nodeName(), service.baseUri());
            return service;
        } catch (RuntimeException e) {
            closeAll(resources);
            throw e;
        }
    }

    private static <T> List<T> concat(T first, List<? extends T> rest) {
        List<T> all = new java.util.ArrayList<>(1 + rest.size());
        all.add(first);
        all.addAll(rest);
        return all;
    }

    public int port() {
        return server.port();
    }

    public URI baseUri() {
        return URI.create("http://" + config.host() + ":" + port());
    }

    /** The Redis this node uses: the one in REDIS_URL, or its embedded one. */
    public RedisEndpoint redisEndpoint() {
        return redisEndpoint;
    }

    public String nodeName() {
        return config.nodeName();
    }

    @Override
    public void close() {
        closeAll(resources);
        log.info("Node {} stopped", config.nodeName());
    }

    private static void closeAll(Deque<AutoCloseable> resources) {
        while (!resources.isEmpty()) {
            AutoCloseable resource = resources.pop();
            try {
                resource.close();
            } catch (Exception e) {
                log.warn("Could not close {} cleanly", resource, e);
            }
        }
    }
}
