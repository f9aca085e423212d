package dev.tieredjpa.testsupport;

import dev.tieredjpa.devservices.EmbeddedRedis;
import dev.tieredjpa.devservices.RedisEndpoint;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * The Redis that tests use, found once per JVM in this order: {@code REDIS_URL}, then a Testcontainers
 * Redis where Docker answers, then an embedded {@code redis-server} on a free port.
 *
 * <p>Tests share the server but never its keys: each asks {@link #newKeyPrefix(String)} for a prefix of
 * its own, unique to this run, so runs and tests never see each other's data.
 */
public final class TestRedis {

    private static final Logger log = LoggerFactory.getLogger(TestRedis.class);
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static volatile RedisEndpoint endpoint;

    private TestRedis() {
    }

    public static RedisEndpoint endpoint() {
        RedisEndpoint found = endpoint;
        if (found == null) {
            synchronized (TestRedis.class) {
                if (endpoint == null) {
                    endpoint = resolve();
                    log.info("Tests use Redis at {}", endpoint.describe());
                }
                found = endpoint;
            }
        }
        return found;
    }

    /** A key prefix that no other test of any run uses, e.g. {@code test:3f9a1c2e:7:products:}. */
    public static String newKeyPrefix(String label) {
        return "test:" + TestRun.ID + ":" + PREFIXES.incrementAndGet() + ":" + label + ":";
    }

    private static RedisEndpoint resolve() {
        var fromEnvironment = RedisEndpoint.fromEnvironment(System::getenv);
        if (fromEnvironment.isPresent()) {
            return fromEnvironment.get();
        }
        if (Docker.isAvailable()) {
            return startContainer();
        }
        // Stopped by its own shutdown hook at JVM exit.
        return EmbeddedRedis.start().endpoint();
    }

    @SuppressWarnings("resource") // lives for the JVM; Testcontainers' reaper removes it
    private static RedisEndpoint startContainer() {
        GenericContainer<?> redis = new GenericContainer<>("redis:7.0-alpine").withExposedPorts(6379);
        redis.start();
        return new RedisEndpoint("redis://" + redis.getHost() + ":" + redis.getMappedPort(6379), "testcontainers");
    }
}
