package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tieredjpa.testsupport.TestDatabases;
import java.math.BigDecimal;
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
                Arguments.of("a string under the entry's name", "redis.call('DEL', KEYS[1]) redis.call('SET', KEYS[1], 'hello')"),
                Arguments.of("a list under the entry's name", "redis.call('DEL', KEYS[1]) redis.call('RPUSH', KEYS[1], 'a', 'b')"),
                Arguments.of("a set under the entry's name", "redis.call('DEL', KEYS[1]) redis.call('SADD', KEYS[1], 'a')"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("plantedFields")
    void garbageInAnEntry_readsServeTheRow_writesCommit_andEveryNodeReadsTheWrite(String what, String plant) {
        long id = IDS.incrementAndGet();
        a.inTransactionDo(em -> em.persist(new Item(id, "I-" + id, "v0", new BigDecimal("1.00"))));
        String key = cluster.keyPrefix() + "items:" + ITEM_KEY + id;
        cluster.redis().getScript(StringCodec.INSTANCE).eval(RScript.Mode.READ_WRITE, plant + " return 1",
                RScript.ReturnType.LONG, List.of(key));

        assertThat(b.find(Item.class, id).getName()).as("b reads #%d over %s", id, what).isEqualTo("v0");
        a.inTransactionDo(em -> em.find(Item.class, id).setName("v1"));
        assertThat(b.find(Item.class, id).getName()).as("b reads the write over %s", what).isEqualTo("v1");
        assertThat(a.find(Item.class, id).getName()).isEqualTo("v1");
        assertThat(a.runtime().breaker().allowsCalls() && b.runtime().breaker().allowsCalls())
                .as("L2 still on after %s", what).isTrue();
    }
}
