package dev.tieredjpa.cache.internal.l2;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.KeysScanOptions;

/**
 * L2, the Redis tier, as a store of versioned entries with the version fence built in: every cache
 * entry is one Redis hash, and every operation on it is one Lua script, so each check-and-set is atomic
 * and costs one round trip.
 *
 * <h2>Why the fence holds</h2>
 *
 * The danger is a reader that loads an old row from the database and puts it into L2 after a writer has
 * changed the row (DESIGN.md, promise 1). Here is the race, time running down, R a reader on any node,
 * W a writer on any node, k one entity's key:
 * <pre>
 *   R  get(k, leaseR)                      -> Miss(leaseGranted)    lt=leaseR, le=now+leaseTtl
 *   R  loads v1 from the database
 *   W  lock(k, lockW)                      -> (void)                l:lockW=now+lockTtl; lease deleted
 *   *  get(k, ...)                         -> Locked                readers use the database meanwhile
 *   W  commits v2 in the database
 *   W  releaseAfterUpdate(k, lockW, v2)    -> STORED                v=2, d=...; lock and lease deleted
 *   R  putFromLoad(k, leaseR, v1)          -> REFUSED_LEASE_REVOKED
 *   *  get(k, ...)                         -> Hit(2)
 * </pre>
 * What each step guarantees:
 * <ol>
 *   <li>{@link #get get}: grants a lease only when there is no data and no live lock, and to one reader at
 *       a time (promise 4: one load per key across JVMs). A lease still held is a promise that no write
 *       has started and no invalidation has happened on the key since it was granted.</li>
 *   <li>{@link #lock lock} runs before the database commit. It revokes the lease, so no load that began
 *       before the write can land under it; while the lock lives, {@code get} answers {@code Locked}
 *       (readers go to the database and take no lease) and every {@code put} and {@code putFromLoad} is
 *       refused, so nothing read before the commit can enter L2 during it. The cached data itself stays,
 *       for a rollback to reveal again.</li>
 *   <li>{@link #releaseAfterUpdate releaseAfterUpdate} runs after the commit. It stores the new version
 *       only if it is newer than both the cached data and any tombstone, so two writers that finish out
 *       of order leave the newer value behind; {@link #releaseAfterRemove releaseAfterRemove} leaves a
 *       tombstone instead; {@link #releaseAfterRollback releaseAfterRollback} only drops the lock.</li>
 *   <li>{@link #putFromLoad putFromLoad} lands only under the lease its {@code get} was granted, still
 *       unrevoked, and only with a version newer than the cached data and any live tombstone. For
 *       unversioned data the lease is the whole fence, so unversioned data is only ever filled under one.
 *       A versioned put without a lease relies on the version fence alone.</li>
 *   <li>{@link #invalidate invalidate} (a change seen elsewhere, a bulk update) deletes the data and the
 *       lease and leaves a tombstone carrying the highest version known, for {@code tombstoneTtl}: a late
 *       put of that version or an older one is refused.</li>
 *   <li>A writer that dies between {@code lock} and its release leaves a lock that expires after
 *       {@code lockTtl}. It may have committed, so the first script that sees the expired lock treats the
 *       data as stale: it deletes it and leaves a tombstone of its version, so that version cannot come
 *       back while a newer one can. Readers are thus blocked for at most {@code lockTtl}.</li>
 * </ol>
 * The limits: a writer that commits after its lock expired and then never releases can leave the
 * version from before its commit in L2 until the data's TTL, if nothing was cached when the lock was
 * found expired (so {@code lockTtl} must exceed the longest commit); and a put without a lease that only
 * a tombstone refuses is fenced for {@code tombstoneTtl} alone (so that TTL must exceed the longest
 * database load). Leases are not limited this way: a revoked token never becomes valid again, as long as
 * callers make tokens unique.
 *
 * <h2>Pinned entries: write-behind writes not yet in the database</h2>
 * The write-behind queue ({@code internal.writebehind.WriteBehindQueue}) stores an entity's new state
 * here and appends its change record to a stream in one script, long before the database has it. Until
 * the flush is acknowledged the entry is <em>pinned</em> (field {@code p} = that write's version), and
 * for as long as it is, L2 is the only place, besides the stream, where that state is readable. So every
 * operation here keeps it whole:
 * <ol>
 *   <li>No expiry: every script that would set one ({@code finish}) runs {@code PERSIST} on a pinned key
 *       instead, so it neither expires nor is chosen by {@code maxmemory-policy volatile-*}.</li>
 *   <li>{@link #get get} answers the pinned state to everyone, even under a live lock: {@link Lookup.Hit}
 *       for an upsert, {@link Lookup.Deleted} for a pending delete. Never a miss: the database holds an
 *       older state, so a reader must not go there, and no lease is granted.</li>
 *   <li>{@link #putFromLoad putFromLoad}, {@link #put put}, {@link #releaseAfterUpdate releaseAfterUpdate}
 *       keep their fences, and a pinned entry adds one: only a version newer than the pinned data lands
 *       (a database load is older by construction; an unversioned put never lands). What lands leaves the
 *       pin in place; only the queue unpins.</li>
 *   <li>An expired lock does not make pinned data suspect (the sweep drops the lock and keeps the data):
 *       a pinned write is newer than anything its writer could have committed.</li>
 *   <li>{@link #invalidate invalidate} and {@link #releaseAfterRemove releaseAfterRemove} name every version
 *       up to one as dead. Below the pinned version (or with none named) they change nothing on a pinned
 *       entry: the pinned write is newer than the change they report, and dropping it would send readers
 *       to a database that does not yet have it, then let them refill L2 with an older version — a lost
 *       write, as far as every reader can tell. From the pinned version up, the database (or a writer)
 *       has moved past the pending write, whose flush the database will then refuse as older: the entry
 *       is unpinned and tombstoned as usual.</li>
 *   <li>{@link #remove remove} (an undecodable value) and {@link #clearRegion clearRegion} leave pinned
 *       entries alone: the bytes may be undecodable to this node only (a rolling upgrade), and a region
 *       clear is a cache eviction, which must not evict what is not yet stored anywhere else.</li>
 * </ol>
 * The queue unpins on acknowledgement (the entry gets its TTL back, or a pending delete becomes a plain
 * tombstone) and on dead-lettering (the entry is tombstoned, so readers fall back to the database).
 *
 * <h2>The entry</h2>
 * One hash at {@code keyPrefix + region + ":" + keyText} ({@link #key(String, String, String)}), with short
 * field names: {@code v} data version ({@code -1} unversioned), {@code d} data bytes; {@code tv}, {@code te}
 * tombstone version and expiry; {@code lt}, {@code le} lease token and expiry; {@code l:<token>} one field
 * per lock in flight, valued with its expiry; {@code p} the pinned version, {@code pd} present when that
 * pinned write is a delete (then {@code v} is its version and {@code d} is absent); {@code x}, {@code dl} the
 * data's logical expiry (ms, the writer's clock) and load time, for early refresh and stale-if-error;
 * {@code n} "no such row" until its expiry (the negative cache); {@code w} present while readers on other
 * nodes wait for a lease holder's fill (its put then answers {@link PutOutcome#STORED_WAKING}). Expiries are
 * milliseconds by Redis {@code TIME}, read inside the scripts, never a JVM clock. Every script that leaves
 * fields behind sets the key's expiry to what they need, so no key lives forever unless it is pinned.
 * Versions are compared as exact decimals, over the whole {@code long} range.
 *
 * <h2>Redis Cluster hash tags</h2>
 * The key format is the same for every region. A region whose entries must share a slot with other keys
 * (a write-behind entity's, with its stream) carries a hash tag in its name:
 * {@link #hashTagged hashTagged(region, entityName)} is {@code "{" + entityName + "}:" + region}, so its
 * keys read {@code keyPrefix + "{Product}:" + region + ":" + keyText}. Every other region keeps its keys,
 * which Redis Cluster spreads over all slots.
 *
 * <h2>Failures</h2>
 * A failing Redis (connection, timeout) surfaces as Redisson's {@code RedisException}s, unwrapped: the
 * caller, which knows the region and the tier below, decides how to degrade (promise 6). A script that
 * Redis no longer knows ({@code NOSCRIPT}, after a restart) is loaded again and the call retried once.
 * Bytes read from Redis are returned as bytes; nothing here deserializes them (promise 7).
 *
 * <h2>Repairs</h2>
 * Every entry script first drops what the library never writes under an entry's name: a key of another Redis
 * type, a field whose value is not of the library's form, data without a version (see {@code EntryScripts}).
 * The entry then behaves as whatever is left of it. Each repair is reported to the {@link RepairListener}
 * given at construction, with the region and key, in the same round trip: the script flags its reply.
 *
 * <p>Thread-safe: it holds no mutable state.
 */
