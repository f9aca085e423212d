package dev.tieredjpa.cache.internal.writebehind;

import dev.tieredjpa.cache.DedicatedRedis;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tieredjpa.cache.internal.l2.EntrySnapshot;
import dev.tieredjpa.cache.internal.l2.Lookup;
import dev.tieredjpa.cache.internal.l2.RedisEntryStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RBatch;
import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisNode;
import org.redisson.api.redisnode.RedisNodes;
import org.redisson.client.codec.StringCodec;

/**
 * What needs a Redis of its own: memory pressure (a {@code maxmemory} that evicts), and counting the
 * commands one call costs.
 */
class WriteBehindQueueDedicatedServerTest {

    private static final String REGION = "dev.tieredjpa.domain.UserSession";
    private static final String ENTITY = "UserSession";
    private static final Duration L2_TTL = Duration.ofMinutes(10);
    private static final Duration TTL = Duration.ofSeconds(30);
    private static final Set<String> INSIDE_SCRIPTS_OR_CLIENT = Set.of("evalsha", "time", "type", "hgetall", "hset", "hdel",
            "pexpire", "pttl", "persist", "xack", "xdel", "xadd", "xlen", "ping", "info");

    private static DedicatedRedis dedicated;
    private static RedissonClient redisson;
    private static int prefixes;

    private WriteBehindQueue queue;
    private RedisEntryStore store;

    @BeforeAll
    static void startServer() {
        dedicated = DedicatedRedis.start("write-behind-dedicated-test");
        redisson = dedicated.client();
    }

    @AfterAll
    static void stopServer() {
        if (dedicated != null) {
            dedicated.close();
        }
    }

    @BeforeEach
    void newQueue() {
        String prefix = "dedicated:" + (++prefixes) + ":";
        queue = new WriteBehindQueue(redisson, prefix, REGION, ENTITY, L2_TTL, TTL);
        store = new RedisEntryStore(redisson, prefix, TTL, TTL, TTL);
    }

    @Test
    void pinnedEntries_redisEvictsUnderMemoryPressure_allPinnedEntriesAndRecordsStay() {
        RedisNode node = node();
        node.setConfig("maxmemory", "20mb");
        node.setConfig("maxmemory-policy", "volatile-lru");
        try {
            byte[] state = new byte[2_048];
            Arrays.fill(state, (byte) 's');
            for (int i = 0; i < 20; i++) {
                byte[] data = i % 5 == 4 ? null : state;
                assertThat(queue.enqueue("s#" + i, i + 1, data, 1_000).stored()).isTrue();
            }

            // fill Redis with ordinary cached values (they have a TTL) until it evicts, then some more
            String filler = "f".repeat(1_024);
            long evicted = 0;
            int batches = 0;
            while (evicted < 5_000 && batches < 300) {
                RBatch batch = redisson.createBatch();
                for (int i = 0; i < 1_000; i++) {
                    batch.getBucket("filler:" + batches + ":" + i, StringCodec.INSTANCE).setAsync(filler, L2_TTL);
                }
                batch.execute();
                batches++;
                evicted = Long.parseLong(node.info(RedisNode.InfoSection.STATS).get("evicted_keys"));
            }
            assertThat(evicted).as("Redis evicted under maxmemory 20mb").isGreaterThanOrEqualTo(5_000);

            // every pinned entry is still there, still pinned, and still what readers get: L2 hit / Deleted
            for (int i = 0; i < 20; i++) {
                String keyText = "s#" + i;
                EntrySnapshot entry = store.inspect(queue.l2Region(), keyText);
                assertThat(entry.isPinned()).as("%s: %s", keyText, entry).isTrue();
                assertThat(entry.pttlMillis()).as(keyText).isEqualTo(-1);
                Lookup expected = i % 5 == 4 ? new Lookup.Deleted(i + 1) : new Lookup.Hit(i + 1, state);
                assertThat(store.get(queue.l2Region(), keyText, null)).as(keyText).isEqualTo(expected);
            }
            // and so is every record
            assertThat(queue.depth()).isEqualTo(20);
        } finally {
            redisson.getKeys().flushall();
            node.setConfig("maxmemory", "0");
            node.setConfig("maxmemory-policy", "noeviction");
        }
    }

    @Test
    void acknowledge_batchOfThree_oneEvalshaAndNothingElse() {
        queue.enqueue("warm-up", 1, new byte[] {1}, 100);
        queue.acknowledge(queue.readNew("F", 10, Duration.ZERO)); // the first call loads the script
        queue.enqueue("a", 1, "a".getBytes(StandardCharsets.UTF_8), 100);
        queue.enqueue("b", 1, "b".getBytes(StandardCharsets.UTF_8), 100);
        queue.enqueue("c", 1, null, 100);
        List<WriteRecord> batch = queue.readNew("F", 10, Duration.ZERO);
        Map<String, Long> before = commandCalls();

        queue.acknowledge(batch);

        Map<String, Long> after = commandCalls();
        assertThat(delta(before, after, "evalsha")).isEqualTo(1);
        assertThat(otherCommands(before, after)).isEmpty();
        assertThat(queue.depth()).isZero();
    }

    @Test
    void enqueue_oneWrite_oneEvalshaAndNothingElse() {
        queue.enqueue("warm-up", 1, new byte[] {1}, 100);
        Map<String, Long> before = commandCalls();

        queue.enqueue("a", 1, new byte[] {1}, 100);

        Map<String, Long> after = commandCalls();
        assertThat(delta(before, after, "evalsha")).isEqualTo(1);
        assertThat(otherCommands(before, after)).isEmpty();
    }

    @Test
    void scripts_afterScriptFlush_reloadedAndAnswer() {
        queue.enqueue("a", 1, new byte[] {1}, 100);
        List<WriteRecord> batch = queue.readNew("F", 10, Duration.ZERO);

        redisson.getScript().scriptFlush();
        assertThat(queue.lag()).isPresent();
        redisson.getScript().scriptFlush();
        assertThat(queue.enqueue("b", 1, new byte[] {2}, 100).stored()).isTrue();
        redisson.getScript().scriptFlush();
        assertThat(queue.acknowledge(batch)).isEqualTo(1);
        redisson.getScript().scriptFlush();
        assertThat(queue.deadLetter(queue.readNew("F", 10, Duration.ZERO).get(0), "test")).isTrue();

        for (var script : List.of(WriteBehindScripts.ENQUEUE, WriteBehindScripts.ACKNOWLEDGE,
                WriteBehindScripts.DEAD_LETTER, WriteBehindScripts.LAG)) {
            script.load(redisson); // throws if Redis computes another SHA-1
        }
    }

    private static RedisNode node() {
        return redisson.getRedisNodes(RedisNodes.SINGLE).getInstance();
    }

    /** {@code INFO commandstats} as command name to calls. */
    private static Map<String, Long> commandCalls() {
        Map<String, Long> calls = new HashMap<>();
        node().info(RedisNode.InfoSection.COMMANDSTATS).forEach((name, value) -> {
            String callsField = value.split(",")[0];
            calls.put(name.replace("cmdstat_", ""), Long.parseLong(callsField.substring("calls=".length())));
        });
        return calls;
    }

    private static long delta(Map<String, Long> before, Map<String, Long> after, String command) {
        return after.getOrDefault(command, 0L) - before.getOrDefault(command, 0L);
    }

    private static List<String> otherCommands(Map<String, Long> before, Map<String, Long> after) {
        return after.keySet().stream()
                .filter(name -> !INSIDE_SCRIPTS_OR_CLIENT.contains(name))
                .filter(name -> delta(before, after, name) != 0)
                .toList();
    }
}
