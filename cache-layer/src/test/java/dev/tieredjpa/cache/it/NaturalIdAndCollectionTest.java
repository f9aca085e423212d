package dev.tieredjpa.cache.it;

import static dev.tieredjpa.cache.it.Rows.ITEMS;
import static dev.tieredjpa.cache.it.Rows.ITEM_CODES;
import static dev.tieredjpa.cache.it.Rows.ITEM_TAGS;
import static dev.tieredjpa.cache.it.Rows.itemCodeKey;
import static dev.tieredjpa.cache.it.Rows.itemKey;
import static dev.tieredjpa.cache.it.Rows.peekL1;
import static dev.tieredjpa.cache.it.Rows.tagsKey;
import static dev.tieredjpa.cache.it.Served.L1_HIT;
import static dev.tieredjpa.cache.it.Served.L2_HIT;
import static dev.tieredjpa.cache.it.Served.L2_MISS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tieredjpa.cache.internal.l1.L1Entry;
import dev.tieredjpa.testsupport.TestDatabases.Kind;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.hibernate.Session;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The natural-id cache and a collection cache through the tiers of two nodes: what one node loaded, the
 * other reads from L2 without SQL; a collection changed on one node is dropped everywhere, reloaded once,
 * and cached again.
 */
class NaturalIdAndCollectionTest {

    private static final PerKind<Cluster> CLUSTERS = new PerKind<>(kind -> Cluster.start(kind, 2));
    private static final AtomicLong IDS = new AtomicLong(4000);

    @AfterAll
    static void stop() throws Exception {
        CLUSTERS.close();
    }