public final class RedisEntryStore {

    /** Told of each entry that a script found holding what the library does not write, and repaired. */
    @FunctionalInterface
    public interface RepairListener {

        /** Ignores repairs. */
        RepairListener NONE = (region, keyText) -> { };

        /** The entry {@code keyText} of {@code region} (as named in the call) was repaired just now. */
        void repaired(String region, String keyText);
    }

    private static final byte[] NEW_ROW = {'1'};
    private static final byte[] NOT_NEW_ROW = {'0'};

    private static final int CLEAR_BATCH = 500;

    private final RedissonClient redisson;
    private final String keyPrefix;
    private final long tombstoneTtlMillis;
    private final long leaseTtlMillis;
    private final long lockTtlMillis;
    private final byte[] tombstoneTtlArg;
    private final byte[] leaseTtlArg;
    private final byte[] lockTtlArg;
    private final RepairListener repairs;

    /**
     * @param redisson     the client; its default codec does not matter, every call here names its own
     * @param keyPrefix    put before every key (may be empty), e.g. {@code "app:l2:"}
     * @param tombstoneTtl how long an invalidation or a delete refuses older puts
     * @param leaseTtl     how long a reader holds the right to fill a missing entry: at least a slow load
     * @param lockTtl      how long a writer's lock lives if the writer never releases it: at least a slow commit
     */
    public RedisEntryStore(RedissonClient redisson, String keyPrefix, Duration tombstoneTtl, Duration leaseTtl,
                           Duration lockTtl) {
        this(redisson, keyPrefix, tombstoneTtl, leaseTtl, lockTtl, RepairListener.NONE);
    }

