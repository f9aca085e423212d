package dev.tieredjpa.cache.internal.l2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tieredjpa.cache.RedissonClients;
import dev.tieredjpa.testsupport.TestRedis;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/**
 * The L2 version fence against a real Redis. Every interleaving is forced by calling the store in order,
 * as two nodes would: R is a reader (its lease token), W a writer (its lock token). The only sleeps wait out
 * a 200 ms TTL.
 */
class RedisEntryStoreTest {

    private static final String REGION = "dev.tieredjpa.domain.Product";
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final Duration SHORT = Duration.ofMillis(200);
    private static final Duration PAST_SHORT = Duration.ofMillis(350);
    private static final Duration DATA_TTL = Duration.ofSeconds(60);

    private static RedissonClient redisson;

    private String prefix;
    private RedisEntryStore store;

    @BeforeAll
    static void connect() {
        redisson = RedissonClients.forUrl(TestRedis.endpoint().url(), "l2-entry-store-test");
    }

    @AfterAll
    static void disconnect() {
        redisson.shutdown();
    }

    @BeforeEach
    void newStore() {
        prefix = TestRedis.newKeyPrefix("l2");
        store = storeWith(LONG, LONG, LONG);
    }

    @AfterEach
    void deleteKeys() {
        redisson.getKeys().getKeysStreamByPattern(RedisEntryStore.globEscape(prefix) + "*")
                .forEach(key -> redisson.getKeys().unlink(key));
    }