    /**
     * Fails if natural-id resolutions were not stored in L2 on a load (B would query the database to
     * resolve the code), or if their keys were not stable across nodes (B would miss).
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void bySimpleNaturalId_loadedOnA_servedFromCacheOnBWithoutSql(Kind kind) {
        Cluster cluster = CLUSTERS.get(kind);
        Node a = cluster.node(0);
        Node b = cluster.node(1);
        long id = IDS.incrementAndGet();
        String code = "N-" + id;
        Rows.insertItem(cluster.dataSource(), id, code, "lamp", 1);

        // DB load on A: the code misses L1 and L2, and one SELECT by code reads the item (Hibernate looks the
        // code up twice on this path, to resolve it and again before it caches the resolution; the second
        // look finds the session already loading it and asks Redis nothing)
        var onA = Served.read(a, () -> byCode(a, code), ITEM_CODES, ITEMS);
        assertThat(onA.value().getId()).isEqualTo(id);
        assertThat(onA.served(ITEM_CODES)).isEqualTo(new Served(0, 0, 1));
        assertThat(onA.served(ITEMS)).isEqualTo(Served.NONE);
        assertThat(onA.sql()).isEqualTo(1);
        assertThat(peekL1(a, ITEM_CODES, itemCodeKey(code))).isNotNull();

        // L2 hit on B: the code resolves to the id, then the item, with no SQL
        long naturalIdHitsBefore = b.statistics().getNaturalIdCacheHitCount();
        var onB = Served.read(b, () -> byCode(b, code), ITEM_CODES, ITEMS);
        assertThat(onB.value().getId()).isEqualTo(id);
        assertThat(onB.value().getName()).isEqualTo("lamp");
        assertThat(onB.served(ITEM_CODES)).isEqualTo(L2_HIT);
        assertThat(onB.served(ITEMS)).isEqualTo(L2_HIT);
        assertThat(onB.sql()).isZero();
        assertThat(b.statistics().getNaturalIdCacheHitCount()).isEqualTo(naturalIdHitsBefore + 1);

        // L1 hit on B, for both
        var again = Served.read(b, () -> byCode(b, code), ITEM_CODES, ITEMS);
        assertThat(again.value().getId()).isEqualTo(id);
        assertThat(again.served(ITEM_CODES)).isEqualTo(L1_HIT);
        assertThat(again.served(ITEMS)).isEqualTo(L1_HIT);
        assertThat(again.sql()).isZero();
    }

    /**
     * Fails if a collection change did not evict the collection entry in L2 and in the other node's L1 (B
     * would keep serving two tags), or if the reload after it could not fill the cache again (B would go
     * to the database on every read: the refill needs a lease granted after the change's tombstone).
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void tags_changedOnA_reloadedOnceOnBThenCachedAgain(Kind kind) {
        Cluster cluster = CLUSTERS.get(kind);
        Node a = cluster.node(0);
        Node b = cluster.node(1);
        long id = IDS.incrementAndGet();
        Rows.insertItem(cluster.dataSource(), id, "T-" + id, "lamp", 1, "blue", "red");

        // DB load on A: the item and its tags
        var onA = Served.read(a, () -> Rows.tagsThroughNode(a, id), ITEMS, ITEM_TAGS);
        assertThat(onA.value()).containsExactly("blue", "red");
        assertThat(onA.served(ITEMS)).isEqualTo(L2_MISS);
        assertThat(onA.served(ITEM_TAGS)).isEqualTo(L2_MISS);
        assertThat(onA.sql()).isEqualTo(2);

        // L2 hit on B, for the item and its tags
        var onB = Served.read(b, () -> Rows.tagsThroughNode(b, id), ITEMS, ITEM_TAGS);
        assertThat(onB.value()).containsExactly("blue", "red");
        assertThat(onB.served(ITEMS)).isEqualTo(L2_HIT);
        assertThat(onB.served(ITEM_TAGS)).isEqualTo(L2_HIT);
        assertThat(onB.sql()).isZero();
        // L1 hit on B
        var again = Served.read(b, () -> Rows.tagsThroughNode(b, id), ITEMS, ITEM_TAGS);
        assertThat(again.served(ITEMS)).isEqualTo(L1_HIT);
        assertThat(again.served(ITEM_TAGS)).isEqualTo(L1_HIT);
        assertThat(again.sql()).isZero();

        // A adds a tag (the item goes to v2), commits and returns
        a.inTransactionDo(em -> em.find(Item.class, id).getTags().add("green"));
        // B's L1 drops the old tags and the old item within the propagation window
        await().atMost(Duration.ofSeconds(5)).until(() -> peekL1(b, ITEM_TAGS, tagsKey(id)) == null);
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            L1Entry item = peekL1(b, ITEMS, itemKey(id));
            return item == null || item.version() >= 2;
        });

        // DB load of the tags on B, once (the item, v2, from L2)
        var reload = Served.read(b, () -> Rows.tagsThroughNode(b, id), ITEMS, ITEM_TAGS);
        assertThat(reload.value()).containsExactly("blue", "green", "red");
        assertThat(reload.served(ITEMS)).isEqualTo(L2_HIT);
        assertThat(reload.served(ITEM_TAGS)).isEqualTo(L2_MISS);
        assertThat(reload.sql()).isEqualTo(1);

        // L1 hit on B: cached again
        var cached = Served.read(b, () -> Rows.tagsThroughNode(b, id), ITEMS, ITEM_TAGS);
        assertThat(cached.value()).containsExactly("blue", "green", "red");
        assertThat(cached.served(ITEMS)).isEqualTo(L1_HIT);
        assertThat(cached.served(ITEM_TAGS)).isEqualTo(L1_HIT);
        assertThat(cached.sql()).isZero();

        // A: its item from L1 (its own write), the tags from L2 (B's refill), no SQL
        var onAAfter = Served.read(a, () -> Rows.tagsThroughNode(a, id), ITEMS, ITEM_TAGS);
        assertThat(onAAfter.value()).containsExactly("blue", "green", "red");
        assertThat(onAAfter.served(ITEMS)).isEqualTo(L1_HIT);
        assertThat(onAAfter.served(ITEM_TAGS)).isEqualTo(L2_HIT);
        assertThat(onAAfter.sql()).isZero();
    }

    /** Deprecated since Hibernate 7.3 (for {@code find} with {@code KeyType.NATURAL}); this is the API under test. */
    @SuppressWarnings("deprecation")
    private static Item byCode(Node node, String code) {
        EntityManager em = node.emf().createEntityManager();
        try {
            return em.unwrap(Session.class).bySimpleNaturalId(Item.class).load(code);
        } finally {
            em.close();
        }
    }
}
