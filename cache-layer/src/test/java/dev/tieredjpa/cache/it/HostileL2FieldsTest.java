package dev.tieredjpa.cache.it;

import static dev.tieredjpa.cache.stats.MeterNames.REPAIRS;
import static dev.tieredjpa.cache.stats.MeterNames.TAG_NODE;
import static dev.tieredjpa.cache.stats.MeterNames.TAG_REGION;
import static dev.tieredjpa.cache.stats.MeterNames.TAG_TIER;
import static dev.tieredjpa.cache.stats.MeterNames.TIER_L2;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tieredjpa.cache.internal.l2.Lookup;
import dev.tieredjpa.cache.stats.TieredCacheMetrics;
import dev.tieredjpa.cache.stats.TieredStats;
import dev.tieredjpa.testsupport.TestDatabases;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.redisson.api.RScript;
import org.redisson.client.codec.StringCodec;

/**
 * Garbage in the parts of an L2 entry other than its data, and keys of a foreign Redis type where an entry
 * belongs: a version, tombstone, lease, lock or expiry field that is not a number, or a string, list or set
 * under an entry's name. Whatever is planted, a read returns the database's row (never an exception to the
 * caller), a write commits, and afterwards every node reads the written version.
 *
 * <p>Before the entry scripts checked what they read, a tombstone version that was not a number, or a
 * string, list or set under an entry's name, made every script on that key fail: the first read still came
 * from the database, but the write's L2 step failed and its invalidation stayed owed and unpaid, so the other
 * node served the old value from L1 (four of these cases failed). Now a field that is not what the library
 * writes is dropped, and a key of another type is deleted, by the script that finds it.
 *
 * <p>And counted: each planted key is one repair ({@code RegionSnapshot.L2.repairs}, the meter
 * {@code tiered.cache.repairs}), reported by the script that made it in its own reply; a key found clean again
 * adds nothing.
 */
class HostileL2FieldsTest {

    private static final String ITEM_KEY = "dev.tieredjpa.cache.it.Item#";
    private static final AtomicLong IDS = new AtomicLong(1000);

    private static Cluster cluster;
    private static Node a;
    private static Node b;

