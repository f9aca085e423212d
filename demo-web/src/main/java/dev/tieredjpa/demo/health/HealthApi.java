package dev.tieredjpa.demo.health;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tieredjpa.cache.RedisHealth;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.sql.Connection;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.redisson.api.RedissonClient;

/**
 * {@code GET /health}: UP when the database and Redis answer; DEGRADED (still 200: the service serves,
 * from L1 and the database) when only Redis does not; DOWN (503) when the database does not.
 */
public final class HealthApi {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    /** One dependency's state. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Component(String status, String source, Long latencyMicros, String error) {
    }

    /** The whole answer. */
    public record Health(String status, String node, Component db, Component redis) {
    }

    private final String node;
    private final DataSource dataSource;
    private final String dbSource;
    private final RedissonClient redis;
    private final String redisSource;
    private final BooleanSupplier cacheUsesRedis;

    /**
     * @param cacheUsesRedis whether the cache layer's circuit breaker lets it use Redis: a service whose
     *                       cache has stepped back to L1 and the database is degraded even if a PING answers
     */
    public HealthApi(String node, DataSource dataSource, String dbSource, RedissonClient redis, String redisSource,
                     BooleanSupplier cacheUsesRedis) {
        this.node = node;
        this.dataSource = dataSource;
        this.dbSource = dbSource;
        this.redis = redis;
        this.redisSource = redisSource;
        this.cacheUsesRedis = cacheUsesRedis;
    }

    public void register(RoutesConfig config) {
        config.get("/health", this::health);
    }

    /** Checks both dependencies now. */
    public Health check() {
        Component db = checkDatabase();
        RedisHealth redisHealth = RedisHealth.check(redis, TIMEOUT);
        boolean redisUp = redisHealth.up() && cacheUsesRedis.getAsBoolean();
        String redisError = redisHealth.up() && !redisUp ? "the cache's circuit breaker is open" : redisHealth.error();
        Component redisComponent = new Component(redisUp ? "UP" : "DOWN", redisSource, redisHealth.latencyMicros(), redisError);
        String status = !db.status().equals("UP") ? "DOWN" : redisUp ? "UP" : "DEGRADED";
        return new Health(status, node, db, redisComponent);
    }

    private void health(Context ctx) {
        Health health = check();
        ctx.status(health.status().equals("DOWN") ? 503 : 200).json(health);
    }

    private Component checkDatabase() {
        long start = System.nanoTime();
        try (Connection connection = dataSource.getConnection()) {
            boolean valid = connection.isValid((int) TIMEOUT.toSeconds());
            return new Component(valid ? "UP" : "DOWN", dbSource, (System.nanoTime() - start) / 1_000,
                    valid ? null : "the connection did not answer within " + TIMEOUT.toSeconds() + " s");
        } catch (Exception e) {
            return new Component("DOWN", dbSource, (System.nanoTime() - start) / 1_000, String.valueOf(e.getMessage()));
        }
    }
}