    /** As above, telling {@code repairs} of every entry a script repaired. */
    public RedisEntryStore(RedissonClient redisson, String keyPrefix, Duration tombstoneTtl, Duration leaseTtl,
                           Duration lockTtl, RepairListener repairs) {
        this.repairs = Objects.requireNonNull(repairs, "repairs");
        this.redisson = Objects.requireNonNull(redisson, "redisson");
        this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
        this.tombstoneTtlMillis = positiveMillis("tombstoneTtl", tombstoneTtl);
        this.leaseTtlMillis = positiveMillis("leaseTtl", leaseTtl);
        this.lockTtlMillis = positiveMillis("lockTtl", lockTtl);
        this.tombstoneTtlArg = Replies.millis(tombstoneTtlMillis);
        this.leaseTtlArg = Replies.millis(leaseTtlMillis);
        this.lockTtlArg = Replies.millis(lockTtlMillis);
    }

    /**
     * Reads one entry. Pinned: {@link Lookup.Hit}, or {@link Lookup.Deleted} for a pending delete, locks or
     * not. Without a live lock and with data: {@link Lookup.Hit}. With a live lock: {@link Lookup.Locked}.
     * Otherwise a {@link Lookup.Miss}, which grants the lease to {@code leaseToken} when no other reader
     * holds a live one (asking again with the held token answers granted again, without extending it).
     *
     * @param leaseToken the caller's unique token, or {@code null} to take no lease
     */
    public Lookup get(String region, String keyText, String leaseToken) {
        return get(region, keyText, leaseToken, ReadClock.NONE);
    }

    /**
     * {@link #get}, with the reader's clock for the data's logical expiry: data past it answers
     * {@link Lookup.Expired} (a miss, with the lease as for a miss, carrying the expired data), and data
     * that XFetch says to refresh early answers a {@link Lookup.Hit} with {@code refreshLease} when the
     * caller was granted the lease for it.
     */
    public Lookup get(String region, String keyText, String leaseToken, ReadClock clock) {
        checkOptionalToken("leaseToken", leaseToken);
        return Replies.lookup(eval(EntryScripts.GET, region, keyText, RScript.ReturnType.LIST,
                getArgs(leaseToken, clock)));
    }

    /**
     * {@link #get} for many keys of one region, in one round trip (one Redisson batch of the {@code get}
     * script; one round trip per server in a cluster). The same {@code leaseToken} is offered for every key.
     *
     * @return one lookup per key, in the order of {@code keyTexts}
     */
    public List<Lookup> getAll(String region, List<String> keyTexts, String leaseToken) {
        return getAll(region, keyTexts, leaseToken, ReadClock.NONE);
    }