    @BeforeAll
    static void start() {
        cluster = Cluster.start(TestDatabases.Kind.H2, 2);
        a = cluster.node(0);
        b = cluster.node(1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    static Stream<Arguments> plantedFields() {
        return Stream.of(
                Arguments.of("version not a number", "redis.call('HSET', KEYS[1], 'v', 'abc')"),
                Arguments.of("tombstone version not a number", "redis.call('HSET', KEYS[1], 'tv', 'xyz', 'te', '99999999999999')"),
                Arguments.of("tombstone expiry not a number", "redis.call('HSET', KEYS[1], 'tv', '5', 'te', 'soon')"),
                Arguments.of("lease expiry not a number", "redis.call('HSET', KEYS[1], 'lt', 'token', 'le', 'later')"),
                Arguments.of("lock expiry not a number", "redis.call('HSET', KEYS[1], 'l:x', 'never')"),
                Arguments.of("logical expiry not a number", "redis.call('HSET', KEYS[1], 'x', '-')"),
                Arguments.of("load time not a number", "redis.call('HSET', KEYS[1], 'dl', '1e999')"),
                Arguments.of("waiters not a number", "redis.call('HSET', KEYS[1], 'w', 'many')"),
                Arguments.of("negative marker not a number", "redis.call('HSET', KEYS[1], 'n', 'no')"),
                Arguments.of("pending-delete flag not the library's", "redis.call('HSET', KEYS[1], 'pd', 'yes')"),
                Arguments.of("lease token empty", "redis.call('HSET', KEYS[1], 'lt', '', 'le', '99999999999999')"),
                Arguments.of("data without a version", "redis.call('HDEL', KEYS[1], 'v')"),
                Arguments.of("a string under the entry's name", "redis.call('DEL', KEYS[1]) redis.call('SET', KEYS[1], 'hello')"),
                Arguments.of("a list under the entry's name", "redis.call('DEL', KEYS[1]) redis.call('RPUSH', KEYS[1], 'a', 'b')"),
                Arguments.of("a set under the entry's name", "redis.call('DEL', KEYS[1]) redis.call('SADD', KEYS[1], 'a')"),
                Arguments.of("a hash of another client (its field x not a number)", "redis.call('DEL', KEYS[1]) redis.call('HSET', KEYS[1], 'x', 'y')"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("plantedFields")
    void garbageInAnEntry_readsServeTheRow_writesCommit_andEveryNodeReadsTheWrite(String what, String plant) {
        long id = IDS.incrementAndGet();
        a.inTransactionDo(em -> em.persist(new Item(id, "I-" + id, "v0", new BigDecimal("1.00"))));
        long repairs = repairs();
        plant(id, plant);

        assertThat(b.find(Item.class, id).getName()).as("b reads #%d over %s", id, what).isEqualTo("v0");
        // one planted key, one repair: by b's read, the first script to open the key
        assertThat(repairs()).as("repairs counted after b's read over %s", what).isEqualTo(repairs + 1);
        a.inTransactionDo(em -> em.find(Item.class, id).setName("v1"));
        assertThat(b.find(Item.class, id).getName()).as("b reads the write over %s", what).isEqualTo("v1");
        assertThat(a.find(Item.class, id).getName()).isEqualTo("v1");
        assertThat(a.runtime().breaker().allowsCalls() && b.runtime().breaker().allowsCalls())
                .as("L2 still on after %s", what).isTrue();
        // the key was clean for every script after the first
        assertThat(repairs()).as("repairs counted after the write over %s", what).isEqualTo(repairs + 1);
    }

    @Test
    void everyKindPlantedAtOnce_eachKeyCountedOnce_inTheSnapshotAndTheMeter() {
        MeterRegistry registry = new SimpleMeterRegistry();
        TieredCacheMetrics.of(b.emf(), Tags.empty()).bindTo(registry);
        List<Arguments> kinds = plantedFields().toList();
        List<Long> ids = new ArrayList<>();
        for (Arguments kind : kinds) {
            long id = IDS.incrementAndGet();
            a.inTransactionDo(em -> em.persist(new Item(id, "I-" + id, "v0", new BigDecimal("1.00"))));
            ids.add(id);
        }
        long onA = repairsOn(a);
        long onB = repairsOn(b);
        for (int i = 0; i < kinds.size(); i++) {
            plant(ids.get(i), (String) kinds.get(i).get()[1]);
        }

        // L1 miss, L2 repaired and missed (or hit, where the data survived), DB load: on b, every planted key
        for (long id : ids) {
            assertThat(b.find(Item.class, id).getName()).isEqualTo("v0");
        }
        // L2 again, past L1: every key is clean now, and counts nothing more
        for (long id : ids) {
            assertThat(b.runtime().store().get("items", ITEM_KEY + id, null)).isInstanceOf(Lookup.Hit.class);
        }

        assertThat(repairsOn(b) - onB).as("repairs on b: one per planted key (%d kinds)", kinds.size())
                .isEqualTo(kinds.size());
        assertThat(repairsOn(a)).as("repairs on a, which read nothing planted").isEqualTo(onA);
        assertThat(TieredStats.of(b.emf()).region("items").orElseThrow().l2().repairs()).isEqualTo(repairsOn(b));
        assertThat(registry.get(REPAIRS).tags(Tags.of(TAG_NODE, "b", TAG_REGION, "items", TAG_TIER, TIER_L2))
                .functionCounter().count()).as("the meter").isEqualTo(repairsOn(b));
    }

    private static void plant(long id, String plant) {
        String key = cluster.keyPrefix() + "items:" + ITEM_KEY + id;
        cluster.redis().getScript(StringCodec.INSTANCE).eval(RScript.Mode.READ_WRITE, plant + " return 1",
                RScript.ReturnType.LONG, List.of(key));
    }

    /** Repairs of the items region counted by both nodes. */
    private static long repairs() {
        return repairsOn(a) + repairsOn(b);
    }

    private static long repairsOn(Node node) {
        return node.regionStats("items").l2Repairs();
    }
}