    private RedisEntryStore storeWith(Duration tombstoneTtl, Duration leaseTtl, Duration lockTtl) {
        return new RedisEntryStore(redisson, prefix, tombstoneTtl, leaseTtl, lockTtl);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Lookup.Hit hit(long version, String data) {
        return new Lookup.Hit(version, bytes(data));
    }

    private static final Lookup.Miss MISS = new Lookup.Miss(false, null);

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Nested
    class Fence {

        @Test
        void putFromLoad_writerUpdatedAfterReaderLoaded_refusedAndNewerVersionServed() {
            // R: L2 miss, R takes the lease and loads v1 from the DB
            assertThat(store.get(REGION, "1", "R")).isEqualTo(new Lookup.Miss(true, "R"));
            // W: locks before its commit: the lease is revoked, readers see Locked
            store.lock(REGION, "1", "W");
            assertThat(store.get(REGION, "1", "R2")).isEqualTo(new Lookup.Locked());
            // W: commits v2, then releases with it
            assertThat(store.releaseAfterUpdate(REGION, "1", "W", 2, bytes("v2"), DATA_TTL)).isEqualTo(PutOutcome.STORED);
            // R: its late put of v1 is refused, with or without the lease it had
            assertThat(store.putFromLoad(REGION, "1", "R", 1, bytes("v1"), DATA_TTL))
                    .isEqualTo(PutOutcome.REFUSED_LEASE_REVOKED);
            assertThat(store.putFromLoad(REGION, "1", null, 1, bytes("v1"), DATA_TTL))
                    .isEqualTo(PutOutcome.REFUSED_OLDER_VERSION);
            // L2 hit: the writer's version
            assertThat(store.get(REGION, "1", null)).isEqualTo(hit(2, "v2"));
        }

        @Test
        void putFromLoad_withoutLease_sameVersionAlreadyStored_refusedAsSame_olderAsOlder() {
            // R1 holds the lease and fills v2; R2 loaded v2 too, without a lease (a warm-up of another node)
            assertThat(store.get(REGION, "1", "R1")).isEqualTo(new Lookup.Miss(true, "R1"));
            assertThat(store.putFromLoad(REGION, "1", "R1", 2, bytes("v2"), DATA_TTL)).isEqualTo(PutOutcome.STORED);
            // the same version: not stored again, but the caller's copy is L2's (it may go to L1)
            assertThat(store.putFromLoad(REGION, "1", null, 2, bytes("v2"), DATA_TTL))
                    .isEqualTo(PutOutcome.REFUSED_SAME_VERSION);
            // an older one is refused as older
            assertThat(store.putFromLoad(REGION, "1", null, 1, bytes("v1"), DATA_TTL))
                    .isEqualTo(PutOutcome.REFUSED_OLDER_VERSION);
            // a lease holder whose fill lost the race to that unleased one: refused as the same version too
            store.invalidate(REGION, "1", 2);
            assertThat(store.get(REGION, "1", "R3")).isEqualTo(new Lookup.Miss(true, "R3"));
            assertThat(store.putFromLoad(REGION, "1", null, 3, bytes("v3"), DATA_TTL)).isEqualTo(PutOutcome.STORED);
            assertThat(store.putFromLoad(REGION, "1", "R3", 3, bytes("v3"), DATA_TTL))
                    .isEqualTo(PutOutcome.REFUSED_SAME_VERSION);
            // while a write holds the lock, even the same version is refused as locked
            store.lock(REGION, "1", "W");
            assertThat(store.putFromLoad(REGION, "1", null, 3, bytes("v3"), DATA_TTL))
                    .isEqualTo(PutOutcome.REFUSED_LOCKED);
        }

        @Test
        void putFromLoad_writerDeletedAfterReaderLoaded_refusedAndMiss() {
            // R: L2 miss, lease, loads v1 from the DB
            assertThat(store.get(REGION, "1", "R")).isEqualTo(new Lookup.Miss(true, "R"));
            // W: locks, deletes the row (it was at v1), releases
            store.lock(REGION, "1", "W");
            store.releaseAfterRemove(REGION, "1", "W", 1);
            // R: the late put of v1 is refused, under the revoked lease or without one
            assertThat(store.putFromLoad(REGION, "1", "R", 1, bytes("v1"), DATA_TTL))
                    .isEqualTo(PutOutcome.REFUSED_LEASE_REVOKED);
            assertThat(store.putFromLoad(REGION, "1", null, 1, bytes("v1"), DATA_TTL))
                    .isEqualTo(PutOutcome.REFUSED_TOMBSTONE);
            assertThat(store.get(REGION, "1", null)).isEqualTo(MISS);
            // a newer reader takes a new lease: v1 still bounces off the tombstone and gives the lease back;
            // the next reader's v2 lands
            assertThat(store.get(REGION, "1", "R2")).isEqualTo(new Lookup.Miss(true, "R2"));
            assertThat(store.putFromLoad(REGION, "1", "R2", 1, bytes("v1"), DATA_TTL))
                    .isEqualTo(PutOutcome.REFUSED_TOMBSTONE);
            assertThat(store.get(REGION, "1", "R3")).isEqualTo(new Lookup.Miss(true, "R3"));
            assertThat(store.putFromLoad(REGION, "1", "R3", 2, bytes("v2"), DATA_TTL)).isEqualTo(PutOutcome.STORED);
            // L2 hit
            assertThat(store.get(REGION, "1", null)).isEqualTo(hit(2, "v2"));
            assertThat(store.inspect(REGION, "1").tombstoneVersion()).isNull();
        }

        @Test
        void releaseAfterRemove_cachedNewerThanDeletedVersion_tombstoneKeepsHighest() {
            store.put(REGION, "1", 7, bytes("v7"), DATA_TTL);
            store.lock(REGION, "1", "W");
            store.releaseAfterRemove(REGION, "1", "W", 3);

            EntrySnapshot entry = store.inspect(REGION, "1");
            assertThat(entry.hasData()).isFalse();
            assertThat(entry.tombstoneVersion()).isEqualTo(7);
            assertThat(store.put(REGION, "1", 7, bytes("v7"), DATA_TTL)).isEqualTo(PutOutcome.REFUSED_TOMBSTONE);
        }

        @Test
        void releaseAfterRollback_entryCached_sameBytesReadableAgain() {
            byte[] v1 = bytes("v1 as cached before the write");
            store.put(REGION, "1", 1, v1, DATA_TTL);
            store.lock(REGION, "1", "W");
            // while locked: Locked, though the data stays in the hash
            assertThat(store.get(REGION, "1", "R")).isEqualTo(new Lookup.Locked());
            assertThat(store.inspect(REGION, "1").data()).isEqualTo(v1);

            store.releaseAfterRollback(REGION, "1", "W");

            // L2 hit: the same bytes
            assertThat(store.get(REGION, "1", "R")).isEqualTo(new Lookup.Hit(1, v1));
            assertThat(store.inspect(REGION, "1").locks()).isEmpty();
        }

        @Test
        void releaseAfterRollback_onlyLockOnEmptyEntry_keyDeleted() {
            store.lock(REGION, "1", "W");
            store.releaseAfterRollback(REGION, "1", "W");

            assertThat(store.inspect(REGION, "1").exists()).isFalse();
        }

        @Test
        void releaseAfterUpdate_versionNotNewerThanCached_keepsCached() {
            store.put(REGION, "1", 3, bytes("v3"), DATA_TTL);
            store.lock(REGION, "1", "W");

            assertThat(store.releaseAfterUpdate(REGION, "1", "W", 2, bytes("v2"), DATA_TTL))
                    .isEqualTo(PutOutcome.REFUSED_OLDER_VERSION);
            assertThat(store.get(REGION, "1", null)).isEqualTo(hit(3, "v3"));
        }

        @Test
        void releaseAfterUpdate_twoWritersFinishOutOfOrder_newerStaysAndLockedUntilBothRelease() {
            store.put(REGION, "1", 1, bytes("v1"), DATA_TTL);
            store.lock(REGION, "1", "W2");
            store.lock(REGION, "1", "W3");

            assertThat(store.releaseAfterUpdate(REGION, "1", "W3", 3, bytes("v3"), DATA_TTL)).isEqualTo(PutOutcome.STORED);
            assertThat(store.get(REGION, "1", null)).isEqualTo(new Lookup.Locked());
            assertThat(store.releaseAfterUpdate(REGION, "1", "W2", 2, bytes("v2"), DATA_TTL))
                    .isEqualTo(PutOutcome.REFUSED_OLDER_VERSION);

            assertThat(store.get(REGION, "1", null)).isEqualTo(hit(3, "v3"));
        }

        @Test
        void put_anotherWriteHoldsLock_refusedLocked() {
            store.lock(REGION, "1", "W");

            assertThat(store.put(REGION, "1", 5, bytes("v5"), DATA_TTL)).isEqualTo(PutOutcome.REFUSED_LOCKED);
            assertThat(store.put(REGION, "1", -1, bytes("u"), DATA_TTL)).isEqualTo(PutOutcome.REFUSED_LOCKED);
            assertThat(store.putFromLoad(REGION, "1", null, 5, bytes("v5"), DATA_TTL)).isEqualTo(PutOutcome.REFUSED_LOCKED);
        }

        @Test
        void put_versionNotNewerThanCached_refusedOlderVersion() {
            store.put(REGION, "1", 4, bytes("v4"), DATA_TTL);

            assertThat(store.put(REGION, "1", 4, bytes("v4'"), DATA_TTL)).isEqualTo(PutOutcome.REFUSED_OLDER_VERSION);
            assertThat(store.put(REGION, "1", 3, bytes("v3"), DATA_TTL)).isEqualTo(PutOutcome.REFUSED_OLDER_VERSION);
            assertThat(store.put(REGION, "1", 5, bytes("v5"), DATA_TTL)).isEqualTo(PutOutcome.STORED);
            assertThat(store.get(REGION, "1", null)).isEqualTo(hit(5, "v5"));
        }

        @Test
        void put_readerHoldsLease_storesAndRevokesLease() {
            assertThat(store.get(REGION, "1", "R")).isEqualTo(new Lookup.Miss(true, "R"));

            assertThat(store.put(REGION, "1", 2, bytes("v2"), DATA_TTL)).isEqualTo(PutOutcome.STORED);

            assertThat(store.inspect(REGION, "1").leaseToken()).isNull();
            assertThat(store.putFromLoad(REGION, "1", "R", 1, bytes("v1"), DATA_TTL))
                    .isEqualTo(PutOutcome.REFUSED_LEASE_REVOKED);
            assertThat(store.get(REGION, "1", null)).isEqualTo(hit(2, "v2"));
        }

        @Test
        void invalidate_withVersion_refusesThatVersionAndOlderAcceptsNewer() {
            store.put(REGION, "1", 2, bytes("v2"), DATA_TTL);

            store.invalidate(REGION, "1", 3);

            assertThat(store.get(REGION, "1", null)).isEqualTo(MISS);
            assertThat(store.inspect(REGION, "1").tombstoneVersion()).isEqualTo(3);
            assertThat(store.putFromLoad(REGION, "1", null, 2, bytes("v2"), DATA_TTL)).isEqualTo(PutOutcome.REFUSED_TOMBSTONE);
            assertThat(store.put(REGION, "1", 3, bytes("v3"), DATA_TTL)).isEqualTo(PutOutcome.REFUSED_TOMBSTONE);
            assertThat(store.put(REGION, "1", 4, bytes("v4"), DATA_TTL)).isEqualTo(PutOutcome.STORED);
            assertThat(store.get(REGION, "1", null)).isEqualTo(hit(4, "v4"));
        }

        @Test
        void invalidate_withoutVersion_tombstoneKeepsCachedVersion() {
            store.put(REGION, "1", 6, bytes("v6"), DATA_TTL);

            store.invalidate(REGION, "1", -1);

            assertThat(store.inspect(REGION, "1").tombstoneVersion()).isEqualTo(6);
            assertThat(store.put(REGION, "1", 6, bytes("v6"), DATA_TTL)).isEqualTo(PutOutcome.REFUSED_TOMBSTONE);
        }

        @Test
        void invalidate_nothingKnown_unversionedTombstoneBlocksNoVersion() {
            store.invalidate(REGION, "1", -1);

            assertThat(store.inspect(REGION, "1").tombstoneVersion()).isEqualTo(-1);
            assertThat(store.put(REGION, "1", 0, bytes("v0"), DATA_TTL)).isEqualTo(PutOutcome.STORED);
        }

        @Test
        void put_versionsBeyondDoublePrecision_comparedExactly() {
            long big = (1L << 53) + 1; // a Lua number would round this down to 2^53
            store.put(REGION, "1", big - 1, bytes("a"), DATA_TTL);

            assertThat(store.put(REGION, "1", big, bytes("b"), DATA_TTL)).isEqualTo(PutOutcome.STORED);
            assertThat(store.put(REGION, "1", Long.MAX_VALUE, bytes("c"), DATA_TTL)).isEqualTo(PutOutcome.STORED);
            assertThat(store.put(REGION, "1", Long.MAX_VALUE - 1, bytes("d"), DATA_TTL))
                    .isEqualTo(PutOutcome.REFUSED_OLDER_VERSION);
            assertThat(store.get(REGION, "1", null)).isEqualTo(hit(Long.MAX_VALUE, "c"));
            // lengths differ: 10 > 9 although "10" < "9" as text
            store.put(REGION, "2", 9, bytes("9"), DATA_TTL);
            assertThat(store.put(REGION, "2", 10, bytes("10"), DATA_TTL)).isEqualTo(PutOutcome.STORED);
        }
    }

    @Nested
    class LockExpiry {

        @Test
        void get_lockExpiredWithoutRelease_missAndOldVersionCannotReturn() {
            store = storeWith(LONG, LONG, SHORT);
            store.put(REGION, "1", 1, bytes("v1"), DATA_TTL);
            store.lock(REGION, "1", "W"); // W dies: never releases

            sleep(PAST_SHORT);

            // L2 miss, not the possibly stale v1; the reader may take the lease
            assertThat(store.get(REGION, "1", "R")).isEqualTo(new Lookup.Miss(true, "R"));
            EntrySnapshot entry = store.inspect(REGION, "1");
            assertThat(entry.locks()).isEmpty();
            assertThat(entry.hasData()).isFalse();
            assertThat(entry.tombstoneVersion()).isEqualTo(1);
            assertThat(store.putFromLoad(REGION, "1", "R", 1, bytes("v1"), DATA_TTL)).isEqualTo(PutOutcome.REFUSED_TOMBSTONE);
            // The refused fill gave its lease back: the next reader takes one at once and fills the newer version.
            assertThat(store.inspect(REGION, "1").hasLiveLease()).isFalse();
            assertThat(store.get(REGION, "1", "R2")).isEqualTo(new Lookup.Miss(true, "R2"));
            assertThat(store.putFromLoad(REGION, "1", "R2", 2, bytes("v2"), DATA_TTL)).isEqualTo(PutOutcome.STORED);
            assertThat(store.get(REGION, "1", null)).isEqualTo(hit(2, "v2"));
        }

        @Test
        void putFromLoad_lockExpiredAndNoGetSinceThen_oldVersionRefused() {
            store = storeWith(LONG, LONG, SHORT);
            store.put(REGION, "1", 1, bytes("v1"), DATA_TTL);
            store.lock(REGION, "1", "W");
            sleep(PAST_SHORT);

            assertThat(store.put(REGION, "1", 1, bytes("v1"), DATA_TTL)).isEqualTo(PutOutcome.REFUSED_TOMBSTONE);
            assertThat(store.put(REGION, "1", 2, bytes("v2"), DATA_TTL)).isEqualTo(PutOutcome.STORED);
        }

        @Test
        void releaseAfterUpdate_ownLockExpiredAndSwept_newerVersionStillStored() {
            store = storeWith(LONG, LONG, SHORT);
            store.put(REGION, "1", 1, bytes("v1"), DATA_TTL);
            store.lock(REGION, "1", "W");
            sleep(PAST_SHORT);
            assertThat(store.get(REGION, "1", null)).isEqualTo(MISS); // swept: tombstone of v1

            assertThat(store.releaseAfterUpdate(REGION, "1", "W", 2, bytes("v2"), DATA_TTL)).isEqualTo(PutOutcome.STORED);
            assertThat(store.get(REGION, "1", null)).isEqualTo(hit(2, "v2"));
        }

        @Test
        void releaseAfterRollback_ownLockExpired_dataNotSwept() {
            store = storeWith(LONG, LONG, SHORT);
            store.put(REGION, "1", 1, bytes("v1"), DATA_TTL);
            store.lock(REGION, "1", "W");
            sleep(PAST_SHORT);

            store.releaseAfterRollback(REGION, "1", "W");

            // the writer says nothing changed: the data it had locked is good
            assertThat(store.get(REGION, "1", null)).isEqualTo(hit(1, "v1"));
        }
    }

    @Nested
    class Leases {

        @Test
        void get_anotherReaderHoldsLease_missNamingHolder() {
            assertThat(store.get(REGION, "1", "R1")).isEqualTo(new Lookup.Miss(true, "R1"));

            assertThat(store.get(REGION, "1", "R2")).isEqualTo(new Lookup.Miss(false, "R1"));
            assertThat(store.get(REGION, "1", null)).isEqualTo(new Lookup.Miss(false, "R1"));
            assertThat(store.get(REGION, "1", "R1")).isEqualTo(new Lookup.Miss(true, "R1"));
            assertThat(store.putFromLoad(REGION, "1", "R2", 1, bytes("v1"), DATA_TTL))
                    .isEqualTo(PutOutcome.REFUSED_LEASE_REVOKED);
        }

        @Test
        void get_noLeaseAskedAndNoneHeld_missWithoutHolderAndNoKey() {
            assertThat(store.get(REGION, "1", null)).isEqualTo(MISS);
            assertThat(store.inspect(REGION, "1").exists()).isFalse();
        }

        @Test
        void get_leaseExpired_nextReaderTakesItAndFirstHolderRefused() {
            store = storeWith(LONG, SHORT, LONG);
            assertThat(store.get(REGION, "1", "R1")).isEqualTo(new Lookup.Miss(true, "R1"));

            sleep(PAST_SHORT);

            assertThat(store.get(REGION, "1", "R2")).isEqualTo(new Lookup.Miss(true, "R2"));
            assertThat(store.putFromLoad(REGION, "1", "R1", 1, bytes("v1"), DATA_TTL))
                    .isEqualTo(PutOutcome.REFUSED_LEASE_REVOKED);
            assertThat(store.putFromLoad(REGION, "1", "R2", 1, bytes("v1"), DATA_TTL)).isEqualTo(PutOutcome.STORED);
        }

        @Test
        void putFromLoad_leaseExpiredAndNobodyElseAsked_refused() {
            store = storeWith(LONG, SHORT, LONG);
            store.get(REGION, "1", "R1");

            sleep(PAST_SHORT);

            assertThat(store.putFromLoad(REGION, "1", "R1", 1, bytes("v1"), DATA_TTL))
                    .isEqualTo(PutOutcome.REFUSED_LEASE_REVOKED);
        }

        @Test
        void invalidate_readerHoldsLease_holderPutRefused() {
            assertThat(store.get(REGION, "1", "R")).isEqualTo(new Lookup.Miss(true, "R"));

            store.invalidate(REGION, "1", 1);

            assertThat(store.putFromLoad(REGION, "1", "R", 2, bytes("v2"), DATA_TTL))
                    .isEqualTo(PutOutcome.REFUSED_LEASE_REVOKED);
            assertThat(store.get(REGION, "1", "R")).isEqualTo(new Lookup.Miss(true, "R"));
            assertThat(store.putFromLoad(REGION, "1", "R", 2, bytes("v2"), DATA_TTL)).isEqualTo(PutOutcome.STORED);
        }

        @Test
        void lock_readerHoldsLease_leaseRevoked() {
            store.get(REGION, "1", "R");

            store.lock(REGION, "1", "W");

            assertThat(store.inspect(REGION, "1").leaseToken()).isNull();
            store.releaseAfterRollback(REGION, "1", "W");
            assertThat(store.putFromLoad(REGION, "1", "R", 1, bytes("v1"), DATA_TTL))
                    .isEqualTo(PutOutcome.REFUSED_LEASE_REVOKED);
        }
    }

    @Nested
    class Unversioned {

        @Test
        void putFromLoad_unversionedWithoutLease_refused() {
            assertThat(store.putFromLoad(REGION, "1", null, -1, bytes("u"), DATA_TTL))
                    .isEqualTo(PutOutcome.REFUSED_LEASE_REVOKED);
            assertThat(store.inspect(REGION, "1").exists()).isFalse();
        }

        @Test
        void putFromLoad_unversionedUnderLease_storedEvenOverTombstone() {
            store.invalidate(REGION, "1", -1);
            assertThat(store.get(REGION, "1", "R")).isEqualTo(new Lookup.Miss(true, "R"));

            assertThat(store.putFromLoad(REGION, "1", "R", -1, bytes("u1"), DATA_TTL)).isEqualTo(PutOutcome.STORED);
            assertThat(store.get(REGION, "1", null)).isEqualTo(hit(-1, "u1"));
        }

        @Test
        void invalidate_unversionedLeaseHeld_holderPutRefusedAndDataGone() {
            store.put(REGION, "0", -1, bytes("u0"), DATA_TTL);
            store.invalidate(REGION, "0", -1);
            assertThat(store.get(REGION, "0", "R")).isEqualTo(new Lookup.Miss(true, "R"));

            store.invalidate(REGION, "0", -1);

            assertThat(store.putFromLoad(REGION, "0", "R", -1, bytes("u-stale"), DATA_TTL))
                    .isEqualTo(PutOutcome.REFUSED_LEASE_REVOKED);
            assertThat(store.get(REGION, "0", null)).isEqualTo(MISS);
        }

        @Test
        void put_unversionedOverVersioned_storedUnlessLocked() {
            store.put(REGION, "1", 9, bytes("v9"), DATA_TTL);

            assertThat(store.put(REGION, "1", -1, bytes("u"), DATA_TTL)).isEqualTo(PutOutcome.STORED);
            assertThat(store.get(REGION, "1", null)).isEqualTo(hit(-1, "u"));
        }

        @Test
        void releaseAfterUpdate_unversioned_alwaysStored() {
            store.put(REGION, "1", 9, bytes("v9"), DATA_TTL);
            store.lock(REGION, "1", "W");

            assertThat(store.releaseAfterUpdate(REGION, "1", "W", -1, bytes("u"), DATA_TTL)).isEqualTo(PutOutcome.STORED);
            assertThat(store.get(REGION, "1", null)).isEqualTo(hit(-1, "u"));
        }
    }

    @Nested
    class Batches {

        @Test
        void getAll_mixedEntries_resultsInKeyOrder() {
            store.put(REGION, "hit-a", 1, bytes("a"), DATA_TTL);
            store.put(REGION, "locked", 1, bytes("l"), DATA_TTL);
            store.lock(REGION, "locked", "W");
            store.put(REGION, "hit-b", 2, bytes("b"), DATA_TTL);
            store.get(REGION, "leased", "OTHER");

            List<Lookup> lookups = store.getAll(REGION, List.of("hit-a", "absent", "locked", "leased", "hit-b"), "R");

            assertThat(lookups).containsExactly(
                    hit(1, "a"),
                    new Lookup.Miss(true, "R"),
                    new Lookup.Locked(),
                    new Lookup.Miss(false, "OTHER"),
                    hit(2, "b"));
            assertThat(store.inspect(REGION, "absent").leaseToken()).isEqualTo("R");
        }

        @Test
        void getAll_noKeys_emptyList() {
            assertThat(store.getAll(REGION, List.of(), "R")).isEmpty();
        }

        @Test
        void invalidateAll_cachedEntries_allTombstoned() {
            store.put(REGION, "1", 1, bytes("a"), DATA_TTL);
            store.put(REGION, "2", 5, bytes("b"), DATA_TTL);

            store.invalidateAll(REGION, List.of("1", "2", "3"), 2);

            assertThat(store.getAll(REGION, List.of("1", "2", "3"), null)).containsExactly(MISS, MISS, MISS);
            assertThat(store.inspect(REGION, "1").tombstoneVersion()).isEqualTo(2);
            assertThat(store.inspect(REGION, "2").tombstoneVersion()).isEqualTo(5);
            assertThat(store.inspect(REGION, "3").tombstoneVersion()).isEqualTo(2);
        }
    }

    @Nested
    class Housekeeping {

        @Test
        void putAndGet_allByteValues_roundTripUnchanged() {
            byte[] all = new byte[256 * 2];
            for (int i = 0; i < all.length; i++) {
                all[i] = (byte) i;
            }

            store.put(REGION, "put", 1, all, DATA_TTL);
            store.get(REGION, "load", "R");
            store.putFromLoad(REGION, "load", "R", 1, all, DATA_TTL);
            store.lock(REGION, "update", "W");
            store.releaseAfterUpdate(REGION, "update", "W", 1, all, DATA_TTL);

            assertThat(store.get(REGION, "put", null)).isEqualTo(new Lookup.Hit(1, all));
            assertThat(store.getAll(REGION, List.of("load", "update"), null))
                    .containsExactly(new Lookup.Hit(1, all), new Lookup.Hit(1, all));
            assertThat(store.put(REGION, "empty", 1, new byte[0], DATA_TTL)).isEqualTo(PutOutcome.STORED);
            assertThat(store.get(REGION, "empty", null)).isEqualTo(new Lookup.Hit(1, new byte[0]));
        }

        @Test
        void everyOperation_leavesFields_keyHasExpiry() {
            Consumer<String> hasExpiry = step -> {
                EntrySnapshot entry = store.inspect(REGION, "1");
                assertThat(entry.pttlMillis()).as("PTTL after %s: %s", step, entry).isPositive();
            };
            store.get(REGION, "1", "R");
            hasExpiry.accept("get with lease");
            assertThat(store.inspect(REGION, "1").pttlMillis()).isLessThanOrEqualTo(LONG.toMillis());
            store.putFromLoad(REGION, "1", "R", 1, bytes("v1"), DATA_TTL);
            hasExpiry.accept("putFromLoad");
            assertThat(store.inspect(REGION, "1").pttlMillis()).isGreaterThan(LONG.toMillis());
            store.lock(REGION, "1", "W");
            hasExpiry.accept("lock");
            store.releaseAfterUpdate(REGION, "1", "W", 2, bytes("v2"), DATA_TTL);
            hasExpiry.accept("releaseAfterUpdate");
            store.put(REGION, "1", 3, bytes("v3"), DATA_TTL);
            hasExpiry.accept("put");
            store.invalidate(REGION, "1", 3);
            hasExpiry.accept("invalidate");
            // the tombstone no longer needs the data's 60 s
            assertThat(store.inspect(REGION, "1").pttlMillis()).isLessThanOrEqualTo(LONG.toMillis());
            store.lock(REGION, "1", "W2");
            hasExpiry.accept("lock on a tombstone");
            store.releaseAfterRemove(REGION, "1", "W2", 4);
            hasExpiry.accept("releaseAfterRemove");
            store.lock(REGION, "1", "W3");
            store.releaseAfterRollback(REGION, "1", "W3");
            hasExpiry.accept("releaseAfterRollback");
            store.get(REGION, "1", "R2");
            store.putFromLoad(REGION, "1", "R2", 5, bytes("v5"), DATA_TTL);
            store.remove(REGION, "1");
            assertThat(store.inspect(REGION, "1").exists()).as("remove leaves nothing").isFalse();
        }

        @Test
        void put_ttlGiven_keyExpiresThen() {
            store.put(REGION, "1", 1, bytes("v1"), SHORT);

            sleep(PAST_SHORT);

            assertThat(store.inspect(REGION, "1").exists()).isFalse();
            assertThat(store.get(REGION, "1", null)).isEqualTo(MISS);
        }

        @Test
        void remove_undecodableValueWhileLocked_dataGoneLockKept() {
            store.put(REGION, "1", 1, bytes("garbage"), DATA_TTL);
            store.lock(REGION, "1", "W");

            store.remove(REGION, "1");

            EntrySnapshot entry = store.inspect(REGION, "1");
            assertThat(entry.hasData()).isFalse();
            assertThat(entry.version()).isNull();
            assertThat(entry.locks()).containsOnlyKeys("W");
            assertThat(store.get(REGION, "1", null)).isEqualTo(new Lookup.Locked());
        }

        @Test
        void clearRegion_twoRegions_removesOnlyThatRegion() {
            String other = "dev.tieredjpa.domain.User";
            String lookalike = "dev.tieredjpa.domain.Produc?"; // a glob that would match REGION unescaped
            for (int i = 0; i < 1_200; i++) {
                store.put(REGION, Integer.toString(i), 1, bytes("p"), DATA_TTL);
            }
            store.invalidate(REGION, "tombstoned", 1);
            store.lock(REGION, "locked", "W");
            store.put(other, "1", 1, bytes("u"), DATA_TTL);
            store.put(REGION + "2", "1", 1, bytes("u"), DATA_TTL);
            store.put(lookalike, "1", 1, bytes("x"), DATA_TTL);

            assertThat(store.clearRegion(lookalike)).isEqualTo(1);
            assertThat(store.get(REGION, "1", null)).isEqualTo(hit(1, "p"));

            assertThat(store.clearRegion(REGION)).isEqualTo(1_202);

            assertThat(store.get(REGION, "1", null)).isEqualTo(MISS);
            assertThat(store.inspect(REGION, "locked").exists()).isFalse();
            assertThat(store.get(other, "1", null)).isEqualTo(hit(1, "u"));
            assertThat(store.get(REGION + "2", "1", null)).isEqualTo(hit(1, "u"));
        }

        @Test
        void inspect_absentKey_doesNotExist() {
            EntrySnapshot entry = store.inspect(REGION, "nothing");

            assertThat(entry.exists()).isFalse();
            assertThat(entry.hasData()).isFalse();
            assertThat(entry.locks()).isEmpty();
            assertThat(entry.redisTimeMillis()).isPositive();
        }

        @Test
        void key_regionAndKeyText_prefixRegionColonKey() {
            assertThat(store.key("r", "k:1")).isEqualTo(prefix + "r:k:1");
        }
    }

    @Nested
    class Arguments {

        @Test
        void constructor_negativeTombstoneTtl_rejectedNamingIt() {
            assertThatThrownBy(() -> new RedisEntryStore(redisson, "p:", Duration.ofSeconds(-5), LONG, LONG))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("tombstoneTtl must be a positive duration of at least 1 ms, but was PT-5S");
        }

        @Test
        void constructor_zeroLockTtl_rejectedNamingIt() {
            assertThatThrownBy(() -> new RedisEntryStore(redisson, "p:", LONG, LONG, Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("lockTtl must be a positive duration of at least 1 ms, but was PT0S");
        }

        @Test
        void put_zeroTtl_rejectedNamingIt() {
            assertThatThrownBy(() -> store.put(REGION, "1", 1, bytes("v"), Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("ttl must be a positive duration of at least 1 ms, but was PT0S");
        }

        @Test
        void get_emptyLeaseToken_rejected() {
            assertThatThrownBy(() -> store.get(REGION, "1", ""))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("leaseToken must be null (none) or non-empty, but was empty");
        }

        @Test
        void lock_nullToken_rejected() {
            assertThatThrownBy(() -> store.lock(REGION, "1", null))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessage("lockToken");
        }

        @Test
        void get_emptyRegion_rejected() {
            assertThatThrownBy(() -> store.get("", "1", null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("region must not be empty");
        }
    }
}
