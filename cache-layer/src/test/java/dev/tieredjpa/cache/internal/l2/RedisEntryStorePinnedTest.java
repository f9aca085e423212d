package dev.tieredjpa.cache.internal.l2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tieredjpa.cache.RedissonClients;
import dev.tieredjpa.cache.internal.writebehind.WriteBehindQueue;
import dev.tieredjpa.testsupport.TestRedis;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/**
 * Every store operation on a pinned entry: one that holds a write-behind write not yet in the database.
 * The entries are pinned as in production, by {@link WriteBehindQueue#enqueue}; a pinned entry must keep
 * no TTL, be what every reader gets, and lose its pin only to the queue (or to an invalidation that names
 * its version as dead).
 */
class RedisEntryStorePinnedTest {

    private static final String REGION = "dev.tieredjpa.domain.UserSession";
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final Duration SHORT = Duration.ofMillis(200);
    private static final Duration PAST_SHORT = Duration.ofMillis(350);
    private static final Duration DATA_TTL = Duration.ofSeconds(60);

    private static RedissonClient redisson;

    private String prefix;
    private WriteBehindQueue queue;
    private String region;
    private RedisEntryStore store;

    @BeforeAll
    static void connect() {
        redisson = RedissonClients.forUrl(TestRedis.endpoint().url(), "l2-pinned-test");
    }

    @AfterAll
    static void disconnect() {
        redisson.shutdown();
    }

    @BeforeEach
    void newStore() {
        prefix = TestRedis.newKeyPrefix("l2-pinned");
        queue = new WriteBehindQueue(redisson, prefix, REGION, "UserSession", DATA_TTL, LONG);
        region = queue.l2Region();
        store = storeWith(LONG);
    }

    @AfterEach
    void deleteKeys() {
        redisson.getKeys().getKeysStreamByPattern(RedisEntryStore.globEscape(prefix) + "*")
                .forEach(key -> redisson.getKeys().unlink(key));
    }

