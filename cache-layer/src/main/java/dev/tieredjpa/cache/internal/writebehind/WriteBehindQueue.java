package dev.tieredjpa.cache.internal.writebehind;

import dev.tieredjpa.cache.internal.l2.LuaScript;
import dev.tieredjpa.cache.internal.l2.RedisEntryStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.redisson.api.RScript;
import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.AutoClaimResult;
import org.redisson.api.stream.PendingEntry;
import org.redisson.api.stream.StreamCreateGroupArgs;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamPendingRangeArgs;
import org.redisson.api.stream.StreamReadGroupArgs;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.Codec;
import org.redisson.client.codec.StringCodec;
import org.redisson.codec.CompositeCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis side of write-behind for one entity: its L2 entries and a Redis Stream of change records,
 * changed together by Lua scripts, and read by flushers on any node through one consumer group.
 *
 * <h2>Why an acknowledged write is never lost (DESIGN.md, promise 5)</h2>
 * A write's life, as the calls it goes through; W a writer on any node, F1 and F2 flushers on any nodes:
 * <pre>
 *   W   enqueue(k, v5, state)      -> STORED(id)   entry: v=5 d=state p=5, no TTL; stream: id {k v=5 op=U d t}
 *   *   get(k)                     -> Hit(5)       on every node, from the pinned entry
 *   F1  readNew(F1, ...)           -> [id]         the record is pending for F1 in the group
 *   F1  dies before it acknowledges
 *   F2  claimIdle(F2, minIdle,...) -> [id]         after minIdle of F1's silence
 *   F2  writes v5 to the database (guarded: only over an older row), commits
 *   F2  acknowledge([id])                          XACK + XDEL; p=5 still there: unpinned, TTL = l2Ttl
 * </pre>
 * What each step guarantees:
 * <ol>
 *   <li>{@link #enqueue enqueue} is one script: it refuses (and changes nothing) when the stream holds
 *       {@code maxQueueLength} records, when the entry holds this version or newer (data, a pending write or
 *       a live tombstone: a concurrent writer won), or when a write-through lock lives; otherwise it
 *       stores the state (or, for a delete, drops the data and marks {@code pd}), sets {@code p} to the
 *       version, revokes any lease (a load that began before cannot land), removes the key's expiry and
 *       appends the record. Redis runs a script whole or not at all, so when {@code STORED} is returned the
 *       record is in the stream and the entry is pinned. That survives a Redis crash as well with AOF
 *       {@code appendfsync always}, or once a replica confirms it (the {@code WAIT} of
 *       {@link #enqueue(String, long, byte[], long, int, Duration)}; see {@code WriteBehindEntity}).</li>
 *   <li>While pinned, the entry has no TTL, so neither expiry nor {@code maxmemory-policy volatile-*}
 *       removes it, and every {@code RedisEntryStore} operation keeps it (see its essay): reads on every
 *       node get the pending state, a pending delete reads as {@code Deleted}, and database loads, which
 *       are older, are refused.</li>
 *   <li>{@link #readNew readNew} hands each record to one consumer of the group {@value #GROUP}; it stays
 *       in the group's pending list until acknowledged. A consumer that dies leaves it there, and
 *       {@link #claimIdle claimIdle} gives it to another once it has been idle for {@code minIdle}. So a
 *       record leaves the stream only by {@link #acknowledge acknowledge} (after the database write) or
 *       {@link #deadLetter deadLetter} (into the dead-letter stream, counted).</li>
 *   <li>{@link #acknowledge acknowledge} unpins an entry only if its pending version is still the record's.
 *       A newer write queued meanwhile has moved {@code p} on, so its state stays pinned until its own
 *       record is flushed. Records are whole states, and the database write is guarded by version, so a
 *       record delivered twice or out of order (two consumers, a claim) changes nothing.</li>
 *   <li>{@link #deadLetter deadLetter}: the write never reached the database, so the entry's pinned state
 *       is not the truth any more. If that record still pins the entry, the entry is unpinned and
 *       tombstoned at its highest version, so readers go to the database (and an older copy cannot come
 *       back for {@code tombstoneTtl}). If a newer write pins it, that write's whole state supersedes the
 *       dead one, and it stays.</li>
 * </ol>
 *
 * <h2>Keys, and Redis Cluster</h2>
 * Each script names the entry and the stream(s) it touches, so all must hash to one slot. The entity name
 * is their hash tag: the stream is {@code keyPrefix + "wb:{" + entityName + "}"}, the dead-letter stream
 * {@code keyPrefix + "wb-dead:{" + entityName + "}"}, and the entries live in the L2 region
 * {@link #l2Region() RedisEntryStore.hashTagged(region, entityName)}, i.e. at
 * {@code keyPrefix + "{" + entityName + "}:" + region + ":" + keyText}. Regions that are not write-behind
 * keep their keys. The cost: one entity's write-behind entries and stream live on one cluster shard.
 *
 * <p>Redis failures surface as Redisson's exceptions, unwrapped; the caller degrades (promise 6). Nothing
 * read from Redis is deserialized here: record data stays bytes. Thread-safe.
 */
public final class WriteBehindQueue {

    /** The consumer group that every flusher of the entity reads in. */
    public static final String GROUP = "flushers";

    private static final Logger log = LoggerFactory.getLogger(WriteBehindQueue.class);
    /** Field names as text, values as bytes: a record's data is never decoded here. */
    private static final Codec STREAM_CODEC =
            new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE, ByteArrayCodec.INSTANCE);
    private static final StreamMessageId START = new StreamMessageId(0, 0);
    private static final int MAX_CLAIM_SCANS = 64;

    private final RedissonClient redisson;
    private final String keyPrefix;
    private final String l2Region;
    private final String entityName;
    private final String streamKey;
    private final String deadLetterKey;
    private final long l2TtlMillis;
    private final long tombstoneTtlMillis;
    private final byte[] tombstoneTtlArg;
    private final byte[] l2TtlArg;
    private volatile boolean groupReady;
    /** Records this queue moved to the dead letters as malformed; keys of another type it deleted at the streams' names. */
    private final LongAdder malformed = new LongAdder();
    private final LongAdder foreignKeys = new LongAdder();

    /**
     * @param redisson     the client; its default codec does not matter, every call here names its own
     * @param keyPrefix    the L2 key prefix, the same as the {@code RedisEntryStore}'s
     * @param region       the entity's region; its entries live in {@code hashTagged(region, entityName)}
     *                     (a region already tagged so is taken as it is)
     * @param entityName   names the streams and is the hash tag; no braces
     * @param l2Ttl        the TTL an entry gets back once its write is flushed
     * @param tombstoneTtl how long a flushed delete, or a dead-lettered write, refuses older puts
     */
    public WriteBehindQueue(RedissonClient redisson, String keyPrefix, String region, String entityName,
                            Duration l2Ttl, Duration tombstoneTtl) {
        this.redisson = Objects.requireNonNull(redisson, "redisson");
        this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(entityName, "entityName");
        if (entityName.isEmpty() || entityName.indexOf('{') >= 0 || entityName.indexOf('}') >= 0) {
            throw new IllegalArgumentException(
                    "entityName must be non-empty and hold no '{' or '}' (it is the Redis hash tag), but was '" + entityName + "'");
        }
        this.entityName = entityName;
        this.l2Region = RedisEntryStore.hashTagged(region, entityName);
        this.streamKey = keyPrefix + "wb:{" + entityName + "}";
        this.deadLetterKey = keyPrefix + "wb-dead:{" + entityName + "}";
        String entryTag = RedisEntryStore.hashTagOf(RedisEntryStore.key(keyPrefix, l2Region, ""));
        if (entryTag == null || !entryTag.equals(RedisEntryStore.hashTagOf(streamKey))
                || !entryTag.equals(RedisEntryStore.hashTagOf(deadLetterKey))) {
            throw new IllegalArgumentException("keyPrefix must leave the entity name as the Redis hash tag of its "
                    + "entries and streams (so no '{' or '}' in it), but was '" + keyPrefix + "'");
        }
        this.l2TtlMillis = positiveMillis("l2Ttl", l2Ttl);
        this.tombstoneTtlMillis = positiveMillis("tombstoneTtl", tombstoneTtl);
        this.l2TtlArg = ascii(Long.toString(l2TtlMillis));
        this.tombstoneTtlArg = ascii(Long.toString(tombstoneTtlMillis));
    }

    /** The L2 region that holds this entity's entries: what {@code RedisEntryStore} calls for them must name. */
    public String l2Region() {
        return l2Region;
    }

    public String streamKey() {
        return streamKey;
    }

    public String deadLetterStreamKey() {
        return deadLetterKey;
    }

    /** The Redis key of one entry, exactly as {@code RedisEntryStore} names it in {@link #l2Region()}. */
    public String entryKey(String keyText) {
        return RedisEntryStore.key(keyPrefix, l2Region, keyText);
    }

    /**
     * Stores the entity's new state in L2, pinned, and appends its change record to the stream, in one
     * atomic step; or, when refused, changes nothing.
     *
     * @param version        the version this write gives the entity ({@code >= 0}); for a delete, one more
     *                       than the version deleted
     * @param data           the codec's bytes of the new state, or {@code null} for a delete
     * @param maxQueueLength refuse with {@code REFUSED_QUEUE_FULL} when the stream holds this many records
     */
    public EnqueueResult enqueue(String keyText, long version, byte[] data, long maxQueueLength) {
        return enqueue(keyText, version, data, maxQueueLength, 0, Duration.ZERO);
    }

    /**
     * {@link #enqueue(String, long, byte[], long)}, then, when {@code replicas > 0}, waits up to
     * {@code replicaWait} for that many Redis replicas to hold it ({@code WAIT}, in the same round trip);
     * the result says how many did.
     */
    public EnqueueResult enqueue(String keyText, long version, byte[] data, long maxQueueLength, int replicas,
                                 Duration replicaWait) {
        Objects.requireNonNull(keyText, "keyText");
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0 (write-behind entities are versioned), but was " + version);
        }
        if (maxQueueLength < 1) {
            throw new IllegalArgumentException("maxQueueLength must be >= 1, but was " + maxQueueLength);
        }
        List<String> keys = List.of(entryKey(keyText), streamKey);
        Object[] args = {tombstoneTtlArg, utf8(keyText), ascii(Long.toString(version)),
                ascii(data == null ? "D" : "U"), data == null ? new byte[0] : data, ascii(Long.toString(maxQueueLength))};
        List<?> reply;
        int confirmed = -1;
        if (replicas > 0) {
            LuaScript.Replicated<List<?>> replicated = WriteBehindScripts.ENQUEUE.evalAndWaitForReplicas(redisson, keys,
                    RScript.ReturnType.LIST, replicas, replicaWait, args);
            reply = replicated.reply();
            confirmed = replicated.replicas();
        } else {
            reply = WriteBehindScripts.ENQUEUE.eval(redisson, keys, RScript.ReturnType.LIST, args);
        }
        int code = (int) integer(reply.get(0), "enqueue");
        return switch (code) {
            case WriteBehindScripts.STORED -> EnqueueResult.storedAs(text(reply.get(1)), confirmed);
            case WriteBehindScripts.REFUSED_QUEUE_FULL ->
                    EnqueueResult.refused(EnqueueResult.Status.REFUSED_QUEUE_FULL, decimal(reply.get(1)));
            case WriteBehindScripts.REFUSED_OLDER_VERSION ->
                    EnqueueResult.refused(EnqueueResult.Status.REFUSED_OLDER_VERSION, decimal(reply.get(1)));
            case WriteBehindScripts.REFUSED_LOCKED ->
                    EnqueueResult.refused(EnqueueResult.Status.REFUSED_LOCKED, decimal(reply.get(1)));
            default -> throw new IllegalStateException("Unexpected reply from the write-behind enqueue script: " + reply);
        };
    }

    /**
     * Up to {@code count} records never delivered to any consumer, oldest first, now pending for
     * {@code consumer} ({@code XREADGROUP ... >}). Waits up to {@code block} for one when there is none
     * ({@link Duration#ZERO}: answers at once). Creates the consumer group on first use.
     */
    public List<WriteRecord> readNew(String consumer, int count, Duration block) {
        checkConsumer(consumer);
        checkCount(count);
        Objects.requireNonNull(block, "block");
        if (block.isNegative()) {
            throw new IllegalArgumentException("block must not be negative, but was " + block);
        }
        StreamReadGroupArgs args = StreamReadGroupArgs.neverDelivered().count(count);
        if (block.toMillis() > 0) {
            args = args.timeout(block);
        }
        StreamReadGroupArgs readArgs = args;
        return withGroup(() -> records(stream().readGroup(GROUP, consumer, readArgs)));
    }

    /**
     * Up to {@code count} records delivered to {@code consumer} itself and not yet acknowledged, oldest
     * first ({@code XREADGROUP ... 0}): what a consumer still owes after a restart under the same name, or
     * before a graceful stop. Unlike {@link #claimIdle claimIdle} with {@link Duration#ZERO}, it never takes
     * a record another live consumer is working on.
     */
    public List<WriteRecord> readOwnPending(String consumer, int count) {
        checkConsumer(consumer);
        checkCount(count);
        StreamReadGroupArgs args = StreamReadGroupArgs.greaterThan(START).count(count);
        return withGroup(() -> records(stream().readGroup(GROUP, consumer, args)));
    }

    /**
     * Up to {@code count} records delivered to some consumer but not acknowledged for at least
     * {@code minIdle}, now pending for {@code consumer} ({@code XAUTOCLAIM} from {@code 0-0}; each claim
     * counts as a delivery). {@link Duration#ZERO} takes every pending record, e.g. a consumer's own on
     * a graceful stop.
     */
    public List<WriteRecord> claimIdle(String consumer, Duration minIdle, int count) {
        checkConsumer(consumer);
        checkCount(count);
        Objects.requireNonNull(minIdle, "minIdle");
        if (minIdle.isNegative()) {
            throw new IllegalArgumentException("minIdle must not be negative, but was " + minIdle);
        }
        return withGroup(() -> {
            List<WriteRecord> claimed = new ArrayList<>();
            StreamMessageId cursor = START;
            for (int scan = 0; scan < MAX_CLAIM_SCANS && claimed.size() < count; scan++) {
                AutoClaimResult<String, byte[]> result = stream().autoClaim(GROUP, consumer, minIdle.toMillis(),
                        TimeUnit.MILLISECONDS, cursor, count - claimed.size());
                claimed.addAll(records(result.getMessages()));
                cursor = result.getNextId();
                if (cursor == null || (cursor.getId0() == 0 && cursor.getId1() == 0)) {
                    break;
                }
            }
            return claimed;
        });
    }

    /**
     * The records are in the database: in one round trip, acknowledges and deletes each, and unpins each
     * entry whose pending version is still its record's (an upsert gets {@code l2Ttl} back; a delete
     * becomes a tombstone for {@code tombstoneTtl}). Acknowledging a record twice is harmless.
     *
     * @return how many entries were unpinned
     */
    public int acknowledge(List<WriteRecord> flushed) {
        Objects.requireNonNull(flushed, "flushed");
        if (flushed.isEmpty()) {
            return 0;
        }
        List<String> keys = new ArrayList<>(flushed.size() + 1);
        List<Object> args = new ArrayList<>(3 + 2 * flushed.size());
        keys.add(streamKey);
        args.add(tombstoneTtlArg);
        args.add(ascii(GROUP));
        args.add(l2TtlArg);
        for (WriteRecord record : flushed) {
            keys.add(entryKey(record.keyText()));
            args.add(ascii(streamIdOf(record)));
            args.add(ascii(Long.toString(record.version())));
        }
        Object reply = WriteBehindScripts.ACKNOWLEDGE.eval(redisson, keys, RScript.ReturnType.LONG, args.toArray());
        return (int) integer(reply, "acknowledge");
    }

    /**
     * Gives up on a record: copies it, with {@code reason}, its delivery count and the time, to the
     * dead-letter stream, acknowledges and deletes the original, and, if the record still pins its entry,
     * tombstones the entry so that readers fall back to the database. One atomic step.
     *
     * @return false when the record had left the stream already (another consumer flushed or dead-lettered it)
     */
    public boolean deadLetter(WriteRecord record, String reason) {
        Objects.requireNonNull(record, "record");
        return deadLetter(streamIdOf(record), entryKey(record.keyText()), reason);
    }

    /** Records not yet acknowledged, delivered or not ({@code XLEN}: acknowledged records are deleted). */
    public long depth() {
        return stream().size();
    }

    /** Records moved to the dead-letter stream, ever (until someone trims it). */
    public long deadLetterCount() {
        return redisson.getStream(deadLetterKey, STREAM_CODEC).size();
    }

    /**
     * Records this queue moved to the dead-letter stream as malformed, without retries: read with a field
     * missing or not of the library's form, or found by the flusher to name no entity or to hold data that
     * does not decode ({@link #deadLetterMalformed}). This queue object's count, not the stream's.
     */
    public long malformed() {
        return malformed.sum();
    }

    /**
     * Keys of another Redis type (a string, a hash...) that this queue found at the stream's or the
     * dead-letter stream's name and deleted. Such a key fails every stream command: an enqueue then fails
     * (the caller writes to the database itself), and the next read of the queue deletes it.
     */
    public long foreignKeysRemoved() {
        return foreignKeys.sum();
    }

    /** The age of the oldest record still in the stream, by Redis' clock; empty when there is none. */
    public Optional<Duration> lag() {
        Object reply = WriteBehindScripts.LAG.eval(redisson, List.of(streamKey), RScript.ReturnType.LONG);
        long age = integer(reply, "lag");
        return age < 0 ? Optional.empty() : Optional.of(Duration.ofMillis(age));
    }

    /** How many times the record was delivered (read or claimed) so far; 0 once acknowledged, or never read. */
    public int deliveries(WriteRecord record) {
        StreamMessageId id = parseId(streamIdOf(record));
        return withGroup(() -> {
            List<PendingEntry> pending = stream().listPending(
                    StreamPendingRangeArgs.groupName(GROUP).startId(id).endId(id).count(1));
            return pending.isEmpty() ? 0 : (int) pending.get(0).getDeliveryCount();
        });
    }

    @Override
    public String toString() {
        return "WriteBehindQueue{entity=" + entityName + ", stream=" + streamKey + ", l2Region=" + l2Region
                + ", l2Ttl=" + l2TtlMillis + "ms, tombstoneTtl=" + tombstoneTtlMillis + "ms}";
    }

    /**
     * {@link #deadLetter(WriteRecord, String)} for a record that can never be written (its key names no entity,
     * its data does not decode): moved at once, and counted as {@link #malformed() malformed}.
     *
     * @return -1 when the record had left the stream already; 1 when it still pinned its entry, which is now
     *         tombstoned (every node must drop the dead state); 0 otherwise
     */
    int deadLetterMalformed(WriteRecord record, String reason) {
        Objects.requireNonNull(record, "record");
        List<?> reply = deadLetterReply(streamIdOf(record), entryKey(record.keyText()), reason);
        if (integer(reply.get(0), "deadLetter") != 1) {
            return -1;
        }
        malformed.increment();
        return integer(reply.get(2), "deadLetter") == 1 ? 1 : 0;
    }

    private boolean deadLetter(String streamId, String entryKey, String reason) {
        return integer(deadLetterReply(streamId, entryKey, reason).get(0), "deadLetter") == 1;
    }

    /** The dead-letter script's reply; a key of another type it deleted at the dead-letter stream's name is counted. */
    private List<?> deadLetterReply(String streamId, String entryKey, String reason) {
        Objects.requireNonNull(reason, "reason");
        List<String> keys = entryKey == null ? List.of(streamKey, deadLetterKey) : List.of(streamKey, deadLetterKey, entryKey);
        List<?> reply = WriteBehindScripts.DEAD_LETTER.eval(redisson, keys, RScript.ReturnType.LIST,
                tombstoneTtlArg, ascii(GROUP), ascii(streamId), utf8(reason));
        if (reply.size() > 3 && integer(reply.get(3), "deadLetter") == 1) {
            foreignKeys.increment();
            log.error("A key of another Redis type stood at the dead-letter stream's name {}; deleted, so that dead "
                    + "letters can be kept there again", deadLetterKey);
        }
        return reply;
    }

    private RStream<String, byte[]> stream() {
        return redisson.getStream(streamKey, STREAM_CODEC);
    }

    /**
     * Runs a group command, creating the group first if this queue has not yet (or Redis lost it). A key of
     * another type at the stream's name ({@code WRONGTYPE}) is deleted first, and the command tried again.
     */
    private <R> R withGroup(java.util.function.Supplier<R> command) {
        try {
            if (!groupReady) {
                createGroup();
            }
            return command.get();
        } catch (RuntimeException e) {
            if (!hasMessage(e, "NOGROUP") && !(hasMessage(e, "WRONGTYPE") && removeForeignStream())) {
                throw e;
            }
            groupReady = false;
            createGroup();
            return command.get();
        }
    }

    /**
     * Deletes what stands at the stream's name if it is not a stream: a string, hash, list... that another
     * client wrote there. Whatever it held was never this library's (the records that were there went when it
     * was written); left, it would fail every read of the queue and every enqueue. Counted and logged.
     *
     * @return whether a key was deleted
     */
    private boolean removeForeignStream() {
        Object removed = WriteBehindScripts.REMOVE_FOREIGN.eval(redisson, List.of(streamKey), RScript.ReturnType.VALUE);
        String kind = removed instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : "";
        if (kind.isEmpty()) {
            return false;
        }
        foreignKeys.increment();
        log.error("A key of another Redis type ({}) stood at the write-behind stream's name {}; deleted, so that the "
                + "queue works again", kind, streamKey);
        return true;
    }

    /** {@code XGROUP CREATE stream flushers 0 MKSTREAM}: from the start, so records queued before are read too. */
    private void createGroup() {
        try {
            stream().createGroup(StreamCreateGroupArgs.name(GROUP).id(START).makeStream());
            log.debug("Created consumer group {} on {}", GROUP, streamKey);
        } catch (RuntimeException e) {
            if (!hasMessage(e, "BUSYGROUP")) {
                throw e;
            }
        }
        groupReady = true;
    }

    /** The records of a read or claim, oldest first; a record that cannot be parsed goes to the dead letters. */
    private List<WriteRecord> records(Map<StreamMessageId, Map<String, byte[]>> messages) {
        if (messages == null || messages.isEmpty()) {
            return List.of();
        }
        List<Map.Entry<StreamMessageId, Map<String, byte[]>>> entries = new ArrayList<>(messages.entrySet());
        entries.sort(Comparator.comparing((Map.Entry<StreamMessageId, Map<String, byte[]>> e) -> e.getKey().getId0())
                .thenComparing(e -> e.getKey().getId1()));
        List<WriteRecord> records = new ArrayList<>(entries.size());
        for (Map.Entry<StreamMessageId, Map<String, byte[]>> entry : entries) {
            String id = entry.getKey().toString();
            Map<String, byte[]> fields = entry.getValue();
            if (fields == null) {
                continue; // deleted after delivery: nothing left to write
            }
            try {
                records.add(parse(id, fields));
            } catch (RuntimeException bad) {
                log.error("Write-behind record {} of {} is malformed ({}); moved to the dead-letter stream {}",
                        id, streamKey, bad.getMessage(), deadLetterKey);
                String keyText = fields.get("k") == null ? null : new String(fields.get("k"), StandardCharsets.UTF_8);
                if (deadLetter(id, keyText == null ? null : entryKey(keyText), "malformed record: " + bad.getMessage())) {
                    malformed.increment();
                }
            }
        }
        return records;
    }

    /**
     * A record as {@code enqueue} writes it: {@code k} UTF-8 key text, {@code v} a version {@code >= 0},
     * {@code op} U or D, {@code d} for U, {@code t} a time in ms. Fields it does not know are ignored (a newer
     * version of the library may add some). Messages quote at most {@value #QUOTED} characters of a field.
     */
    private static WriteRecord parse(String id, Map<String, byte[]> fields) {
        String keyText = utf8Strict(required(fields, "k"), "k");
        long version = number(fields, "v");
        if (version < 0) {
            throw new IllegalArgumentException("v must not be negative, but was " + version);
        }
        String op = new String(required(fields, "op"), StandardCharsets.US_ASCII);
        long enqueuedAt = number(fields, "t");
        return switch (op) {
            case "U" -> new WriteRecord(id, keyText, version, false, required(fields, "d"), enqueuedAt);
            case "D" -> new WriteRecord(id, keyText, version, true, null, enqueuedAt);
            default -> throw new IllegalArgumentException("op must be U or D, but was '" + quoted(op) + "'");
        };
    }

    private static final int QUOTED = 80;

    private static byte[] required(Map<String, byte[]> fields, String name) {
        byte[] value = fields.get(name);
        if (value == null) {
            throw new IllegalArgumentException("field " + name + " is missing; fields: "
                    + quoted(String.join(", ", fields.keySet())));
        }
        return value;
    }

    private static long number(Map<String, byte[]> fields, String name) {
        String text = new String(required(fields, name), StandardCharsets.US_ASCII);
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a decimal number, but was '" + quoted(text) + "'");
        }
    }

    private static String utf8Strict(byte[] bytes, String name) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException(name + " is not UTF-8 (" + bytes.length + " bytes)");
        }
    }

    /** At most {@value #QUOTED} characters of {@code text}, and how long it was when longer. */
    static String quoted(String text) {
        return text.length() <= QUOTED ? text : text.substring(0, QUOTED) + "... (" + text.length() + " characters)";
    }

    private static String streamIdOf(WriteRecord record) {
        if (record.streamId() == null) {
            throw new IllegalArgumentException("the record was never queued (no stream id): " + record);
        }
        return record.streamId();
    }

    private static StreamMessageId parseId(String streamId) {
        int dash = streamId.indexOf('-');
        try {
            if (dash < 0) {
                return new StreamMessageId(Long.parseLong(streamId), 0);
            }
            return new StreamMessageId(Long.parseLong(streamId.substring(0, dash)),
                    Long.parseLong(streamId.substring(dash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a stream id: '" + streamId + "'", e);
        }
    }

    private static boolean hasMessage(Throwable e, String code) {
        int depth = 0;
        for (Throwable t = e; t != null && depth < 16; t = t.getCause(), depth++) {
            if (t.getMessage() != null && t.getMessage().contains(code)) {
                return true;
            }
        }
        return false;
    }

    private static void checkConsumer(String consumer) {
        Objects.requireNonNull(consumer, "consumer");
        if (consumer.isEmpty()) {
            throw new IllegalArgumentException("consumer must not be empty");
        }
    }

    private static void checkCount(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be >= 1, but was " + count);
        }
    }

    private static long positiveMillis(String name, Duration duration) {
        Objects.requireNonNull(duration, name);
        if (duration.isNegative() || duration.toMillis() < 1) {
            throw new IllegalArgumentException(name + " must be a positive duration of at least 1 ms, but was " + duration);
        }
        return duration.toMillis();
    }

    private static long integer(Object value, String script) {
        if (value instanceof Long number) {
            return number;
        }
        if (value instanceof Integer number) {
            return number;
        }
        throw new IllegalStateException("Unexpected reply from the write-behind " + script + " script: " + value);
    }

    private static String text(Object value) {
        if (value instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        throw new IllegalStateException("Unexpected reply from a write-behind script: " + value);
    }

    private static long decimal(Object value) {
        return Long.parseLong(text(value));
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
