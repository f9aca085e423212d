package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tieredjpa.cache.TieredRegionFactory;
import dev.tieredjpa.cache.WriteBehindStats;
import dev.tieredjpa.cache.WriteBehindStore;
import dev.tieredjpa.cache.stats.CacheStats;
import dev.tieredjpa.cache.stats.RedisSnapshot;
import dev.tieredjpa.cache.stats.RegionSnapshot;
import dev.tieredjpa.cache.stats.TieredStats;
import dev.tieredjpa.testsupport.TestDatabases;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.api.RScript;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * The statistics snapshot adds up: a scripted sequence of reads and writes on two nodes, after which every
 * tier's counters are exactly what the story made them. Each test uses regions of its own.
 */
class CacheStatsTest {

    /** The notes region's L1 holds this many entries, so that reading more evicts. */
    private static final int NOTES_L1_SIZE = 3;
    private static final int WARM_READS_PER_ITEM = 320;

    private static Cluster cluster;
    private static Node a;
    private static Node b;

    @BeforeAll
    static void start() {
        cluster = Cluster.start(TestDatabases.Kind.H2, 2, dev.tieredjpa.testsupport.TestRedis.endpoint().url(),
                Map.of("tiered-cache.entity.Note.l1-max-entries", String.valueOf(NOTES_L1_SIZE)));
        a = cluster.node(0);
        b = cluster.node(1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void stats_afterScriptedReadsWritesAndADecodeFailure_everyTierAddsUp() {
        Rows.insertItems(cluster.dataSource(), 6);

        // DB load on b, five times: L1 miss, L2 miss (with the lease), load, put in L2 and L1
        for (long id = 1; id <= 5; id++) {
            assertThat(b.find(Item.class, id).getName()).isEqualTo("item-" + id);
        }
        // L1 hit on b, 1600 times
        for (int round = 0; round < WARM_READS_PER_ITEM; round++) {
            for (long id = 1; id <= 5; id++) {
                b.find(Item.class, id);
            }
        }
        // L2 hit on a, five times: b's loads filled L2
        for (long id = 1; id <= 5; id++) {
            a.find(Item.class, id);
        }
        // L1 hit on a, then a's update: stored in L2 and a's L1, and sent to b
        a.inTransactionDo(em -> em.find(Item.class, 1L).setName("renamed"));
        await().atMost(Duration.ofSeconds(5)).until(() -> b.regionStats("items").invalidationsReceived() == 1);
        // L2 hit on b: the invalidation dropped b's copy
        assertThat(b.find(Item.class, 1L).getName()).isEqualTo("renamed");
        // DB load on a; then its L2 copy is made undecodable
        a.find(Item.class, 6L);
        plantUndecodable(Rows.itemKey(6));
        // L2 value undecodable on b: a decode failure, removed; asked again, an L2 miss with the lease; DB load
        assertThat(b.find(Item.class, 6L).getName()).isEqualTo("item-6");

        CacheStats onB = TieredStats.of(b.emf());
        RegionSnapshot itemsOnB = onB.region("items").orElseThrow();
        assertThat(onB.node()).isEqualTo("b");
        long hits = 5L * WARM_READS_PER_ITEM;
        assertThat(itemsOnB.l1()).returns(hits, RegionSnapshot.L1::hits)
                .returns(7L, RegionSnapshot.L1::misses)        // five cold, item 1 after the invalidation, item 6
                .returns(7L, RegionSnapshot.L1::puts)          // five loads, item 1 from L2, item 6's load
                .returns(6L, RegionSnapshot.L1::entries)       // items 1..6
                .returns(0L, RegionSnapshot.L1::evictions);
        assertThat(itemsOnB.requests()).isEqualTo(hits + 7);
        assertThat(itemsOnB.l2()).returns(1L, RegionSnapshot.L2::hits)
                .returns(6L, RegionSnapshot.L2::misses)
                .returns(6L, RegionSnapshot.L2::puts)
                .returns(0L, RegionSnapshot.L2::putsRefused)
                .returns(0L, RegionSnapshot.L2::errors)
                .returns(0L, RegionSnapshot.L2::repairs); // an undecodable value is no repair: the entry was the library's
        // every L1 miss asked L2 once
        assertThat(itemsOnB.l2().requests()).isEqualTo(itemsOnB.l1().misses());
        assertThat(itemsOnB.db()).returns(6L, RegionSnapshot.Db::loads).returns(0L, RegionSnapshot.Db::absent);
        assertThat(itemsOnB.db().loadTime().count()).isEqualTo(6);
        assertThat(itemsOnB.decodeFailures()).isEqualTo(1);
        // seven reads' looks at L2, and item 6's second look after the decode failure
        assertThat(itemsOnB.l2().latency().count()).isEqualTo(8);
        // one hit in 64 timed: about 25 of 1600
        assertThat(itemsOnB.l1().hitLatency().count()).isBetween(5L, 60L);
        assertThat(itemsOnB.l1().hitLatency().p50Nanos()).isPositive();
        assertThat(itemsOnB.invalidations()).returns(0L, RegionSnapshot.Invalidations::sent)
                .returns(1L, RegionSnapshot.Invalidations::received);
        assertThat(itemsOnB.invalidations().propagationDelay().count()).isEqualTo(1);
        assertThat(itemsOnB.invalidations().propagationDelay().maxNanos()).isLessThan(Duration.ofSeconds(5).toNanos());
        assertThat(itemsOnB.l1HitRate()).isEqualTo((double) hits / (hits + 7));
        assertThat(itemsOnB.l2HitRate()).isEqualTo(1.0 / 7);
        assertThat(itemsOnB.dbLoadRate()).isEqualTo(6.0 / (hits + 7));
        assertThat(itemsOnB.averageLatencyNanos()).isPositive();
        assertThat(itemsOnB.l1().estimatedHeapBytes()).isGreaterThan(6L * 200);
        assertThat(itemsOnB.writeBehind()).isEmpty();

        RegionSnapshot itemsOnA = factory(a).stats().region("items").orElseThrow();
        assertThat(itemsOnA.l1()).returns(1L, RegionSnapshot.L1::hits)
                .returns(6L, RegionSnapshot.L1::misses)
                .returns(7L, RegionSnapshot.L1::puts);       // five from L2, its own write, item 6's load
        assertThat(itemsOnA.l2()).returns(5L, RegionSnapshot.L2::hits)
                .returns(1L, RegionSnapshot.L2::misses)
                .returns(2L, RegionSnapshot.L2::puts);       // its write, item 6's load
        assertThat(itemsOnA.db().loads()).isEqualTo(1);
        // what a sent, b received
        assertThat(itemsOnA.invalidations().sent()).isEqualTo(itemsOnB.invalidations().received()).isEqualTo(1);
        assertThat(itemsOnA.invalidations().received()).isZero();
    }

    @Test
    void stats_moreNotesReadThanL1Holds_evictionsAndEntriesAddUpToPuts() {
        for (long id = 1; id <= 8; id++) {
            Rows.insertNote(cluster.dataSource(), id, "note " + id);
        }

        // DB load on b, eight times: L1 keeps the last three
        for (long id = 1; id <= 8; id++) {
            assertThat(b.find(Note.class, id).getText()).isEqualTo("note " + id);
        }

        RegionSnapshot notes = TieredStats.of(b.emf()).region("notes").orElseThrow();
        assertThat(notes.l1().puts()).isEqualTo(8);
        assertThat(notes.l1().entries()).isLessThanOrEqualTo(NOTES_L1_SIZE);
        assertThat(notes.l1().entries() + notes.l1().evictions()).isEqualTo(8);
        assertThat(notes.l1().estimatedHeapBytes()).isEqualTo(notes.l1().entries() * (200 + 4 * meanEncoded(b, "notes")));
    }

    @Test
    void stats_redisSection_upClosedAndItsMemoryFigures() {
        RedisSnapshot redis = TieredStats.of(a.emf()).redis();

        assertThat(redis.up()).isTrue();
        assertThat(redis.breaker()).isEqualTo(RedisSnapshot.BreakerState.CLOSED);
        assertThat(redis.usedMemoryBytes()).isPositive();
        assertThat(redis.maxMemoryBytes()).isNotNegative();
        assertThat(redis.evictedKeys()).isNotNegative();
        assertThat(redis.infoReadAt()).isNotNull();
        // read once a second, not per snapshot
        assertThat(TieredStats.of(a.emf()).redis().infoReadAt()).isEqualTo(redis.infoReadAt());
    }

    @Test
    void stats_writeBehindEntity_queueSectionShowsTheFlush() {
        WriteBehindStore<Visit> visits = WriteBehindStore.of(a.emf(), Visit.class);

        visits.insert(new Visit("stats-1", 1, "counted"));

        // either node's flusher may write it; together they wrote it once
        await().atMost(Duration.ofSeconds(10)).until(() -> queue(a).flushed() + queue(b).flushed() == 1
                && queue(a).queueDepth() == 0);
        WriteBehindStats queue = queue(a);
        assertThat(queue.entity()).isEqualTo("Visit");
        assertThat(queue.deadLetters()).isZero();
        assertThat(queue.malformed()).isZero();
        assertThat(queue.foreignKeys()).isZero();
        assertThat(queue.lag()).isEqualTo(Duration.ZERO);
        assertThat(TieredStats.of(a.emf()).regions()).filteredOn(r -> r.writeBehind().isPresent())
                .extracting(RegionSnapshot::name).containsExactly(WriteBehindCluster.VISIT_REGION);
    }

    private static WriteBehindStats queue(Node node) {
        return TieredStats.of(node.emf()).region(WriteBehindCluster.VISIT_REGION).orElseThrow().writeBehind().orElseThrow();
    }

    private static long meanEncoded(Node node, String region) {
        return node.regionStats(region).meanEncodedBytes();
    }

    private static TieredRegionFactory factory(Node node) {
        return (TieredRegionFactory) node.emf().unwrap(SessionFactoryImplementor.class).getCache().getRegionFactory();
    }

    /** Overwrites the data field of an item's L2 entry with bytes no codec reads. */
    private static void plantUndecodable(String keyText) {
        String key = cluster.keyPrefix() + "items:" + keyText;
        Object replaced = cluster.redis().getScript(ByteArrayCodec.INSTANCE).eval(RScript.Mode.READ_WRITE,
                "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end redis.call('HSET', KEYS[1], 'd', ARGV[1]) return 1",
                RScript.ReturnType.LONG, List.of(key), (Object) new byte[] {0x00, 0x13, 0x37});
        assertThat(replaced).as("L2 entry %s exists", key).isEqualTo(1L);
    }
}