    private RedisEntryStore storeWith(Duration lockTtl) {
        return new RedisEntryStore(redisson, prefix, LONG, LONG, lockTtl);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Lookup.Hit hit(long version, String data) {
        return new Lookup.Hit(version, bytes(data));
    }

    private void pin(String keyText, long version, String data) {
        assertThat(queue.enqueue(keyText, version, data == null ? null : bytes(data), 1_000).stored()).isTrue();
    }

    private void assertPinned(String keyText, long pendingVersion, String step) {
        EntrySnapshot entry = store.inspect(region, keyText);
        assertThat(entry.pttlMillis()).as("PTTL after %s: %s", step, entry).isEqualTo(-1);
        assertThat(entry.pendingVersion()).as("p after %s: %s", step, entry).isEqualTo(pendingVersion);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Test
    void everyOperation_pinnedEntry_leavesItWithoutExpiry() {
        pin("1", 5, "v5");

        store.get(region, "1", "R");
        assertPinned("1", 5, "get with a lease token");
        store.putFromLoad(region, "1", null, 4, bytes("v4"), DATA_TTL);
        assertPinned("1", 5, "refused putFromLoad");
        store.put(region, "1", 6, bytes("v6"), DATA_TTL);
        assertPinned("1", 5, "stored put");
        store.lock(region, "1", "W");
        assertPinned("1", 5, "lock");
        store.releaseAfterUpdate(region, "1", "W", 7, bytes("v7"), DATA_TTL);
        assertPinned("1", 5, "releaseAfterUpdate");
        store.lock(region, "1", "W2");
        store.releaseAfterRollback(region, "1", "W2");
        assertPinned("1", 5, "releaseAfterRollback");
        store.invalidate(region, "1", 4);
        assertPinned("1", 5, "invalidate below the pin");
        store.invalidateAll(region, List.of("1"), -1);
        assertPinned("1", 5, "invalidateAll without a version");
        store.lock(region, "1", "W3");
        store.releaseAfterRemove(region, "1", "W3", 4);
        assertPinned("1", 5, "releaseAfterRemove below the pin");
        store.remove(region, "1");
        assertPinned("1", 5, "remove");
        assertThat(store.get(region, "1", null)).isEqualTo(hit(7, "v7"));
    }

    @Test
    void get_pinnedUpsert_hitForEveryReaderAndNoLease() {
        pin("1", 1, "v1");

        assertThat(store.get(region, "1", "R")).isEqualTo(hit(1, "v1"));
        assertThat(store.getAll(region, List.of("1", "absent"), "R"))
                .containsExactly(hit(1, "v1"), new Lookup.Miss(true, "R"));
        assertThat(store.inspect(region, "1").leaseToken()).isNull();
    }

    @Test
    void get_pinnedDelete_deletedNeverMissAndNoLease() {
        store.put(region, "1", 3, bytes("v3"), DATA_TTL);
        pin("1", 4, null);

        // not a miss: the database still has the row, and a reader must not go there
        assertThat(store.get(region, "1", "R")).isEqualTo(new Lookup.Deleted(4));
        assertThat(store.getAll(region, List.of("1"), "R")).containsExactly(new Lookup.Deleted(4));
        EntrySnapshot entry = store.inspect(region, "1");
        assertThat(entry.leaseToken()).isNull();
        assertThat(entry.pendingDelete()).isTrue();
        assertThat(entry.isPinned()).isTrue();
    }

    @Test
    void get_pinnedEntryUnderWriteThroughLock_stillThePinnedState() {
        pin("1", 1, "v1");
        store.lock(region, "1", "W");

        assertThat(store.get(region, "1", null)).isEqualTo(hit(1, "v1"));
        store.releaseAfterRollback(region, "1", "W");
        assertThat(store.inspect(region, "1").locks()).isEmpty();
    }

    @Test
    void putFromLoad_olderVersionFromDatabase_refusedWithOrWithoutLease() {
        assertThat(store.get(region, "1", "R")).isEqualTo(new Lookup.Miss(true, "R"));
        pin("1", 2, "v2");
        pin("2", 2, null);

        // R loaded v1 before the write-behind write: its lease was revoked, and v1 is older anyway
        assertThat(store.putFromLoad(region, "1", "R", 1, bytes("v1"), DATA_TTL)).isEqualTo(PutOutcome.REFUSED_LEASE_REVOKED);
        assertThat(store.putFromLoad(region, "1", null, 1, bytes("v1"), DATA_TTL)).isEqualTo(PutOutcome.REFUSED_OLDER_VERSION);
        assertThat(store.putFromLoad(region, "1", null, 2, bytes("v2 from db"), DATA_TTL)).isEqualTo(PutOutcome.REFUSED_OLDER_VERSION);
        // the pending delete fences too, though it holds no data
        assertThat(store.putFromLoad(region, "2", null, 1, bytes("v1"), DATA_TTL)).isEqualTo(PutOutcome.REFUSED_OLDER_VERSION);
        assertThat(store.get(region, "2", null)).isEqualTo(new Lookup.Deleted(2));
        assertThat(store.get(region, "1", null)).isEqualTo(hit(2, "v2"));
    }

    @Test
    void put_olderOrUnversioned_refusedAndNewerStoredStillPinned() {
        pin("1", 3, "v3");

        assertThat(store.put(region, "1", 3, bytes("x"), DATA_TTL)).isEqualTo(PutOutcome.REFUSED_OLDER_VERSION);
        assertThat(store.put(region, "1", -1, bytes("u"), DATA_TTL)).isEqualTo(PutOutcome.REFUSED_OLDER_VERSION);
        store.lock(region, "1", "W");
        assertThat(store.releaseAfterUpdate(region, "1", "W", -1, bytes("u"), DATA_TTL)).isEqualTo(PutOutcome.REFUSED_OLDER_VERSION);

        assertThat(store.put(region, "1", 4, bytes("v4"), DATA_TTL)).isEqualTo(PutOutcome.STORED);

        assertThat(store.get(region, "1", null)).isEqualTo(hit(4, "v4"));
        assertPinned("1", 3, "a newer put");
    }

    @Test
    void put_newerOverPendingDelete_dataBackStillPinned() {
        pin("1", 3, null);

        assertThat(store.put(region, "1", 4, bytes("v4"), DATA_TTL)).isEqualTo(PutOutcome.STORED);

        assertThat(store.get(region, "1", null)).isEqualTo(hit(4, "v4"));
        EntrySnapshot entry = store.inspect(region, "1");
        assertThat(entry.pendingDelete()).isFalse();
        assertThat(entry.pendingVersion()).isEqualTo(3);
    }

    @Test
    void sweep_lockExpiredOnPinnedEntry_lockDroppedDataKept() {
        store = storeWith(SHORT);
        pin("1", 1, "v1");
        store.lock(region, "1", "W"); // W dies

        sleep(PAST_SHORT);

        assertThat(store.get(region, "1", null)).isEqualTo(hit(1, "v1"));
        EntrySnapshot entry = store.inspect(region, "1");
        assertThat(entry.locks()).isEmpty();
        assertThat(entry.tombstoneVersion()).isNull();
        assertPinned("1", 1, "the sweep");
    }

    @Test
    void invalidate_versionReachesPin_unpinnedAndTombstoned() {
        pin("1", 2, "v2");
        pin("2", 2, null);

        store.invalidate(region, "1", 2);
        store.invalidateAll(region, List.of("2"), 5);

        for (String keyText : List.of("1", "2")) {
            EntrySnapshot entry = store.inspect(region, keyText);
            assertThat(entry.isPinned()).as(keyText).isFalse();
            assertThat(entry.pendingDelete()).as(keyText).isFalse();
            assertThat(entry.hasData()).as(keyText).isFalse();
            assertThat(entry.pttlMillis()).as(keyText).isPositive().isLessThanOrEqualTo(LONG.toMillis());
            assertThat(store.get(region, keyText, null)).isEqualTo(new Lookup.Miss(false, null));
        }
        assertThat(store.inspect(region, "1").tombstoneVersion()).isEqualTo(2);
        assertThat(store.inspect(region, "2").tombstoneVersion()).isEqualTo(5);
        // the record's later acknowledge finds no pin of its version: nothing to undo
        assertThat(queue.acknowledge(queue.readNew("F", 10, Duration.ZERO))).isZero();
        assertThat(store.inspect(region, "1").tombstoneVersion()).isEqualTo(2);
    }

    @Test
    void releaseAfterRemove_versionReachesPin_unpinnedAndTombstoned() {
        pin("1", 2, "v2");
        store.lock(region, "1", "W");

        store.releaseAfterRemove(region, "1", "W", 3);

        EntrySnapshot entry = store.inspect(region, "1");
        assertThat(entry.isPinned()).isFalse();
        assertThat(entry.tombstoneVersion()).isEqualTo(3);
        assertThat(entry.locks()).isEmpty();
    }

    @Test
    void remove_pinnedEntry_refusedAndUnpinnedRemoved() {
        pin("1", 1, "bytes this node cannot decode");
        store.put(region, "2", 1, bytes("garbage"), DATA_TTL);

        assertThat(store.remove(region, "1")).isFalse();
        assertThat(store.remove(region, "2")).isTrue();
        assertThat(store.remove(region, "2")).isFalse();

        assertThat(store.get(region, "1", null)).isEqualTo(hit(1, "bytes this node cannot decode"));
        assertThat(store.inspect(region, "2").exists()).isFalse();
    }

    @Test
    void clearRegion_pinnedEntries_keptAndOthersRemoved() {
        pin("pinned", 1, "p");
        pin("pinned-delete", 1, null);
        store.put(region, "cached", 1, bytes("c"), DATA_TTL);
        store.invalidate(region, "tombstoned", 1);

        assertThat(store.clearRegion(region)).isEqualTo(2);

        assertThat(store.get(region, "pinned", null)).isEqualTo(hit(1, "p"));
        assertThat(store.get(region, "pinned-delete", null)).isEqualTo(new Lookup.Deleted(1));
        assertThat(store.inspect(region, "cached").exists()).isFalse();
        assertThat(store.inspect(region, "tombstoned").exists()).isFalse();
        assertThat(redisson.getKeys().countExists(queue.streamKey())).as("the stream is not an entry").isEqualTo(1);
    }

    @Test
    void inspect_pinnedEntry_showsPinFields() {
        pin("1", 9, null);

        EntrySnapshot entry = store.inspect(region, "1");

        assertThat(entry.pendingVersion()).isEqualTo(9);
        assertThat(entry.pendingDelete()).isTrue();
        assertThat(entry.version()).isEqualTo(9);
        assertThat(entry.toString()).contains("p=9, pd");
    }

    @Test
    void hashTagged_regionAndTag_tagInFrontAndIdempotent() {
        assertThat(RedisEntryStore.hashTagged("r", "E")).isEqualTo("{E}:r");
        assertThat(RedisEntryStore.hashTagged("{E}:r", "E")).isEqualTo("{E}:r");
        assertThat(RedisEntryStore.hashTagOf("p:{E}:r:k{x}")).isEqualTo("E");
        assertThat(RedisEntryStore.hashTagOf("p:{}:r")).isNull();
        assertThat(RedisEntryStore.hashTagOf("p:r")).isNull();
    }
}
