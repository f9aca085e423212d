package dev.tieredjpa.bench;

import dev.tieredjpa.cache.TieredCache;
import dev.tieredjpa.cache.TieredCacheConfig;
import dev.tieredjpa.cache.TieredCacheManager;
import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.cache.ValueFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Counts the Redis commands one operation sends, over {@value #OPERATIONS} operations, less what the same
 * clients sent while idle for as long (background tasks). Latency says how fast a hit is; this says why: an
 * L1 hit that made a round trip, or a session that asked Redis for a timestamp, shows as a whole command
 * per operation. Rows go to the {@code roundTrips} section.
 *
 * <p>Counted at a {@link CountingRedisProxy} that only the measured clients go through, not with the
 * server's {@code INFO} counters, for two reasons seen on a shared machine: other runs' tests on the same
 * Redis land in {@code total_commands_processed} (hundreds of {@code EVALSHA}s within one 200-operation
 * window), and the server counts the commands a Lua script calls too, so our one-round-trip L2 read (an
 * {@code EVALSHA} whose script calls {@code TIME} and {@code HGETALL}) counts three there.
 *
 * <p>A node also talks to Redis with nothing asked of it: ours polls the write-behind stream of
 * {@code UserSession} ({@code XAUTOCLAIM}, then {@code XREADGROUP} blocking for its 200 ms delay), a few
 * commands every 200 ms, which a 200-operation window catches at random. So each client is first listened
 * to while idle for {@value #IDLE_MILLIS} ms: that is its own row ({@code idle second}, commands per
 * second), and the commands it sent then are its background, left out of the per-operation counts (they
 * still show in {@code commands}). What remains is the least of {@value #TRIALS} trials less the least
 * rise while idle for as long.
 */
final class RedisRoundTrips {

    static final int OPERATIONS = 200;
    static final int TRIALS = 3;
    static final int IDLE_MILLIS = 1_000;
    private static final long KEY = FindBenchmark.KEY;

    /**
     * One operation's cost: commands sent to Redis per operation (background left out), and every command
     * sent over the trial with fewest, background included.
     */
    record Count(String peer, String operation, double redisCallsPerOp, Map<String, Long> commands) {
    }

    private RedisRoundTrips() {
    }

    /** Counts ours (entity and direct face) and Redisson's region factory; adds the rows and returns them. */
    static List<Count> measure(Results results, Services services) {
        List<Count> counts = new ArrayList<>();
        try (CountingRedisProxy proxy = new CountingRedisProxy(services.redis().url())) {
            entityFace(proxy, services, Peer.TIERED, Map.of(TieredCacheSettings.REDIS_URL, proxy.url()), counts);
            directFace(proxy, services, counts);
            entityFace(proxy, services, Peer.REDISSON, Map.of("hibernate.cache.redisson.config", redissonConfig(proxy)), counts);
        }
        for (Count count : counts) {
            results.add("roundTrips", "peer", count.peer(), "operation", count.operation(),
                    "redisCallsPerOp", count.redisCallsPerOp(), "commands", count.commands().toString());
        }
        return counts;
    }

    /** A node of {@code peer} whose Redis client goes through the proxy ({@code viaProxy} overrides its URL). */
    private static void entityFace(CountingRedisProxy proxy, Services services, Peer peer, Map<String, Object> viaProxy,
                                   List<Count> counts) {
        try (Nodes nodes = Nodes.start(peer, services, 1, 2, viaProxy)) {
            BenchNode node = nodes.get(0);
            node.find(KEY); // fills every tier
            Count idle = idle(proxy, peer.label());
            counts.add(idle);
            Set<String> background = idle.commands().keySet();
            String hit = peer == Peer.TIERED ? "find (L1 hit)" : "find (hit)";
            counts.add(count(proxy, background, peer.label(), hit, () -> node.find(KEY)));
            counts.add(count(proxy, background, peer.label(), "session open", () -> node.emf().createEntityManager().close()));
            if (peer == Peer.TIERED) {
                counts.add(count(proxy, background, peer.label(), "L1 clear", node::clearLocalTier));
                counts.add(count(proxy, background, peer.label(), "find (L2 hit)", () -> {
                    node.clearLocalTier();
                    node.find(KEY);
                }));
            }
        }
    }

    private static void directFace(CountingRedisProxy proxy, Services services, List<Count> counts) {
        String prefix = services.newKeyPrefix("round-trips-direct");
        TieredCacheManager manager = TieredCacheManager.create(TieredCacheConfig.fromProperties(Map.of(
                TieredCacheSettings.REDIS_URL, proxy.url(),
                TieredCacheSettings.KEY_PREFIX, prefix)));
        try {
            TieredCache<String, String> cache = manager.cache(DirectGetBenchmark.CACHE, ValueFormat.utf8());
            cache.put(DirectGetBenchmark.KEY, DirectGetBenchmark.VALUE);
            String peer = Peer.TIERED.label() + " direct";
            Count idle = idle(proxy, peer);
            counts.add(idle);
            Set<String> background = idle.commands().keySet();
            counts.add(count(proxy, background, peer, "get (L1 hit)", () -> cache.get(DirectGetBenchmark.KEY)));
            counts.add(count(proxy, background, peer, "get (L2 hit)", () -> {
                manager.runtime().l1Cache(DirectGetBenchmark.CACHE).clear();
                cache.get(DirectGetBenchmark.KEY);
            }));
        } finally {
            try {
                manager.runtime().redisson().getKeys().deleteByPattern(prefix + "*");
            } finally {
                manager.close();
            }
        }
    }

    /** Redisson's YAML for the region factory, as {@link Nodes} writes it, with the proxy's address. */
    private static String redissonConfig(CountingRedisProxy proxy) {
        try {
            Path yaml = Files.createTempFile("round-trips-redisson", ".yaml");
            yaml.toFile().deleteOnExit();
            return Files.writeString(yaml, "singleServerConfig:\n  address: \"" + proxy.url() + "\"\n").toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the client sends with nothing asked of it, over {@value #IDLE_MILLIS} ms: per second, and which. */
    private static Count idle(CountingRedisProxy proxy, String peer) {
        CountingRedisProxy.Sent before = proxy.sent();
        sleep(TimeUnit.MILLISECONDS.toNanos(IDLE_MILLIS));
        CountingRedisProxy.Sent idle = proxy.sent().since(before);
        return new Count(peer, "idle second", idle.total() * 1000.0 / IDLE_MILLIS, idle.byName());
    }

    /**
     * Runs {@code action} {@value #OPERATIONS} times per trial and counts the commands not in
     * {@code background}: the least over the trials less the least while idle for as long.
     */
    static Count count(CountingRedisProxy proxy, Set<String> background, String peer, String operation, Runnable action) {
        for (int i = 0; i < 20; i++) {
            action.run(); // connections made, classes loaded: not what is counted
        }
        long leastBusy = Long.MAX_VALUE;
        long leastIdle = Long.MAX_VALUE;
        Map<String, Long> commands = Map.of();
        for (int trial = 0; trial < TRIALS; trial++) {
            CountingRedisProxy.Sent before = proxy.sent();
            long started = System.nanoTime();
            for (int i = 0; i < OPERATIONS; i++) {
                action.run();
            }
            long elapsed = System.nanoTime() - started;
            CountingRedisProxy.Sent busy = proxy.sent().since(before);
            if (foreground(busy, background) < leastBusy) {
                leastBusy = foreground(busy, background);
                commands = busy.byName();
            }
            CountingRedisProxy.Sent idleBefore = proxy.sent();
            sleep(elapsed);
            leastIdle = Math.min(leastIdle, foreground(proxy.sent().since(idleBefore), background));
        }
        return new Count(peer, operation, Math.max(0, leastBusy - leastIdle) / (double) OPERATIONS, commands);
    }

    private static long foreground(CountingRedisProxy.Sent sent, Set<String> background) {
        return sent.byName().entrySet().stream()
                .filter(command -> !background.contains(command.getKey()))
                .mapToLong(Map.Entry::getValue).sum();
    }

    private static void sleep(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring the idle baseline", e);
        }
    }
}
