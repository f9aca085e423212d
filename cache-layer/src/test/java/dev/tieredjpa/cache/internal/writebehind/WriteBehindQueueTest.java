package dev.tieredjpa.cache.internal.writebehind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tieredjpa.cache.RedissonClients;
import dev.tieredjpa.cache.internal.l2.EntrySnapshot;
import dev.tieredjpa.cache.internal.l2.Lookup;
import dev.tieredjpa.cache.internal.l2.PutOutcome;
import dev.tieredjpa.cache.internal.l2.RedisEntryStore;
import dev.tieredjpa.testsupport.TestRedis;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.Codec;
import org.redisson.client.codec.StringCodec;
import org.redisson.codec.CompositeCodec;

/**
 * The Redis side of write-behind against a real Redis: the queue's scripts, and what they leave in L2 as
 * {@link RedisEntryStore} reads it on any node. Flushers are played by calling the queue in order; the
 * only sleeps wait out an idle time or an age of a few hundred ms.
 */
class WriteBehindQueueTest {

    private static final String REGION = "dev.tieredjpa.domain.UserSession";
    private static final String ENTITY = "UserSession";
    private static final Duration L2_TTL = Duration.ofSeconds(60);
    private static final Duration TOMBSTONE_TTL = Duration.ofSeconds(30);
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final long MAX = 1_000;
    private static final Codec RAW = new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE, ByteArrayCodec.INSTANCE);

    private static RedissonClient redisson;

    private String prefix;
    private WriteBehindQueue queue;
    private RedisEntryStore store;
    private String region;

    @BeforeAll
    static void connect() {
        redisson = RedissonClients.forUrl(TestRedis.endpoint().url(), "write-behind-queue-test");
    }

    @AfterAll
    static void disconnect() {
        redisson.shutdown();
    }

    @BeforeEach
    void newQueue() {
        prefix = TestRedis.newKeyPrefix("wb");
        queue = new WriteBehindQueue(redisson, prefix, REGION, ENTITY, L2_TTL, TOMBSTONE_TTL);
        store = new RedisEntryStore(redisson, prefix, TOMBSTONE_TTL, LONG, LONG);
        region = queue.l2Region();
    }

    @AfterEach
    void deleteKeys() {
        redisson.getKeys().getKeysStreamByPattern(prefix + "*").forEach(key -> redisson.getKeys().unlink(key));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Lookup.Hit hit(long version, String data) {
        return new Lookup.Hit(version, bytes(data));
    }

    private EnqueueResult upsert(String keyText, long version, String data) {
        return queue.enqueue(keyText, version, bytes(data), MAX);
    }

    private EnqueueResult delete(String keyText, long version) {
        return queue.enqueue(keyText, version, null, MAX);
    }

    private Map<StreamMessageId, Map<String, byte[]>> streamContents(String key) {
        return redisson.<String, byte[]>getStream(key, RAW).range(StreamMessageId.MIN, StreamMessageId.MAX);
    }

    private static String text(byte[] value) {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Nested
    class Enqueue {

        @Test
        void enqueue_upsert_l2HitPinnedWithoutTtlAndOneStreamRecord() {
            EnqueueResult result = upsert("s#1", 1, "state 1");

            assertThat(result.stored()).isTrue();
            assertThat(result.streamId()).matches("\\d+-\\d+");
            // L2 hit, on any node: the pending state
            assertThat(store.get(region, "s#1", "R")).isEqualTo(hit(1, "state 1"));
            EntrySnapshot entry = store.inspect(region, "s#1");
            assertThat(entry.pttlMillis()).as("pinned: no TTL").isEqualTo(-1);
            assertThat(entry.isPinned()).isTrue();
            assertThat(entry.pendingVersion()).isEqualTo(1);
            assertThat(entry.pendingDelete()).isFalse();
            assertThat(entry.leaseToken()).as("no lease on a pinned entry").isNull();
            // the stream: one record with every field
            Map<StreamMessageId, Map<String, byte[]>> records = streamContents(queue.streamKey());
            assertThat(records).hasSize(1);
            Map.Entry<StreamMessageId, Map<String, byte[]>> record = records.entrySet().iterator().next();
            assertThat(record.getKey().toString()).isEqualTo(result.streamId());
            assertThat(record.getValue()).containsOnlyKeys("k", "v", "op", "d", "t");
            assertThat(text(record.getValue().get("k"))).isEqualTo("s#1");
            assertThat(text(record.getValue().get("v"))).isEqualTo("1");
            assertThat(text(record.getValue().get("op"))).isEqualTo("U");
            assertThat(record.getValue().get("d")).isEqualTo(bytes("state 1"));
            // "t" is the script's Redis TIME; the id, XADD's a moment later (a millisecond boundary may pass between)
            assertThat(Long.parseLong(text(record.getValue().get("t")))).isBetween(record.getKey().getId0() - 5, record.getKey().getId0());
            assertThat(queue.depth()).isEqualTo(1);
        }

        @Test
        void enqueue_delete_readsAsDeletedAndRecordHasNoData() {
            upsert("s#1", 1, "state 1");

            EnqueueResult result = delete("s#1", 2);

            assertThat(result.stored()).isTrue();
            // L2: gone at version 2, although the database still has the row: no fall-through to it
            assertThat(store.get(region, "s#1", "R")).isEqualTo(new Lookup.Deleted(2));
            assertThat(store.getAll(region, List.of("s#1"), null)).containsExactly(new Lookup.Deleted(2));
            EntrySnapshot entry = store.inspect(region, "s#1");
            assertThat(entry.pttlMillis()).isEqualTo(-1);
            assertThat(entry.hasData()).isFalse();
            assertThat(entry.version()).isEqualTo(2);
            assertThat(entry.pendingVersion()).isEqualTo(2);
            assertThat(entry.pendingDelete()).isTrue();
            assertThat(entry.leaseToken()).isNull();
            Map<String, byte[]> record = streamContents(queue.streamKey()).get(parse(result.streamId()));
            assertThat(record).containsOnlyKeys("k", "v", "op", "t");
            assertThat(text(record.get("op"))).isEqualTo("D");
            assertThat(text(record.get("v"))).isEqualTo("2");
        }

        @Test
        void enqueue_queueAtMaxLength_refusedQueueFullAndNothingChanged() {
            assertThat(queue.enqueue("s#1", 1, bytes("a"), 2).stored()).isTrue();
            assertThat(queue.enqueue("s#2", 1, bytes("b"), 2).stored()).isTrue();

            EnqueueResult result = queue.enqueue("s#3", 1, bytes("c"), 2);

            assertThat(result.status()).isEqualTo(EnqueueResult.Status.REFUSED_QUEUE_FULL);
            assertThat(result.queueFull()).isTrue();
            assertThat(result.streamId()).isNull();
            assertThat(queue.depth()).isEqualTo(2);
            assertThat(store.inspect(region, "s#3").exists()).isFalse();
            // a flush makes room again
            queue.acknowledge(queue.readNew("F", 1, Duration.ZERO));
            assertThat(queue.enqueue("s#3", 1, bytes("c"), 2).stored()).isTrue();
        }

        @Test
        void enqueue_versionNotNewerThanPending_refusedOlderVersionWithCurrent() {
            upsert("s#1", 5, "v5");

            EnqueueResult same = upsert("s#1", 5, "v5 again");
            EnqueueResult older = upsert("s#1", 4, "v4");
            EnqueueResult olderDelete = delete("s#1", 5);

            assertThat(same.status()).isEqualTo(EnqueueResult.Status.REFUSED_OLDER_VERSION);
            assertThat(same.olderVersion()).isTrue();
            assertThat(same.currentVersion()).isEqualTo(5);
            assertThat(older.status()).isEqualTo(EnqueueResult.Status.REFUSED_OLDER_VERSION);
            assertThat(olderDelete.status()).isEqualTo(EnqueueResult.Status.REFUSED_OLDER_VERSION);
            assertThat(store.get(region, "s#1", null)).isEqualTo(hit(5, "v5"));
            assertThat(queue.depth()).isEqualTo(1);
            // the writer re-reads (v5) and retries with v6
            assertThat(upsert("s#1", 6, "v6").stored()).isTrue();
        }

        @Test
        void enqueue_olderThanCachedDataOrLiveTombstone_refusedOlderVersion() {
            store.put(region, "cached", 7, bytes("v7"), L2_TTL);
            store.invalidate(region, "tombstoned", 3);

            assertThat(upsert("cached", 7, "x").status()).isEqualTo(EnqueueResult.Status.REFUSED_OLDER_VERSION);
            assertThat(upsert("tombstoned", 3, "x").status()).isEqualTo(EnqueueResult.Status.REFUSED_OLDER_VERSION);
            assertThat(upsert("tombstoned", 3, "x").currentVersion()).isEqualTo(3);

            assertThat(upsert("cached", 8, "v8").stored()).isTrue();
            assertThat(upsert("tombstoned", 4, "v4").stored()).isTrue();
            assertThat(store.inspect(region, "tombstoned").tombstoneVersion()).as("tombstone replaced").isNull();
            assertThat(store.inspect(region, "cached").pttlMillis()).as("the cached TTL is gone").isEqualTo(-1);
        }

        @Test
        void enqueue_writeThroughLockLives_refusedLocked() {
            store.put(region, "s#1", 1, bytes("v1"), L2_TTL);
            store.lock(region, "s#1", "W");

            EnqueueResult result = upsert("s#1", 2, "v2");

            assertThat(result.status()).isEqualTo(EnqueueResult.Status.REFUSED_LOCKED);
            assertThat(result.locked()).isTrue();
            assertThat(queue.depth()).isZero();
            store.releaseAfterRollback(region, "s#1", "W");
            assertThat(upsert("s#1", 2, "v2").stored()).isTrue();
        }

        @Test
        void enqueue_readerHoldsLease_leaseRevokedSoItsLoadCannotLand() {
            // R: L2 miss, R takes the lease and loads v1 from the DB
            assertThat(store.get(region, "s#1", "R")).isEqualTo(new Lookup.Miss(true, "R"));

            assertThat(upsert("s#1", 2, "v2").stored()).isTrue();

            assertThat(store.putFromLoad(region, "s#1", "R", 1, bytes("v1"), L2_TTL))
                    .isEqualTo(PutOutcome.REFUSED_LEASE_REVOKED);
            assertThat(store.putFromLoad(region, "s#1", null, 1, bytes("v1"), L2_TTL))
                    .isEqualTo(PutOutcome.REFUSED_OLDER_VERSION);
            assertThat(store.get(region, "s#1", null)).isEqualTo(hit(2, "v2"));
        }

        @Test
        void enqueue_versionsBeyondDoublePrecision_comparedExactly() {
            long big = (1L << 53) + 1;
            upsert("s#1", big - 1, "a");

            assertThat(upsert("s#1", big, "b").stored()).isTrue();
            assertThat(upsert("s#1", big, "c").olderVersion()).isTrue();
            assertThat(store.get(region, "s#1", null)).isEqualTo(hit(big, "b"));
        }
    }

    @Nested
    class Flush {

        @Test
        void readNewAndAcknowledge_upsert_unpinnedAndTtlRestored() {
            EnqueueResult queued = upsert("s#1", 1, "state 1");

            List<WriteRecord> batch = queue.readNew("F1", 10, Duration.ZERO);

            assertThat(batch).hasSize(1);
            long enqueuedAt = batch.get(0).enqueuedAtMillis();
            assertThat(batch).containsExactly(new WriteRecord(queued.streamId(), "s#1", 1, false, bytes("state 1"), enqueuedAt));
            // The record's time is the script's Redis TIME; the stream id's, XADD's a moment later (a millisecond
            // boundary may pass in between)
            assertThat(enqueuedAt).isBetween(parse(queued.streamId()).getId0() - 5, parse(queued.streamId()).getId0());
            assertThat(queue.readNew("F2", 10, Duration.ZERO)).as("delivered once").isEmpty();

            assertThat(queue.acknowledge(batch)).isEqualTo(1);

            EntrySnapshot entry = store.inspect(region, "s#1");
            assertThat(entry.isPinned()).isFalse();
            assertThat(entry.pttlMillis()).isPositive().isLessThanOrEqualTo(L2_TTL.toMillis());
            // L2 hit: the flushed state stays cached, now with its TTL
            assertThat(store.get(region, "s#1", null)).isEqualTo(hit(1, "state 1"));
            assertThat(queue.depth()).isZero();
            assertThat(queue.deliveries(batch.get(0))).isZero();
        }

        @Test
        void acknowledge_newerWriteQueuedAfterRead_newerStaysPinnedUntilItsOwnFlush() {
            upsert("s#1", 1, "v1");
            List<WriteRecord> first = queue.readNew("F1", 10, Duration.ZERO);
            upsert("s#1", 2, "v2");

            assertThat(queue.acknowledge(first)).isZero();

            EntrySnapshot entry = store.inspect(region, "s#1");
            assertThat(entry.pendingVersion()).isEqualTo(2);
            assertThat(entry.pttlMillis()).isEqualTo(-1);
            assertThat(store.get(region, "s#1", null)).isEqualTo(hit(2, "v2"));

            List<WriteRecord> second = queue.readNew("F1", 10, Duration.ZERO);
            assertThat(second).extracting(WriteRecord::version).containsExactly(2L);
            assertThat(queue.acknowledge(second)).isEqualTo(1);
            assertThat(store.inspect(region, "s#1").pttlMillis()).isPositive();
        }

        @Test
        void acknowledge_flushedDelete_becomesPlainTombstone() {
            upsert("s#1", 1, "v1");
            queue.acknowledge(queue.readNew("F1", 10, Duration.ZERO));
            delete("s#1", 2);

            queue.acknowledge(queue.readNew("F1", 10, Duration.ZERO));

            EntrySnapshot entry = store.inspect(region, "s#1");
            assertThat(entry.isPinned()).isFalse();
            assertThat(entry.pendingDelete()).isFalse();
            assertThat(entry.hasData()).isFalse();
            assertThat(entry.version()).isNull();
            assertThat(entry.tombstoneVersion()).isEqualTo(2);
            assertThat(entry.pttlMillis()).isPositive().isLessThanOrEqualTo(TOMBSTONE_TTL.toMillis());
            // L2 miss now (the database has no row); a late load of v1 bounces off the tombstone
            assertThat(store.get(region, "s#1", null)).isEqualTo(new Lookup.Miss(false, null));
            assertThat(store.putFromLoad(region, "s#1", null, 1, bytes("v1"), L2_TTL))
                    .isEqualTo(PutOutcome.REFUSED_TOMBSTONE);
        }

        @Test
        void acknowledge_manyRecordsOfSeveralKeys_oneCallUnpinsEachLatest() {
            upsert("a", 1, "a1");
            upsert("b", 1, "b1");
            upsert("a", 2, "a2");
            delete("c", 1);

            List<WriteRecord> batch = queue.readNew("F1", 10, Duration.ZERO);

            assertThat(batch).extracting(WriteRecord::keyText).containsExactly("a", "b", "a", "c");
            assertThat(queue.acknowledge(batch)).isEqualTo(3);
            assertThat(queue.depth()).isZero();
            assertThat(store.inspect(region, "a").isPinned()).isFalse();
            assertThat(store.get(region, "a", null)).isEqualTo(hit(2, "a2"));
            assertThat(store.inspect(region, "c").tombstoneVersion()).isEqualTo(1);
        }

        @Test
        void acknowledge_twice_harmless() {
            upsert("s#1", 1, "v1");
            List<WriteRecord> batch = queue.readNew("F1", 10, Duration.ZERO);
            queue.acknowledge(batch);
            upsert("s#1", 2, "v2");

            assertThat(queue.acknowledge(batch)).isZero();

            assertThat(store.inspect(region, "s#1").pendingVersion()).isEqualTo(2);
            assertThat(queue.depth()).isEqualTo(1);
        }

        @Test
        void readNew_recordsQueuedBeforeTheGroupExisted_delivered() {
            upsert("s#1", 1, "v1");
            upsert("s#2", 1, "v2");
            WriteBehindQueue otherNode = new WriteBehindQueue(redisson, prefix, REGION, ENTITY, L2_TTL, TOMBSTONE_TTL);

            assertThat(queue.readNew("F1", 1, Duration.ZERO)).extracting(WriteRecord::keyText).containsExactly("s#1");
            // another node's queue: the group exists already (BUSYGROUP ignored), and it shares the work
            assertThat(otherNode.readNew("F2", 10, Duration.ZERO)).extracting(WriteRecord::keyText).containsExactly("s#2");
        }

        @Test
        void readNew_emptyStreamBlockLongerThanCommandTimeout_waitsThenEmpty() {
            long start = System.nanoTime();

            List<WriteRecord> none = queue.readNew("F1", 10, Duration.ofMillis(1_500));

            long waitedMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(none).isEmpty();
            assertThat(waitedMillis).isGreaterThanOrEqualTo(1_400);
        }

        @Test
        void readNew_recordArrivesWhileBlocked_returnedAtOnce() throws Exception {
            Thread writer = new Thread(() -> {
                sleep(Duration.ofMillis(200));
                upsert("s#1", 1, "v1");
            });
            writer.start();

            List<WriteRecord> batch = queue.readNew("F1", 10, Duration.ofSeconds(5));

            writer.join();
            assertThat(batch).extracting(WriteRecord::keyText).containsExactly("s#1");
        }
    }

    @Nested
    class Claims {

        @Test
        void claimIdle_consumerDiedHoldingRecords_anotherClaimsThemAfterMinIdle() {
            upsert("s#1", 1, "v1");
            upsert("s#2", 1, "v2");
            List<WriteRecord> taken = queue.readNew("F1", 10, Duration.ZERO); // F1 dies: never acknowledges

            assertThat(queue.claimIdle("F2", Duration.ofMillis(300), 10)).as("not idle long enough").isEmpty();
            assertThat(queue.readNew("F2", 10, Duration.ZERO)).as("never redelivered as new").isEmpty();

            sleep(Duration.ofMillis(400));
            List<WriteRecord> claimed = queue.claimIdle("F2", Duration.ofMillis(300), 10);

            assertThat(claimed).isEqualTo(taken);
            assertThat(queue.claimIdle("F3", Duration.ofMillis(300), 10)).as("claiming resets the idle time").isEmpty();
            assertThat(queue.acknowledge(claimed)).isEqualTo(2);
            assertThat(queue.depth()).isZero();
        }

        @Test
        void claimIdle_countSmallerThanPending_claimsOnlyCount() {
            for (int i = 0; i < 5; i++) {
                upsert("s#" + i, 1, "v");
            }
            queue.readNew("F1", 10, Duration.ZERO);

            assertThat(queue.claimIdle("F2", Duration.ZERO, 3)).extracting(WriteRecord::keyText)
                    .containsExactly("s#0", "s#1", "s#2");
            assertThat(queue.claimIdle("F2", Duration.ofSeconds(10), 3)).isEmpty();
        }

        @Test
        void deliveries_readThenClaimed_countsEachDelivery() {
            upsert("s#1", 1, "v1");
            WriteRecord notYetRead = new WriteRecord(queue.readNew("F0", 1, Duration.ZERO).get(0).streamId(), "s#1", 1,
                    false, bytes("v1"), 0);
            assertThat(queue.deliveries(notYetRead)).isEqualTo(1);

            WriteRecord record = queue.claimIdle("F1", Duration.ZERO, 1).get(0);
            assertThat(queue.deliveries(record)).isEqualTo(2);
            queue.claimIdle("F2", Duration.ZERO, 1);
            assertThat(queue.deliveries(record)).isEqualTo(3);

            queue.acknowledge(List.of(record));
            assertThat(queue.deliveries(record)).isZero();
        }

        @Test
        void readOwnPending_twoConsumersHoldRecords_onlyOwnUnacknowledgedOnes() {
            upsert("s#1", 1, "v1");
            upsert("s#2", 1, "v2");
            upsert("s#3", 1, "v3");
            List<WriteRecord> mine = queue.readNew("F1", 2, Duration.ZERO);
            queue.readNew("F2", 10, Duration.ZERO);
            queue.acknowledge(mine.subList(0, 1));

            List<WriteRecord> owed = queue.readOwnPending("F1", 10);

            assertThat(owed).containsExactly(mine.get(1));
            assertThat(queue.readOwnPending("F3", 10)).isEmpty();
            assertThat(queue.readOwnPending("F2", 10)).extracting(WriteRecord::keyText).containsExactly("s#3");
        }

        @Test
        void deliveries_queuedButNeverRead_zero() {
            EnqueueResult queued = upsert("s#1", 1, "v1");

            assertThat(queue.deliveries(new WriteRecord(queued.streamId(), "s#1", 1, false, bytes("v1"), 0))).isZero();
        }
    }

    @Nested
    class DeadLetters {

        @Test
        void deadLetter_recordStillPinsEntry_movedCountedAndEntryTombstoned() {
            store.put(region, "s#1", 2, bytes("v2 from the database"), L2_TTL);
            upsert("s#1", 3, "v3");
            WriteRecord record = queue.readNew("F1", 10, Duration.ZERO).get(0);

            assertThat(queue.deadLetter(record, "ConstraintViolationException: name too long")).isTrue();

            assertThat(queue.depth()).isZero();
            assertThat(queue.deadLetterCount()).isEqualTo(1);
            assertThat(queue.deliveries(record)).isZero();
            Map<String, byte[]> dead = streamContents(queue.deadLetterStreamKey()).values().iterator().next();
            assertThat(dead).containsOnlyKeys("k", "v", "op", "d", "t", "id", "reason", "deliveries", "at");
            assertThat(text(dead.get("k"))).isEqualTo("s#1");
            assertThat(text(dead.get("v"))).isEqualTo("3");
            assertThat(dead.get("d")).isEqualTo(bytes("v3"));
            assertThat(text(dead.get("id"))).isEqualTo(record.streamId());
            assertThat(text(dead.get("reason"))).isEqualTo("ConstraintViolationException: name too long");
            assertThat(text(dead.get("deliveries"))).isEqualTo("1");
            // L2: the write never reached the database, so nothing pending is served: L2 miss, DB load
            EntrySnapshot entry = store.inspect(region, "s#1");
            assertThat(entry.isPinned()).isFalse();
            assertThat(entry.hasData()).isFalse();
            assertThat(entry.tombstoneVersion()).isEqualTo(3);
            assertThat(entry.pttlMillis()).isPositive().isLessThanOrEqualTo(TOMBSTONE_TTL.toMillis());
            assertThat(store.get(region, "s#1", null)).isEqualTo(new Lookup.Miss(false, null));
        }

        @Test
        void deadLetter_pendingDelete_entryTombstonedSoReadersSeeTheRowAgain() {
            upsert("s#1", 1, "v1");
            queue.acknowledge(queue.readNew("F1", 10, Duration.ZERO));
            delete("s#1", 2);
            WriteRecord record = queue.readNew("F1", 10, Duration.ZERO).get(0);

            queue.deadLetter(record, "FK violation");

            assertThat(store.get(region, "s#1", null)).as("no longer Deleted: the database decides")
                    .isEqualTo(new Lookup.Miss(false, null));
            assertThat(text(streamContents(queue.deadLetterStreamKey()).values().iterator().next().get("op"))).isEqualTo("D");
        }

        @Test
        void deadLetter_newerWritePending_newerStaysPinned() {
            upsert("s#1", 1, "v1");
            WriteRecord failing = queue.readNew("F1", 10, Duration.ZERO).get(0);
            upsert("s#1", 2, "v2");

            queue.deadLetter(failing, "timeout");

            // the newer record carries the whole state: it supersedes the dead one and is still served
            assertThat(store.get(region, "s#1", null)).isEqualTo(hit(2, "v2"));
            assertThat(store.inspect(region, "s#1").pendingVersion()).isEqualTo(2);
            assertThat(queue.depth()).isEqualTo(1);
            assertThat(queue.deadLetterCount()).isEqualTo(1);
        }

        @Test
        void deadLetter_recordAlreadyFlushedByAnotherConsumer_nothingMovedNothingCounted() {
            upsert("s#1", 1, "v1");
            WriteRecord record = queue.readNew("F1", 10, Duration.ZERO).get(0);
            queue.acknowledge(List.of(record));

            assertThat(queue.deadLetter(record, "late")).isFalse();

            assertThat(queue.deadLetterCount()).isZero();
            assertThat(store.get(region, "s#1", null)).isEqualTo(hit(1, "v1"));
        }

        @Test
        void readNew_malformedRecordInStream_deadLetteredAndGoodOnesReturned() {
            upsert("s#1", 1, "v1");
            redisson.<String, byte[]>getStream(queue.streamKey(), RAW)
                    .add(StreamAddArgs.entries(Map.of("k", bytes("s#2"), "v", bytes("not a number"))));
            upsert("s#3", 1, "v3");

            List<WriteRecord> batch = queue.readNew("F1", 10, Duration.ZERO);

            assertThat(batch).extracting(WriteRecord::keyText).containsExactly("s#1", "s#3");
            assertThat(queue.deadLetterCount()).isEqualTo(1);
            assertThat(text(streamContents(queue.deadLetterStreamKey()).values().iterator().next().get("reason")))
                    .startsWith("malformed record: ");
            assertThat(queue.depth()).isEqualTo(2);
            assertThat(queue.malformed()).isEqualTo(1);
        }

        @Test
        void deadLetterMalformed_recordStillPinsItsEntry_movedCountedAndEntryTombstoned() {
            // the library's own record, whose data this node cannot decode (another schema, in a rolling upgrade)
            upsert("s#1", 3, "v3 in a format this node does not read");
            WriteRecord record = queue.readNew("F1", 10, Duration.ZERO).get(0);

            assertThat(queue.deadLetterMalformed(record, "malformed record: its data does not decode")).isEqualTo(1);

            assertThat(queue.malformed()).isEqualTo(1);
            assertThat(queue.depth()).isZero();
            EntrySnapshot entry = store.inspect(region, "s#1");
            assertThat(entry.isPinned()).isFalse();
            assertThat(entry.tombstoneVersion()).isEqualTo(3);
        }

        @Test
        void readNew_recordWithFieldsItDoesNotKnow_readAsItsKnownFields() {
            // what a newer version of the library might write: its records must still flush here
            redisson.<String, byte[]>getStream(queue.streamKey(), RAW).add(StreamAddArgs.entries(Map.of("k", bytes("s#1"),
                    "v", bytes("4"), "op", bytes("U"), "d", bytes("v4"), "t", bytes("1"), "future", bytes("?"))));

            List<WriteRecord> batch = queue.readNew("F1", 10, Duration.ZERO);

            assertThat(batch).singleElement().returns("s#1", WriteRecord::keyText).returns(4L, WriteRecord::version);
            assertThat(queue.malformed()).isZero();
            assertThat(queue.deadLetterCount()).isZero();
        }

        @Test
        void deadLetterMalformed_recordPinsNothing_movedCountedEntryUntouched() {
            store.put(region, "s#1", 2, bytes("v2"), L2_TTL);
            redisson.<String, byte[]>getStream(queue.streamKey(), RAW).add(StreamAddArgs.entries(Map.of("k", bytes("s#1"),
                    "v", bytes("999"), "op", bytes("U"), "d", bytes("noise"), "t", bytes("1"))));
            WriteRecord planted = queue.readNew("F1", 10, Duration.ZERO).get(0);

            assertThat(queue.deadLetterMalformed(planted, "malformed record: its data does not decode")).isZero();

            assertThat(queue.malformed()).isEqualTo(1);
            assertThat(queue.deadLetterCount()).isEqualTo(1);
            // the planted version tombstones nothing: the key's next write is not refused
            assertThat(store.inspect(region, "s#1").tombstoneVersion()).isNull();
            assertThat(upsert("s#1", 3, "v3").stored()).isTrue();
            assertThat(queue.deadLetterMalformed(planted, "again")).as("gone already").isEqualTo(-1);
            assertThat(queue.malformed()).isEqualTo(1);
        }
    }

    @Nested
    class ForeignKeys {

        @Test
        void enqueue_hashAtTheStreamsName_failsAndStoresNothing() {
            redisson.getMap(queue.streamKey(), StringCodec.INSTANCE).put("owner", "someone else");

            assertThatThrownBy(() -> upsert("s#1", 1, "v1")).hasMessageContaining("WRONGTYPE");

            assertThat(store.inspect(region, "s#1").exists()).as("the entry, not pinned by a write that was not queued")
                    .isFalse();
            assertThat(redisson.getMap(queue.streamKey(), StringCodec.INSTANCE).get("owner")).isEqualTo("someone else");
            assertThat(queue.foreignKeysRemoved()).isZero();
        }

        @Test
        void readNew_stringAtTheStreamsName_deletedCountedAndTheQueueWorksAgain() {
            redisson.getBucket(queue.streamKey(), StringCodec.INSTANCE).set("not a stream");

            assertThat(queue.readNew("F1", 10, Duration.ZERO)).isEmpty();

            assertThat(queue.foreignKeysRemoved()).isEqualTo(1);
            assertThat(upsert("s#1", 1, "v1").stored()).isTrue();
            assertThat(queue.readNew("F1", 10, Duration.ZERO)).extracting(WriteRecord::keyText).containsExactly("s#1");
            assertThat(queue.foreignKeysRemoved()).isEqualTo(1);
        }

        @Test
        void deadLetter_hashAtTheDeadLetterStreamsName_deletedCountedAndTheRecordMovedNotLost() {
            upsert("s#1", 1, "v1");
            WriteRecord record = queue.readNew("F1", 10, Duration.ZERO).get(0);
            redisson.getMap(queue.deadLetterStreamKey(), StringCodec.INSTANCE).put("owner", "someone else");

            assertThat(queue.deadLetter(record, "poison")).isTrue();

            assertThat(queue.foreignKeysRemoved()).isEqualTo(1);
            assertThat(queue.depth()).isZero();
            assertThat(streamContents(queue.deadLetterStreamKey()).values()).singleElement()
                    .satisfies(dead -> assertThat(text(dead.get("id"))).isEqualTo(record.streamId()));
        }
    }

    @Nested
    class Gauges {

        @Test
        void lag_oldestRecordAges_growsAndEmptyOnceFlushed() {
            assertThat(queue.lag()).isEmpty();
            upsert("s#1", 1, "v1");
            assertThat(queue.lag()).hasValueSatisfying(lag -> assertThat(lag).isLessThan(Duration.ofSeconds(5)));

            sleep(Duration.ofMillis(300));
            upsert("s#2", 1, "v2");

            assertThat(queue.lag()).hasValueSatisfying(lag -> assertThat(lag).isGreaterThanOrEqualTo(Duration.ofMillis(300)));
            List<WriteRecord> batch = queue.readNew("F1", 1, Duration.ZERO);
            queue.acknowledge(batch);
            assertThat(queue.lag()).as("now the younger record is the oldest")
                    .hasValueSatisfying(lag -> assertThat(lag).isLessThan(Duration.ofMillis(300)));
            queue.acknowledge(queue.readNew("F1", 1, Duration.ZERO));
            assertThat(queue.lag()).isEqualTo(Optional.empty());
        }

        @Test
        void depth_countsDeliveredButUnacknowledgedToo() {
            upsert("s#1", 1, "v1");
            upsert("s#2", 1, "v2");
            queue.readNew("F1", 1, Duration.ZERO);

            assertThat(queue.depth()).isEqualTo(2);
            assertThat(queue.deadLetterCount()).isZero();
        }
    }

    @Nested
    class Keys {

        @Test
        void keys_entryAndStreams_shareOneClusterSlot() {
            String entry = queue.entryKey("dev.tieredjpa.domain.UserSession#42");

            assertThat(entry).isEqualTo(prefix + "{UserSession}:" + REGION + ":dev.tieredjpa.domain.UserSession#42");
            assertThat(queue.streamKey()).isEqualTo(prefix + "wb:{UserSession}");
            assertThat(queue.deadLetterStreamKey()).isEqualTo(prefix + "wb-dead:{UserSession}");
            assertThat(ClusterSlots.of(entry)).isEqualTo(ClusterSlots.of(queue.streamKey()))
                    .isEqualTo(ClusterSlots.of(queue.deadLetterStreamKey()))
                    .isEqualTo(ClusterSlots.of(queue.entryKey("another key {with braces}")));
        }

        @Test
        void l2Region_regionAlreadyTagged_keptAsItIs() {
            WriteBehindQueue tagged = new WriteBehindQueue(redisson, prefix, queue.l2Region(), ENTITY, L2_TTL, TOMBSTONE_TTL);

            assertThat(tagged.l2Region()).isEqualTo(queue.l2Region()).isEqualTo("{UserSession}:" + REGION);
        }

        @Test
        void storeKeys_otherRegions_unchanged() {
            store.put(REGION, "1", 1, bytes("v"), L2_TTL);

            assertThat(redisson.getKeys().countExists(prefix + REGION + ":1")).isEqualTo(1);
        }
    }

    @Nested
    class Arguments {

        @Test
        void constructor_entityNameWithBrace_rejectedNamingIt() {
            assertThatThrownBy(() -> new WriteBehindQueue(redisson, prefix, REGION, "User{x}", L2_TTL, TOMBSTONE_TTL))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("entityName must be non-empty and hold no '{' or '}' (it is the Redis hash tag), but was 'User{x}'");
        }

        @Test
        void constructor_keyPrefixWithOpenBrace_rejectedNamingIt() {
            assertThatThrownBy(() -> new WriteBehindQueue(redisson, "app{", REGION, ENTITY, L2_TTL, TOMBSTONE_TTL))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("keyPrefix must leave the entity name as the Redis hash tag of its entries and streams "
                            + "(so no '{' or '}' in it), but was 'app{'");
        }

        @Test
        void constructor_zeroL2Ttl_rejectedNamingIt() {
            assertThatThrownBy(() -> new WriteBehindQueue(redisson, prefix, REGION, ENTITY, Duration.ZERO, TOMBSTONE_TTL))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("l2Ttl must be a positive duration of at least 1 ms, but was PT0S");
        }

        @Test
        void enqueue_negativeVersion_rejected() {
            assertThatThrownBy(() -> queue.enqueue("s#1", -1, bytes("u"), MAX))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("version must be >= 0 (write-behind entities are versioned), but was -1");
        }

        @Test
        void enqueue_zeroMaxQueueLength_rejected() {
            assertThatThrownBy(() -> queue.enqueue("s#1", 1, bytes("u"), 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("maxQueueLength must be >= 1, but was 0");
        }

        @Test
        void acknowledge_recordNeverQueued_rejected() {
            WriteRecord unqueued = new WriteRecord(null, "s#1", 1, false, bytes("v"), 0);

            assertThatThrownBy(() -> queue.acknowledge(List.of(unqueued)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("the record was never queued (no stream id): ");
        }

        @Test
        void readNew_zeroCount_rejected() {
            assertThatThrownBy(() -> queue.readNew("F1", 0, Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("count must be >= 1, but was 0");
        }

        @Test
        void writeRecord_upsertWithoutData_rejected() {
            assertThatThrownBy(() -> new WriteRecord("1-0", "k", 1, false, null, 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("an upsert record must carry data, but had none");
        }
    }

    private static StreamMessageId parse(String streamId) {
        String[] parts = streamId.split("-");
        return new StreamMessageId(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
    }
}