    /** {@link #getAll}, with the reader's clock as for {@link #get(String, String, String, ReadClock)}. */
    public List<Lookup> getAll(String region, List<String> keyTexts, String leaseToken, ReadClock clock) {
        checkOptionalToken("leaseToken", leaseToken);
        List<String> keys = keys(region, keyTexts);
        List<Object[]> args = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            args.add(getArgs(leaseToken, clock));
        }
        List<?> replies = EntryScripts.GET.evalEach(redisson, keys, RScript.ReturnType.LIST, args);
        List<Lookup> lookups = new ArrayList<>(replies.size());
        for (int i = 0; i < replies.size(); i++) {
            lookups.add(Replies.lookup(seen(region, keyTexts.get(i), replies.get(i))));
        }
        return lookups;
    }

    /**
     * Fills a missing entry with what a reader loaded from the database. Refused while a lock lives; under
     * a lease ({@code leaseToken != null}) unless that lease is still the caller's; without one, always for
     * unversioned data ({@code version < 0}). Versioned data must also be newer than the cached data and
     * any live tombstone. On success the lease and the tombstone are gone and the key expires in {@code ttl}.
     */
    public PutOutcome putFromLoad(String region, String keyText, String leaseToken, long version, byte[] data,
                                  Duration ttl) {
        return putFromLoad(region, keyText, leaseToken, version, data, ttl, Lookup.NONE, Lookup.NONE);
    }

    /**
     * {@link #putFromLoad}, recording the data's logical expiry ({@code expiresAt}, ms by the loader's
     * clock; {@link Lookup#NONE}: none, the key's TTL alone) and how long its load took ({@code loadMillis},
     * for XFetch). Under the caller's live lease the version may equal the cached one (a refresh).
     */
    public PutOutcome putFromLoad(String region, String keyText, String leaseToken, long version, byte[] data,
                                  Duration ttl, long expiresAt, long loadMillis) {
        checkOptionalToken("leaseToken", leaseToken);
        Objects.requireNonNull(data, "data");
        return Replies.outcome(eval(EntryScripts.PUT_FROM_LOAD, region, keyText,
                RScript.ReturnType.LONG, putFromLoadArgs(leaseToken, version, data, ttl, expiresAt, loadMillis)),
                "putFromLoad");
    }

    /**
     * A key the database had no row for, in {@link #putFromLoadAll}: recorded absent for {@code negativeTtl}
     * under its lease when {@code negativeTtl} is not null, else its lease is only given back.
     */
    public record Absence(String keyText, String leaseToken, Duration negativeTtl) {
    }

    /**
     * {@link #putFromLoad} for {@code fills} and {@link #putAbsent} (or {@link #releaseLease}) for
     * {@code absences}, all in one round trip. Answers the fills' outcomes, then for each absence whether
     * readers on other nodes wait for the key.
     */
    public Outcomes putFromLoadAll(String region, List<Fill> fills, Duration ttl, List<Absence> absences) {
        List<LuaScript.Call> calls = new ArrayList<>(fills.size() + absences.size());
        for (Fill fill : fills) {
            checkOptionalToken("leaseToken", fill.leaseToken());
            calls.add(new LuaScript.Call(EntryScripts.PUT_FROM_LOAD, key(region, fill.keyText()),
                    putFromLoadArgs(fill.leaseToken(), fill.version(), fill.data(), ttl, fill.expiresAt(), fill.loadMillis())));
        }
        for (Absence absence : absences) {
            checkToken("leaseToken", absence.leaseToken());
            calls.add(absence.negativeTtl() == null
                    ? new LuaScript.Call(EntryScripts.RELEASE_LEASE, key(region, absence.keyText()),
                            new Object[] {tombstoneTtlArg, Replies.token(absence.leaseToken())})
                    : new LuaScript.Call(EntryScripts.PUT_ABSENT, key(region, absence.keyText()),
                            new Object[] {tombstoneTtlArg, Replies.token(absence.leaseToken()),
                                    Replies.millis(positiveMillis("negativeTtl", absence.negativeTtl()))}));
        }
        List<?> replies = LuaScript.evalLongs(redisson, calls);
        List<PutOutcome> outcomes = new ArrayList<>(fills.size());
        for (int i = 0; i < fills.size(); i++) {
            outcomes.add(Replies.outcome(seen(region, fills.get(i).keyText(), replies.get(i)), "putFromLoad"));
        }
        List<Boolean> waking = new ArrayList<>(absences.size());
        for (int i = 0; i < absences.size(); i++) {
            long code = Replies.code(seen(region, absences.get(i).keyText(), replies.get(fills.size() + i)),
                    absences.get(i).negativeTtl() == null ? "releaseLease" : "putAbsent");
            waking.add(absences.get(i).negativeTtl() == null ? code == 1 : code == EntryScripts.STORED_WAKING);
        }
        return new Outcomes(outcomes, waking);
    }

    /** What {@link #putFromLoadAll(String, List, Duration, List)} answers. */
    public record Outcomes(List<PutOutcome> fills, List<Boolean> absencesWaking) {
    }

    /** One fill of {@link #putFromLoadAll}. */
    public record Fill(String keyText, String leaseToken, long version, byte[] data, long expiresAt, long loadMillis) {
    }

    /** {@link #putFromLoad} for many keys of one region, in one round trip; outcomes in the order of {@code fills}. */
    public List<PutOutcome> putFromLoadAll(String region, List<Fill> fills, Duration ttl) {
        List<String> keys = new ArrayList<>(fills.size());
        List<Object[]> args = new ArrayList<>(fills.size());
        for (Fill fill : fills) {
            checkOptionalToken("leaseToken", fill.leaseToken());
            keys.add(key(region, fill.keyText()));
            args.add(putFromLoadArgs(fill.leaseToken(), fill.version(), fill.data(), ttl, fill.expiresAt(), fill.loadMillis()));
        }
        List<PutOutcome> outcomes = new ArrayList<>(fills.size());
        List<?> replies = EntryScripts.PUT_FROM_LOAD.evalEach(redisson, keys, RScript.ReturnType.LONG, args);
        for (int i = 0; i < replies.size(); i++) {
            outcomes.add(Replies.outcome(seen(region, fills.get(i).keyText(), replies.get(i)), "putFromLoad"));
        }
        return outcomes;
    }

    /**
     * Records, under the reader's live lease, that the database has no row for this key, for
     * {@code negativeTtl}: reads answer {@link Lookup.Absent} until then, or until data is stored (an insert
     * stores the new row; every write revokes the lease first, so a put after it is refused).
     */
    public PutOutcome putAbsent(String region, String keyText, String leaseToken, Duration negativeTtl) {
        checkToken("leaseToken", leaseToken);
        return Replies.outcome(eval(EntryScripts.PUT_ABSENT, region, keyText, RScript.ReturnType.LONG,
                tombstoneTtlArg, Replies.token(leaseToken), Replies.millis(positiveMillis("negativeTtl", negativeTtl))),
                "putAbsent");
    }

    private Object[] putFromLoadArgs(String leaseToken, long version, byte[] data, Duration ttl, long expiresAt,
                                     long loadMillis) {
        Objects.requireNonNull(data, "data");
        return new Object[] {tombstoneTtlArg, Replies.token(leaseToken), Replies.version(version), data,
                Replies.millis(positiveMillis("ttl", ttl)), optional(expiresAt), optional(loadMillis)};
    }

    private static byte[] optional(long millis) {
        return millis < 0 ? new byte[0] : Replies.millis(millis);
    }

    /**
     * A write's own put (after an insert commits; the direct face's {@code put}): needs no lease and
     * revokes any, since a newer value makes a loader's result obsolete. Refused while another write holds
     * a lock; versioned data must be newer than the cached data and any live tombstone; unversioned data
     * ({@code version < 0}) is stored unless locked.
     */
    public PutOutcome put(String region, String keyText, long version, byte[] data, Duration ttl) {
        return put(region, keyText, version, data, ttl, Lookup.NONE);
    }

    /** {@link #put}, recording the data's logical expiry as {@link #putFromLoad} does. */
    public PutOutcome put(String region, String keyText, long version, byte[] data, Duration ttl, long expiresAt) {
        Objects.requireNonNull(data, "data");
        long ttlMillis = positiveMillis("ttl", ttl);
        return Replies.outcome(eval(EntryScripts.PUT, region, keyText, RScript.ReturnType.LONG,
                tombstoneTtlArg, Replies.version(version), data, Replies.millis(ttlMillis), NOT_NEW_ROW,
                optional(expiresAt), optional(Lookup.NONE)), "put");
    }

    /**
     * A new row's own put after its insert committed: as {@link #put}, except that unversioned data is stored
     * only into an empty key (a tombstone or data there means the row changed on another node since).
     */
    public PutOutcome putNew(String region, String keyText, long version, byte[] data, Duration ttl) {
        return putNew(region, keyText, version, data, ttl, Lookup.NONE);
    }

    /** {@link #putNew}, recording the data's logical expiry as {@link #putFromLoad} does. */
    public PutOutcome putNew(String region, String keyText, long version, byte[] data, Duration ttl, long expiresAt) {
        Objects.requireNonNull(data, "data");
        long ttlMillis = positiveMillis("ttl", ttl);
        return Replies.outcome(eval(EntryScripts.PUT, region, keyText, RScript.ReturnType.LONG,
                tombstoneTtlArg, Replies.version(version), data, Replies.millis(ttlMillis), NEW_ROW,
                optional(expiresAt), optional(Lookup.NONE)), "putNew");
    }

    /**
     * Marks a write in flight, before its database commit: adds the lock {@code l:<lockToken>} for
     * {@code lockTtl} and revokes any lease. The data stays, but reads answer {@link Lookup.Locked} until
     * every lock is released or expired. Release with exactly one of the {@code releaseAfter*} methods.
     */
    public void lock(String region, String keyText, String lockToken) {
        checkToken("lockToken", lockToken);
        eval(EntryScripts.LOCK, region, keyText, RScript.ReturnType.LONG,
                tombstoneTtlArg, lockTtlArg, lockField(lockToken));
    }

    /** {@link #lock}, and in the same script {@code PUBLISH channel message}: every node hears of the lock with it. */
    public void lock(String region, String keyText, String lockToken, String channel, byte[] message) {
        checkToken("lockToken", lockToken);
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(message, "message");
        eval(EntryScripts.LOCK, region, keyText, RScript.ReturnType.LONG,
                tombstoneTtlArg, lockTtlArg, lockField(lockToken), channel.getBytes(StandardCharsets.UTF_8), message);
    }

    /**
     * The write committed {@code version}: drops its lock and the lease, and stores the data if its version
     * is newer than the cached data and any live tombstone (unversioned data: always). Works also when the
     * lock already expired and the entry was tombstoned meanwhile: the version fence then decides. When no
     * other lock remains the key expires in {@code ttl}.
     */
    public PutOutcome releaseAfterUpdate(String region, String keyText, String lockToken, long version, byte[] data,
                                         Duration ttl) {
        return releaseAfterUpdate(region, keyText, lockToken, version, data, ttl, Lookup.NONE);
    }

    /** {@link #releaseAfterUpdate}, recording the data's logical expiry as {@link #putFromLoad} does. */
    public PutOutcome releaseAfterUpdate(String region, String keyText, String lockToken, long version, byte[] data,
                                         Duration ttl, long expiresAt) {
        checkToken("lockToken", lockToken);
        Objects.requireNonNull(data, "data");
        long ttlMillis = positiveMillis("ttl", ttl);
        return Replies.outcome(eval(EntryScripts.RELEASE_AFTER_UPDATE, region, keyText,
                RScript.ReturnType.LONG, tombstoneTtlArg, lockField(lockToken), Replies.version(version), data,
                Replies.millis(ttlMillis), optional(expiresAt), optional(Lookup.NONE)), "releaseAfterUpdate");
    }

    /**
     * A delete of {@code version} committed: drops its lock, the data and the lease, and leaves a tombstone
     * of the highest version known (cached, tombstoned or {@code version}) for {@code tombstoneTtl}. On a
     * pinned entry only the lock goes, unless {@code version} reaches the pinned version (as for
     * {@link #invalidate}).
     */
    public void releaseAfterRemove(String region, String keyText, String lockToken, long version) {
        checkToken("lockToken", lockToken);
        eval(EntryScripts.RELEASE_AFTER_REMOVE, region, keyText, RScript.ReturnType.LONG,
                tombstoneTtlArg, lockField(lockToken), Replies.version(version));
    }

    /**
     * A row was inserted for this key: forgets the negative cache's "no such row", if any, so every node
     * reads the new row at once. (An insert whose value is put stores over the marker anyway; this is for
     * inserts that put nothing, such as identity-generated ids.) Answers whether there was a marker.
     */
    public boolean clearAbsent(String region, String keyText) {
        return Replies.flag(eval(EntryScripts.CLEAR_ABSENT, region, keyText, RScript.ReturnType.LONG,
                tombstoneTtlArg), "clearAbsent");
    }

    /**
     * Gives a lease back unused (the load failed or must not be cached), so that another reader may take it
     * at once rather than when it expires. Answers whether readers on other nodes wait for the key.
     */
    public boolean releaseLease(String region, String keyText, String leaseToken) {
        checkToken("leaseToken", leaseToken);
        return Replies.flag(eval(EntryScripts.RELEASE_LEASE, region, keyText, RScript.ReturnType.LONG,
                tombstoneTtlArg, Replies.token(leaseToken)), "releaseLease");
    }

    /**
     * The write rolled back: drops its lock and nothing else, so the data cached before the write is
     * readable again, unchanged, once no other lock remains. A hash left empty disappears.
     */
    public void releaseAfterRollback(String region, String keyText, String lockToken) {
        checkToken("lockToken", lockToken);
        eval(EntryScripts.RELEASE_AFTER_ROLLBACK, region, keyText, RScript.ReturnType.LONG,
                tombstoneTtlArg, lockField(lockToken));
    }

    /**
     * Drops the data and any lease and leaves a tombstone for {@code tombstoneTtl} that carries the highest
     * version known: the cached one, an earlier tombstone's, or {@code version} ({@code < 0}: none given).
     * Locks stay. A pinned entry stays as it is, unless {@code version} reaches its pinned version: then
     * it is unpinned and tombstoned.
     */
    public void invalidate(String region, String keyText, long version) {
        eval(EntryScripts.INVALIDATE, region, keyText, RScript.ReturnType.LONG,
                tombstoneTtlArg, Replies.version(version));
    }

    /** {@link #invalidate} for many keys of one region, all with {@code version}, in one round trip. */
    public void invalidateAll(String region, List<String> keyTexts, long version) {
        List<String> keys = keys(region, keyTexts);
        List<Object[]> args = new ArrayList<>(keys.size());
        byte[] versionArg = Replies.version(version);
        for (int i = 0; i < keys.size(); i++) {
            args.add(new Object[] {tombstoneTtlArg, versionArg});
        }
        List<?> replies = EntryScripts.INVALIDATE.evalEach(redisson, keys, RScript.ReturnType.LONG, args);
        for (int i = 0; i < replies.size(); i++) {
            seen(region, keyTexts.get(i), replies.get(i));
        }
    }

    /**
     * Deletes the cached data and its version (for a value the codec cannot decode). Locks, lease and
     * tombstone stay, so the fence keeps holding; an entry left with nothing disappears. A pinned entry is
     * left whole: its bytes are a write not yet in the database.
     *
     * @return whether data was deleted
     */
    public boolean remove(String region, String keyText) {
        return Replies.flag(eval(EntryScripts.REMOVE, region, keyText, RScript.ReturnType.LONG,
                tombstoneTtlArg), "remove");
    }

    /**
     * Deletes every entry of {@code region} (data, tombstones, leases and locks alike) but the pinned ones,
     * by {@code SCAN} and a script that {@code UNLINK}s each unpinned key, 500 keys per round trip: it never
     * blocks Redis, and entries written meanwhile may stay. A region whose name is another's plus
     * {@code ":..."} is cleared with it.
     *
     * @return how many keys were removed
     */
    public long clearRegion(String region) {
        checkRegion(region);
        String pattern = globEscape(keyPrefix + region + ":") + "*";
        long removed = 0;
        List<String> chunk = new ArrayList<>(CLEAR_BATCH);
        for (String key : redisson.getKeys().getKeys(KeysScanOptions.defaults().pattern(pattern).chunkSize(CLEAR_BATCH))) {
            chunk.add(key);
            if (chunk.size() == CLEAR_BATCH) {
                removed += clearChunk(chunk);
                chunk.clear();
            }
        }
        if (!chunk.isEmpty()) {
            removed += clearChunk(chunk);
        }
        return removed;
    }

    private long clearChunk(List<String> keys) {
        List<Object[]> args = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            args.add(new Object[0]);
        }
        long removed = 0;
        for (Object reply : EntryScripts.CLEAR.evalEach(redisson, keys, RScript.ReturnType.LONG, args)) {
            removed += Replies.flag(reply, "clear") ? 1 : 0;
        }
        return removed;
    }

    /** Every field of one entry, decoded, and its TTL; changes nothing. For tests and diagnostics. */
    public EntrySnapshot inspect(String region, String keyText) {
        return Replies.snapshot(EntryScripts.INSPECT.eval(redisson, key(region, keyText), RScript.ReturnType.LIST));
    }

    /** The Redis key of one entry. */
    String key(String region, String keyText) {
        return key(keyPrefix, region, keyText);
    }

    /** The Redis key of one entry of a store with {@code keyPrefix}: {@code keyPrefix + region + ":" + keyText}. */
    public static String key(String keyPrefix, String region, String keyText) {
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        checkRegion(region);
        Objects.requireNonNull(keyText, "keyText");
        return keyPrefix + region + ":" + keyText;
    }

    /**
     * The name under which a region's entries share a Redis Cluster slot with every other key tagged
     * {@code {tag}}: {@code "{" + tag + "}:" + region}. Idempotent: a region whose name already opens with
     * that tag is returned as it is.
     */
    public static String hashTagged(String region, String tag) {
        checkRegion(region);
        Objects.requireNonNull(tag, "tag");
        if (tag.isEmpty() || tag.indexOf('{') >= 0 || tag.indexOf('}') >= 0) {
            throw new IllegalArgumentException("a hash tag must be non-empty and hold no '{' or '}', but was '" + tag + "'");
        }
        String opening = "{" + tag + "}";
        if (region.startsWith(opening)) {
            return region;
        }
        return opening + ":" + region;
    }

    /**
     * The part of {@code key} that Redis Cluster hashes to pick its slot: between the first {@code {} and
     * the first {@code }} after it, when that is not empty; otherwise {@code null} (the whole key is hashed).
     */
    public static String hashTagOf(String key) {
        int open = key.indexOf('{');
        if (open < 0) {
            return null;
        }
        int close = key.indexOf('}', open + 1);
        if (close < 0 || close == open + 1) {
            return null;
        }
        return key.substring(open + 1, close);
    }

    @Override
    public String toString() {
        return "RedisEntryStore{keyPrefix='" + keyPrefix + "', tombstoneTtl=" + tombstoneTtlMillis
                + "ms, leaseTtl=" + leaseTtlMillis + "ms, lockTtl=" + lockTtlMillis + "ms}";
    }

    /** Runs an entry script on one entry; a repair it reports goes to the listener. */
    private Object eval(LuaScript script, String region, String keyText, RScript.ReturnType returnType, Object... args) {
        return seen(region, keyText, script.eval(redisson, key(region, keyText), returnType, args));
    }

    /** Tells the listener when {@code reply} carries the repaired flag; returns the reply as it is. */
    private Object seen(String region, String keyText, Object reply) {
        if (Replies.repaired(reply)) {
            repairs.repaired(region, keyText);
        }
        return reply;
    }

    private Object[] getArgs(String leaseToken, ReadClock clock) {
        return new Object[] {tombstoneTtlArg, Replies.token(leaseToken), leaseTtlArg, optional(clock.nowMillis()),
                Double.isNaN(clock.earlyFactor()) ? new byte[0]
                        : Replies.ascii(String.format(java.util.Locale.ROOT, "%.6f", clock.earlyFactor())),
                optional(clock.windowMillis())};
    }

    private List<String> keys(String region, List<String> keyTexts) {
        Objects.requireNonNull(keyTexts, "keyTexts");
        List<String> keys = new ArrayList<>(keyTexts.size());
        for (String keyText : keyTexts) {
            keys.add(key(region, keyText));
        }
        return keys;
    }

    private static byte[] lockField(String lockToken) {
        return Replies.token("l:" + lockToken);
    }

    private static void checkRegion(String region) {
        Objects.requireNonNull(region, "region");
        if (region.isEmpty()) {
            throw new IllegalArgumentException("region must not be empty");
        }
    }

    private static void checkToken(String name, String token) {
        Objects.requireNonNull(token, name);
        if (token.isEmpty()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
    }

    private static void checkOptionalToken(String name, String token) {
        if (token != null && token.isEmpty()) {
            throw new IllegalArgumentException(name + " must be null (none) or non-empty, but was empty");
        }
    }

    private static long positiveMillis(String name, Duration duration) {
        Objects.requireNonNull(duration, name);
        if (duration.isNegative() || duration.toMillis() < 1) {
            throw new IllegalArgumentException(name + " must be a positive duration of at least 1 ms, but was " + duration);
        }
        return duration.toMillis();
    }

    /** Escapes Redis glob metacharacters, so a prefix or region name matches only itself. */
    static String globEscape(String text) {
        StringBuilder escaped = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\' || c == '^' || c == '-') {
                escaped.append('\\');
            }
            escaped.append(c);
        }
        return escaped.toString();
    }
}
