package dev.tieredjpa.cache.it;

import static dev.tieredjpa.cache.stats.MeterNames.TAG_ENTITY;
import static dev.tieredjpa.cache.stats.MeterNames.TAG_NODE;
import static dev.tieredjpa.cache.stats.MeterNames.TAG_REGION;
import static dev.tieredjpa.cache.stats.MeterNames.WRITE_BEHIND_FOREIGN_KEYS;
import static dev.tieredjpa.cache.stats.MeterNames.WRITE_BEHIND_MALFORMED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tieredjpa.cache.WriteBehindStats;
import dev.tieredjpa.cache.WriteBehindStore;
import dev.tieredjpa.cache.internal.codec.CacheValueCodec;
import dev.tieredjpa.cache.internal.codec.CodecSchema;
import dev.tieredjpa.cache.internal.core.TieredRuntime;
import dev.tieredjpa.cache.internal.writebehind.WriteBehindQueue;
import dev.tieredjpa.cache.it.WriteBehindCluster.VisitRow;
import dev.tieredjpa.cache.stats.TieredCacheMetrics;
import dev.tieredjpa.testsupport.TestDatabases.Kind;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.redisson.api.RStream;
import org.redisson.api.RType;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.codec.CompositeCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Garbage in the write-behind stream itself, the last kind of key the library writes: records planted with
 * {@code XADD} by someone who is not the library (a field missing, or not of the library's form, bytes that
 * decode as nothing, a key that names no visit, huge fields, fields nobody knows), between good writes; and
 * keys of another Redis type at the stream's name and at the dead-letter stream's name.
 *
 * <p>What must hold: the flusher keeps going (the good records before and after the garbage reach the database
 * as the last write of their key); nothing planted reaches the database; every planted record ends in the
 * dead-letter stream, once, and is counted as malformed ({@code WriteBehindStats.malformed}, the meter
 * {@code tiered.cache.writebehind.malformed}) rather than retried; a foreign key is deleted and counted
 * ({@code foreignKeys}) without losing a record; and the nodes keep serving the right values.
 *
 * <p>Before this test, a record whose key was not a visit's key but whose data was a valid visit state
 * (copied from L2) was written to the database under whatever followed a {@code #}, or the whole text; a
 * planted undecodable record of a real key was retried, then dead-lettered with its planted version, which
 * tombstoned the real key so that its next write was refused; and a string at the dead-letter stream's name
 * made the dead-letter script fail after it had deleted the record from the stream: the record was lost.
 */
class HostileStreamRecordsTest {

    private static final Logger log = LoggerFactory.getLogger(HostileStreamRecordsTest.class);
    private static final Duration PROMPTLY = Duration.ofSeconds(15);
    private static final CompositeCodec RAW = new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE,
            ByteArrayCodec.INSTANCE);
    private static final String VISIT_KEY = Visit.class.getName() + "#";

    private final ListAppender<ILoggingEvent> writeBehindLog = new ListAppender<>();
    private final ch.qos.logback.classic.Logger writeBehindLogger = (ch.qos.logback.classic.Logger)
            LoggerFactory.getLogger("dev.tieredjpa.cache.internal.writebehind");

    @BeforeEach
    void captureWriteBehindLog() {
        writeBehindLog.start();
        writeBehindLogger.addAppender(writeBehindLog);
    }

    @AfterEach
    void releaseWriteBehindLog() {
        writeBehindLogger.detachAppender(writeBehindLog);
    }

    /** One planted record: what is wrong with it, and its fields as {@code XADD} gets them. */
    private record Garbage(String what, Map<String, byte[]> fields) {
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void garbageRecordsBetweenGoodWrites_goodOnesLand_garbageDeadLetteredOnceAndCounted_nodesServeTheRows(Kind kind) {
        try (WriteBehindCluster cluster = WriteBehindCluster.start(kind, 2, Map.of())) {
            WriteBehindStore<Visit> a = WriteBehindCluster.visits(cluster.node(0));
            WriteBehindStore<Visit> b = WriteBehindCluster.visits(cluster.node(1));
            MeterRegistry registry = new SimpleMeterRegistry();
            TieredCacheMetrics.of(cluster.node(0).emf(), Tags.empty()).bindTo(registry);
            WriteBehindQueue queue = cluster.queue();
            RedissonClient redis = cluster.node(0).runtime().redisson();
            RStream<String, byte[]> stream = redis.getStream(queue.streamKey(), RAW);

            // Good writes before: in the database, flushed
            Map<String, Visit> good = new TreeMap<>();
            for (int i = 0; i < 4; i++) {
                good.put("good-" + i, a.insert(new Visit("good-" + i, i, i == 3 ? null : "good-" + i)));
            }
            await().atMost(PROMPTLY).until(() -> cluster.rows().size() == 4 && queue.depth() == 0);
            // A visit's state exactly as the library encodes it, for records whose other fields are wrong; its
            // label is null, so that no unique label keeps a row written under a wrong key out of the database
            byte[] state = cluster.l2("good-3").data();
            assertThat(state).as("good-3's state in L2").isNotNull();
            // Another client's string at the dead-letter stream's name
            redis.getBucket(queue.deadLetterStreamKey(), StringCodec.INSTANCE).set("not a stream");

            // Garbage, each record followed by a good write, on one node or the other
            List<Garbage> garbage = garbage(state);
            Set<String> plantedIds = new HashSet<>();
            long plantedAt = System.nanoTime();
            for (int i = 0; i < garbage.size(); i++) {
                StreamMessageId id = stream.add(StreamAddArgs.entries(garbage.get(i).fields()));
                plantedIds.add(id.toString());
                String mid = "mid-" + i;
                good.put(mid, (i % 2 == 0 ? a : b).insert(new Visit(mid, i, mid)));
            }
            // the stream empties only as its records are flushed or dead-lettered
            await().atMost(PROMPTLY).pollInterval(Duration.ofMillis(20)).until(() -> queue.depth() == 0);
            long drainedMillis = (System.nanoTime() - plantedAt) / 1_000_000;

            // Good writes after, to keys that garbage named too (good-1, good-2), and a delete
            for (String id : List.of("good-0", "good-1", "good-2")) {
                Visit visit = good.get(id);
                visit.setLabel(id + "-after");
                visit.setHits(visit.getHits() + 100);
                good.put(id, (id.endsWith("1") ? b : a).save(visit));
            }
            assertThat(a.delete("good-3")).isTrue();
            good.remove("good-3");
            for (int i = 0; i < 3; i++) {
                good.put("after-" + i, b.insert(new Visit("after-" + i, i, "after-" + i)));
            }
            Map<String, VisitRow> expected = new TreeMap<>();
            good.forEach((id, visit) -> expected.put(id, new VisitRow(id, visit.getHits(), visit.getLabel(), visit.getVersion())));
            await().atMost(PROMPTLY).pollInterval(Duration.ofMillis(20))
                    .until(() -> queue.depth() == 0 && cluster.rows().entrySet().containsAll(expected.entrySet()));

            // DB: every good record as the last write of its key, and nothing else: no garbage row
            assertThat(cluster.rows()).isEqualTo(expected);
            // Redis: every planted record in the dead-letter stream, once, as malformed; none left pending or queued
            Map<StreamMessageId, Map<String, byte[]>> letters = redis.<String, byte[]>getStream(queue.deadLetterStreamKey(), RAW)
                    .range(StreamMessageId.MIN, StreamMessageId.MAX);
            assertThat(letters.values()).extracting(letter -> text(letter, "id"))
                    .as("dead letters, by the planted record's stream id").containsExactlyInAnyOrderElementsOf(plantedIds);
            assertThat(letters.values()).extracting(letter -> text(letter, "reason")).allSatisfy(reason ->
                    assertThat(reason).startsWith("malformed record: ").hasSizeLessThan(400));
            assertThat(letters.values()).extracting(letter -> text(letter, "deliveries")).containsOnly("1");
            assertThat(stream.getPendingInfo(WriteBehindQueue.GROUP).getTotal()).as("records pending in the group").isZero();
            assertThat(queue.depth()).isZero();
            // Counted: each planted record as malformed, by the node whose flusher met it; the string at the
            // dead-letter stream's name as one foreign key
            WriteBehindStats onA = a.stats();
            WriteBehindStats onB = b.stats();
            assertThat(onA.malformed() + onB.malformed()).as("malformed records counted on a and b").isEqualTo(garbage.size());
            assertThat(onA.foreignKeys() + onB.foreignKeys()).as("foreign keys deleted").isEqualTo(1);
            assertThat(onA.deadLetters()).isEqualTo(garbage.size());
            // the meters read the queue's figures at most once a second
            Tags visits = Tags.of(TAG_NODE, "a", TAG_REGION, WriteBehindCluster.VISIT_REGION, TAG_ENTITY, "Visit");
            await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
                assertThat(registry.get(WRITE_BEHIND_MALFORMED).tags(visits).functionCounter().count())
                        .as("the malformed meter of a").isEqualTo(onA.malformed());
                assertThat(registry.get(WRITE_BEHIND_FOREIGN_KEYS).tags(visits).functionCounter().count())
                        .as("the foreign-keys meter of a").isEqualTo(onA.foreignKeys());
            });
            // Never retried: each logged once as malformed, none as a record that kept failing
            List<String> errors = writeBehindLog.list.stream().filter(e -> e.getLevel() == Level.ERROR)
                    .map(ILoggingEvent::getFormattedMessage).toList();
            assertThat(errors).filteredOn(m -> m.contains("is malformed")).hasSize(garbage.size())
                    .allSatisfy(m -> assertThat(m).hasSizeLessThan(800));
            assertThat(errors).filteredOn(m -> m.contains("times; moved to the dead-letter stream")).isEmpty();

            // Both nodes serve every good key as last written, the deleted one as gone, and no planted key
            for (WriteBehindStore<Visit> node : List.of(a, b)) {
                for (VisitRow row : expected.values()) {
                    assertThat(node.find(row.id())).as("%s served", row.id()).get()
                            .returns(row.label(), Visit::getLabel).returns(row.version(), Visit::getVersion);
                }
                for (String id : List.of("good-3", "g-no-v", "g-op", "g-huge-d", "g-t", "g-v-neg", "g-space", "not a key", "1")) {
                    assertThat(node.find(id)).as("%s served", id).isEmpty();
                }
            }
            assertThat(cluster.node(0).runtime().breaker().allowsCalls() && cluster.node(1).runtime().breaker().allowsCalls())
                    .as("L2 still on").isTrue();
            log.info("{}: {} garbage records planted between {} good writes ({} rows in the end, all as last written): "
                            + "{} dead-lettered, {} counted malformed (a {}, b {}), {} foreign key deleted; the garbage and "
                            + "the good writes among it drained {} ms after the first plant",
                    kind, garbage.size(), 4 + garbage.size() + 7, expected.size(), letters.size(), onA.malformed() + onB.malformed(),
                    onA.malformed(), onB.malformed(), onA.foreignKeys() + onB.foreignKeys(), drainedMillis);
        }
    }

    /**
     * A hash at the stream's name (another client's), while no flusher runs: a write-behind write cannot be
     * queued, and must not say it was. It goes to the database itself, at once, and the caller sees success
     * only then; the hash is left alone, and the breaker stays closed however many writes meet it. The next
     * flusher to read the queue deletes the hash and counts it, and writes are queued again.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void aHashAtTheStreamsName_writesGoToTheDatabaseAtOnce_thenTheFlusherDeletesItAndCountsIt(Kind kind) {
        try (WriteBehindCluster cluster = WriteBehindCluster.start(kind, 1, Map.of())) {
            WriteBehindQueue queue = cluster.queue();
            WriteBehindStore<Visit> a = WriteBehindCluster.visits(cluster.node(0));
            Visit first = a.insert(new Visit("first", 0, "first"));
            await().atMost(PROMPTLY).until(() -> cluster.row("first").isPresent() && queue.depth() == 0);
            a = WriteBehindCluster.stopFlusher(cluster.node(0));
            RedissonClient redis = cluster.node(0).runtime().redisson();
            redis.getKeys().delete(queue.streamKey());
            redis.getMap(queue.streamKey(), StringCodec.INSTANCE).put("owner", "someone else");
            long errors = cluster.node(0).regionStats(WriteBehindCluster.VISIT_REGION).l2Errors();

            // Each write: the enqueue fails on the hash; the write goes to the database before the call returns
            first.setLabel("first-1");
            a.save(first);
            assertThat(cluster.row("first")).contains(new VisitRow("first", 0, "first-1", 1));
            for (int i = 0; i < 5; i++) {
                a.insert(new Visit("during-" + i, i, "during-" + i));
                assertThat(cluster.row("during-" + i)).as("during-%d in the database when insert returned", i)
                        .contains(new VisitRow("during-" + i, i, "during-" + i, 0));
            }
            assertThat(redis.getKeys().getType(queue.streamKey())).as("the hash, left alone by the writes")
                    .hasToString("MAP");
            assertThat(cluster.node(0).regionStats(WriteBehindCluster.VISIT_REGION).l2Errors() - errors)
                    .as("failed enqueues, counted as L2 errors").isEqualTo(6);
            assertThat(cluster.node(0).runtime().breaker().allowsCalls()).as("the breaker, after 6 such failures").isTrue();
            // Each of those was followed by a call that succeeded (the write's invalidation); concurrent writers
            // fail in a row, and still no outage is declared: the breaker is for a Redis that does not answer
            TieredRuntime runtime = cluster.node(0).runtime();
            for (int i = 0; i <= runtime.config().breakerFailureThreshold(); i++) {
                String keyText = WriteBehindCluster.keyText("in-a-row-" + i);
                assertThat(runtime.<Object>l2("writeBehind", WriteBehindCluster.VISIT_REGION, keyText,
                        () -> queue.enqueue(keyText, 0, new byte[] {1}, 100), () -> null)).isNull();
            }
            assertThat(runtime.breaker().allowsCalls()).as("the breaker, after %d such failures in a row",
                    runtime.config().breakerFailureThreshold() + 1).isTrue();
            assertThat(a.find("first")).get().returns("first-1", Visit::getLabel).returns(1L, Visit::getVersion);
            assertThat(a.find("during-4")).get().returns("during-4", Visit::getLabel);

            // A flusher (a node of its own) reads the queue: the hash goes, counted; writes are queued again
            WriteBehindStore<Visit> b = WriteBehindCluster.visits(cluster.addNode("b", Map.of()));
            await().atMost(PROMPTLY).until(() -> b.stats().foreignKeys() == 1);
            assertThat(redis.getKeys().getType(queue.streamKey())).as("the stream's name, after the flusher")
                    .isIn(null, RType.STREAM);
            Visit during = a.find("during-0").orElseThrow();
            during.setLabel("during-0-queued");
            a.save(during);
            b.insert(new Visit("after", 7, "after"));
            await().atMost(PROMPTLY).until(() -> cluster.row("after").isPresent()
                    && cluster.row("during-0").map(VisitRow::version).orElse(-1L) == 1);
            assertThat(cluster.row("during-0")).contains(new VisitRow("during-0", 0, "during-0-queued", 1));
            assertThat(b.stats().flushed()).as("records b's flusher wrote").isEqualTo(2);
            assertThat(b.stats().foreignKeys() + a.stats().foreignKeys()).isEqualTo(1);
            assertThat(b.stats().malformed()).isZero();
            log.info("{}: 6 writes met a hash at the stream's name and went to the database, and {} enqueues in a row "
                            + "failed with the breaker closed; b's flusher deleted it (foreign keys counted: {}) and flushed {} "
                            + "queued records", kind, runtime.config().breakerFailureThreshold() + 1, b.stats().foreignKeys(),
                    b.stats().flushed());
        }
    }

    /** The planted records. None may reach the database; each must be dead-lettered as malformed. */
    private static List<Garbage> garbage(byte[] state) {
        Random random = new Random(11);
        byte[] noise = new byte[200];
        random.nextBytes(noise);
        byte[] hugeNoise = new byte[1 << 20];
        random.nextBytes(hugeNoise);
        byte[] aString = new CacheValueCodec(CodecSchema.plainValues()).encode("not a visit");
        String now = Long.toString(System.currentTimeMillis());
        List<Garbage> garbage = new ArrayList<>();
        garbage.add(new Garbage("no k", fields("v", "1", "op", "U", "d", state, "t", now)));
        garbage.add(new Garbage("no v", fields("k", VISIT_KEY + "g-no-v", "op", "U", "d", state, "t", now)));
        garbage.add(new Garbage("v not a number", fields("k", VISIT_KEY + "g-v", "v", "one", "op", "U", "d", state, "t", now)));
        garbage.add(new Garbage("v negative", fields("k", VISIT_KEY + "g-v-neg", "v", "-7", "op", "U", "d", state, "t", now)));
        garbage.add(new Garbage("unknown op", fields("k", VISIT_KEY + "g-op", "v", "1", "op", "X", "d", state, "t", now)));
        garbage.add(new Garbage("U without d", fields("k", VISIT_KEY + "g-no-d", "v", "1", "op", "U", "t", now)));
        garbage.add(new Garbage("t not a number", fields("k", VISIT_KEY + "g-t", "v", "1", "op", "D", "t", "noon")));
        garbage.add(new Garbage("a delete of a real row, without t", fields("k", VISIT_KEY + "good-2", "v", "999", "op", "D")));
        garbage.add(new Garbage("d undecodable, of a real key", fields("k", VISIT_KEY + "good-1", "v", "999", "op", "U",
                "d", noise, "t", now)));
        garbage.add(new Garbage("d a valid encoding of a String", fields("k", VISIT_KEY + "g-string", "v", "1", "op", "U",
                "d", aString, "t", now)));
        garbage.add(new Garbage("k not a key text", fields("k", "not a key", "v", "1", "op", "U", "d", state, "t", now)));
        garbage.add(new Garbage("k another entity's key", fields("k", "dev.tieredjpa.cache.it.Note#1", "v", "1", "op", "U",
                "d", state, "t", now)));
        garbage.add(new Garbage("k a visit's key in another form", fields("k", " " + VISIT_KEY + "g-space", "v", "1",
                "op", "U", "d", state, "t", now)));
        garbage.add(new Garbage("k not UTF-8", fields("k", concat(VISIT_KEY.getBytes(StandardCharsets.UTF_8),
                new byte[] {(byte) 0xC3, (byte) 0x28}), "v", "1", "op", "U", "d", state, "t", now)));
        garbage.add(new Garbage("huge d (1 MiB of noise)", fields("k", VISIT_KEY + "g-huge-d", "v", "1", "op", "U",
                "d", hugeNoise, "t", now)));
        garbage.add(new Garbage("huge k (64 Ki characters)", fields("k", "x".repeat(1 << 16), "v", "1", "op", "U",
                "d", state, "t", now)));
        garbage.add(new Garbage("huge v (100,000 digits)", fields("k", VISIT_KEY + "g-huge-v", "v", "9".repeat(100_000),
                "op", "U", "d", state, "t", now)));
        garbage.add(new Garbage("unknown fields only, one huge", fields("zz", "1", "f".repeat(10_000), "y".repeat(1 << 16))));
        return garbage;
    }

    private static Map<String, byte[]> fields(Object... namesAndValues) {
        Map<String, byte[]> fields = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            Object value = namesAndValues[i + 1];
            fields.put((String) namesAndValues[i], value instanceof byte[] bytes ? bytes
                    : ((String) value).getBytes(StandardCharsets.UTF_8));
        }
        return fields;
    }

    private static byte[] concat(byte[] first, byte[] second) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(first);
        out.writeBytes(second);
        return out.toByteArray();
    }

    private static String text(Map<String, byte[]> fields, String name) {
        byte[] value = fields.get(name);
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }
}
