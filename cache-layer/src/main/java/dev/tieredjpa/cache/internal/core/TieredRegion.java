package dev.tieredjpa.cache.internal.core;

import dev.tieredjpa.cache.internal.bus.Invalidation;
import dev.tieredjpa.cache.internal.l1.L1Entry;
import dev.tieredjpa.cache.internal.l1.L1Region;
import dev.tieredjpa.cache.internal.l2.Lookup;
import dev.tieredjpa.cache.internal.l2.PutOutcome;
import dev.tieredjpa.cache.internal.l2.RedisEntryStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.time.Clock;
import dev.tieredjpa.cache.ReadPolicy;
import dev.tieredjpa.cache.ReadSource;
import dev.tieredjpa.cache.internal.l2.ReadClock;
import dev.tieredjpa.cache.internal.l1.L1Statistics;
import dev.tieredjpa.cache.WriteBehindStats;
import dev.tieredjpa.cache.stats.RegionSnapshot;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One region of the tiered cache: L1 in this JVM, L2 in Redis, and the protocol that keeps them right.
 * Both faces — Hibernate's region access and the direct cache API — are written on these operations.
 *
 * <h2>The protocol, as the calls a read and a write make</h2>
 * <ol>
 *   <li><b>Read</b> ({@link #get}): L1 hit, done. Else take an L1 read stamp and ask L2; a miss there hands
 *       the reader a lease (its right to fill the key). A locked key (a write in flight) reads as a miss
 *       without a lease.</li>
 *   <li><b>Fill</b> ({@link #putFromLoad}): the reader, having loaded from the database, puts with its lease
 *       and the version it loaded. Redis refuses it if a write locked the key or invalidated it since the
 *       lease (the lease is gone), or if a newer version or tombstone is there. Only what Redis stored goes
 *       into L1, and only if no invalidation reached this node since the read stamp.</li>
 *   <li><b>Write</b>: before the database write, {@link #lock} (revokes every lease: no load that started
 *       before the write can land). After commit: {@link #afterUpdate} stores the new version (fenced) and
 *       releases the lock, or {@link #afterRemove} leaves a tombstone; after rollback {@link #afterRollback}
 *       only releases the lock, so every tier holds what it held before. Then every other node is told,
 *       and evicts older L1 entries.</li>
 *   <li><b>Redis unreachable</b>: reads go L1 then the database; a write's L2 step is owed and replayed as
 *       an invalidation when Redis answers (see {@link TieredRuntime}). A lock that was taken but whose
 *       release was lost expires into a tombstone, so the pre-write value is never served again.</li>
 * </ol>
 */
public final class TieredRegion {

    private static final Logger log = LoggerFactory.getLogger(TieredRegion.class);
    /**
     * One L1 hit in {@code L1_SAMPLE_MASK + 1} is timed (see {@link #peek}). Timing one costs two clock reads
     * (about 27 ns each on a KVM guest) and a histogram record, some 70 ns: one in 16 would add about 4 ns to
     * an L1 hit of about 170 ns, one in 64 about 1 ns, which an A/B of the hit path could not tell from noise.
     */
    private static final int L1_SAMPLE_MASK = 63;
    /** The longest a reader waits for another node's fill before it looks at L2 again. */
    private static final long FILL_WAIT_SLICE_MILLIS = 250;
    /** The heap an L1 entry takes besides its value: key, holders, map node (see {@link RegionSnapshot.L1}). */
    private static final long L1_ENTRY_OVERHEAD_BYTES = 200;
    /** How many times its encoded size a value takes in the heap, roughly. */
    private static final long L1_HEAP_FACTOR = 4;

    private final String name;
    private final String l2Name;
    private final TieredRuntime runtime;
    private final L1Region l1;
    private final ValueCodec codec;
    private final RedisEntryStore store;
    private final Duration l2Ttl;
    private final ReadPolicy readPolicy;
    private final Clock clock;
    private final SingleFlight flights = new SingleFlight();
    private final FillWaiters fillWaiters;
    private final RegionStats stats = new RegionStats();
    /** Whether reads of this region say where they were served (see {@link ReadTrace}). */
    private volatile boolean traced = true;
    /** Set once keys of this region are refreshed ahead: values then carry their logical expiry. */
    private volatile boolean refreshesAhead;

    TieredRegion(String name, String l2Name, TieredRuntime runtime, L1Region l1, ValueCodec codec, Duration l2Ttl,
                 ReadPolicy readPolicy) {
        this.name = name;
        this.l2Name = l2Name;
        this.runtime = runtime;
        this.l1 = l1;
        this.codec = codec;
        this.store = runtime.store();
        this.l2Ttl = l2Ttl;
        this.readPolicy = readPolicy;
        this.clock = runtime.clock();
        this.fillWaiters = runtime.fillWaiters();
    }

    public String name() {
        return name;
    }

    /**
     * The region's name in Redis: its name, or for a write-behind entity's region the name hash-tagged with
     * the entity, so that its entries and its queue share a Redis Cluster slot.
     */
    public String l2Name() {
        return l2Name;
    }

    public RegionStats stats() {
        return stats;
    }

    /** This region's figures now; L1's entries and evictions from Ehcache's own statistics. */
    RegionSnapshot snapshot(L1Statistics l1Statistics, Optional<WriteBehindStats> writeBehind) {
        long entries = l1Statistics.entries(name);
        long meanEncoded = stats.meanEncodedBytes();
        long heapBytes = entries < 0 ? -1
                : entries * (L1_ENTRY_OVERHEAD_BYTES + L1_HEAP_FACTOR * Math.max(0, meanEncoded));
        return new RegionSnapshot(name,
                new RegionSnapshot.L1(stats.l1Hits(), stats.l1Misses(), l1.puts(), l1Statistics.evictions(name), entries,
                        heapBytes, stats.l1HitLatency()),
                new RegionSnapshot.L2(stats.l2Hits(), stats.l2Misses(), stats.l2Puts(), stats.l2PutsRefused(),
                        stats.l2Errors(), stats.l2Calls(), stats.l2Locked(), stats.l2Repairs(), stats.l2Latency()),
                new RegionSnapshot.Db(stats.dbLoads(), stats.dbAbsent(), stats.dbLoadTime()),
                new RegionSnapshot.Invalidations(stats.invalidationsSent(), stats.invalidationsReceived(),
                        stats.invalidationAckTimeouts(), stats.propagationDelay()),
                new RegionSnapshot.Waits(stats.flightWaits(), stats.leaseWaits(), stats.leaseWaitsServed(),
                        stats.leaseWaitsTimedOut()),
                new RegionSnapshot.Freshness(stats.earlyRefreshes(), stats.refreshesAhead(), stats.expiredMisses(),
                        stats.negativeHits(), stats.negativePuts(), stats.staleServed(), stats.staleRefused()),
                stats.decodeFailures(), writeBehind);
    }

    public ReadPolicy readPolicy() {
        return readPolicy;
    }

    /**
     * The value for this key from L1 or L2, or null on a miss. A caller that will load the key on a miss
     * passes where it keeps its {@link LoadTicket}s ({@code leases}); it then shares its load with every
     * other reader of the key (see {@link #peek}). {@link LeaseHolder#NONE}: a plain look, no waiting.
     */
    public Object get(TieredKey key, LeaseHolder leases) {
        Object value = peek(key, leases);
        return value instanceof PendingDelete ? null : value;
    }

    /**
     * Like {@link #get}, but a key whose write-behind delete is pending answers {@link PendingDelete}
     * rather than a miss: the caller must not go to the database for it.
     *
     * <p>One load per key (DESIGN.md, promise 4), for a caller with {@code leases}: on a miss, the first
     * reader in this JVM leads the key's flight and every other one waits for its outcome; the leader asks
     * L2 for the lease, and while another node holds it, waits — woken by that node's "filled" message or
     * by any change of the key, each wait bounded by what is left of that lease — then looks again, taking
     * the lease over if its holder died. A null answer with a ticket in {@code leases} means "load it and
     * put it"; a ticket marked absent means "there is no such row: do not load".
     *
     * <p>Statistics: the read counts one L1 hit or miss, and an L1 miss one L2 hit or miss when it goes on to
     * L2 (see {@link RegionSnapshot}). The latency of an L1 hit is <b>sampled</b>: one read in 64, drawn with
     * {@link ThreadLocalRandom}, reads the clock before and after; the others pay one random draw.
     */
    public Object peek(TieredKey key, LeaseHolder leases) {
        long sampledAt = (ThreadLocalRandom.current().nextInt() & L1_SAMPLE_MASK) == 0 ? System.nanoTime() : NOT_SAMPLED;
        L1Entry entry = l1.get(key);
        if (entry != null) {
            long expiresAt = entry.expiresAt();
            if (expiresAt < 0) {
                return l1Hit(entry, sampledAt);
            }
            long now = clock.millis();
            if (now < expiresAt) {
                if (readPolicy.earlyRefresh() && leases != LeaseHolder.NONE && entry.loadMillis() >= 0) {
                    double factor = earlyFactor();
                    if (now + Math.max(1, entry.loadMillis()) * factor >= expiresAt && leases.find(name, key) == null
                            && refreshLease(key, leases, new ReadClock(now, factor))) {
                        // L1 held it, live: a hit that this reader reloads early.
                        stats.l1Hits.increment();
                        return null;
                    }
                    // Another node may have refreshed it already: refreshLease then put the newer copy in L1.
                    L1Entry current = l1.get(key);
                    if (current != null) {
                        return l1Hit(current, sampledAt);
                    }
                }
                return l1Hit(entry, sampledAt);
            }
            // Past its logical expiry: L2 decides, as for a miss.
        }
        stats.l1Misses.increment();
        if (leases == LeaseHolder.NONE) {
            return lookWithoutLease(key);
        }
        if (leases.find(name, key) != null) {
            return null;
        }
        long deadline = System.nanoTime() + runtime.config().leaseWait().toNanos();
        while (true) {
            long joined = System.nanoTime();
            SingleFlight.Flight mine = new SingleFlight.Flight(leases);
            SingleFlight.Flight other = flights.join(key, mine);
            if (other == null) {
                return lead(key, leases, mine, deadline);
            }
            if (other.owner == leases) {
                return null;
            }
            stats.flightWaits.increment();
            // While the leader loads, another node may fill the key (it took the lease over from a stuck
            // leader): its message wakes us too. A leader that waits for another node hears it itself.
            CompletableFuture<Void> signal = other.isLoading() ? fillWaiters.register(name, key.text()) : null;
            Object outcome = other.await(deadline, signal);
            if (signal != null) {
                fillWaiters.done(name, key.text(), signal);
            }
            if (outcome == SingleFlight.Outcome.SIGNALLED) {
                Object filled = lookWithoutLease(key);
                if (filled != null) {
                    return filled;
                }
                continue;
            }
            if (outcome == SingleFlight.Outcome.TIMED_OUT) {
                // This JVM's leader is stuck past our bound: one look at L2 of our own, then load.
                return lead(key, leases, null, deadline);
            }
            if (outcome == SingleFlight.Outcome.RETRY) {
                continue;
            }
            boolean answer = outcome == SingleFlight.Outcome.ABSENT
                    || !(outcome instanceof SingleFlight.Outcome || outcome instanceof SingleFlight.Failed);
            if (answer && !other.servesReadFrom(joined)) {
                continue; // the leader read L2 before this read began: a write may have returned since
            }
            if (outcome == SingleFlight.Outcome.ABSENT) {
                leases.hold(name, key, LoadTicket.knownAbsent());
                trace(ReadSource.ABSENT);
                return null;
            }
            if (outcome instanceof SingleFlight.Outcome || outcome instanceof SingleFlight.Failed) {
                // Timed out, or a write is in flight, or the leader's load failed: load without a lease.
                trace(ReadSource.DB);
                return null;
            }
            trace(ReadSource.DB);
            return outcome;
        }
    }

    /**
     * Makes reads of this region leave {@link ReadTrace} alone: for regions that hold no entities (natural
     * ids, collections), whose reads come along with an entity's and must not hide where it came from.
     */
    public void untraced() {
        traced = false;
    }

    private void trace(ReadSource source) {
        if (traced) {
            ReadTrace.record(source);
        }
    }

    /** {@link #peek}'s mark of a read whose latency is not timed. */
    private static final long NOT_SAMPLED = Long.MIN_VALUE;

    private Object l1Hit(L1Entry entry, long sampledAt) {
        stats.l1Hits.increment();
        trace(ReadSource.L1);
        if (sampledAt != NOT_SAMPLED) {
            stats.l1HitLatency.record(System.nanoTime() - sampledAt);
        }
        return entry.value();
    }

    /** Runs one read's round trip to L2, timing it when it answers. */
    private <T> T timedRead(java.util.function.Supplier<T> call) {
        long start = System.nanoTime();
        T answer = call.get();
        stats.l2Latency.record(System.nanoTime() - start);
        return answer;
    }

    /** A look at L2 that takes no lease and never waits (for callers that will not load). */
    private Object lookWithoutLease(TieredKey key) {
        long readStamp = l1.readStamp();
        Lookup lookup = runtime.l2("get", name, key,
                () -> timedRead(() -> store.get(l2Name, key.text(), null, readClock(false))), () -> null);
        Object value = fromL2(key, lookup, readStamp);
        if (value == null) {
            stats.l2Misses.increment();
        }
        return value;
    }

    /** The value a hit or a pending delete stands for (filling L1), or null for anything else. */
    private Object fromL2(TieredKey key, Lookup lookup, long readStamp) {
        if (lookup instanceof Lookup.Hit hit) {
            Object value = decode(key, hit.data());
            if (value != null) {
                stats.l2Hits.increment();
                trace(ReadSource.L2);
                l1.putFromRead(key, value, hit.version(), readStamp, hit.expiresAt(), hit.loadMillis());
            }
            return value;
        }
        if (lookup instanceof Lookup.Deleted deleted) {
            stats.l2Hits.increment();
            PendingDelete gone = new PendingDelete(deleted.version());
            l1.putFromRead(key, gone, deleted.version(), readStamp);
            return gone;
        }
        if (lookup instanceof Lookup.Locked) {
            stats.l2Locked.increment();
        } else if (lookup instanceof Lookup.Absent) {
            stats.negativeHits.increment();
        }
        return null;
    }

    /** This reader leads the key's flight in this JVM: it asks L2, waiting while another node loads. */
    private Object lead(TieredKey key, LeaseHolder leases, SingleFlight.Flight mine, long deadline) {
        String token = newToken();
        long readStamp = l1.readStamp();
        boolean waited = false;
        while (true) {
            CompletableFuture<Void> signal = fillWaiters.register(name, key.text());
            if (mine != null) {
                mine.readingL2();
            }
            Lookup lookup;
            try {
                lookup = runtime.l2("get", name, key,
                        () -> timedRead(() -> store.get(l2Name, key.text(), token, readClock(true))), () -> null);
            } catch (RuntimeException unexpected) {
                fillWaiters.done(name, key.text(), signal);
                flights.land(key, mine, SingleFlight.Outcome.RETRY);
                throw unexpected;
            }
            if (lookup == null) {
                // Redis unreachable: lead the load in this JVM alone.
                fillWaiters.done(name, key.text(), signal);
                stats.l2Misses.increment();
                loading(mine);
                leases.hold(name, key, new LoadTicket(null, System.nanoTime(), mine, null, false));
                trace(ReadSource.DB);
                return null;
            }
            String holder = null;
            long leaseLeft = 0;
            if (lookup instanceof Lookup.Miss miss) {
                if (miss.leaseGranted()) {
                    fillWaiters.done(name, key.text(), signal);
                    return missWithLease(key, leases, mine, token, null);
                }
                holder = miss.leaseHolder();
                leaseLeft = miss.leaseMillisLeft();
            } else if (lookup instanceof Lookup.Expired expired) {
                LoadTicket.StaleValue stale = staleOf(key, expired);
                if (expired.leaseGranted()) {
                    fillWaiters.done(name, key.text(), signal);
                    stats.expiredMisses.increment();
                    return missWithLease(key, leases, mine, token, stale);
                }
                holder = expired.leaseHolder();
                leaseLeft = expired.leaseMillisLeft();
            }
            if (holder == null) {
                fillWaiters.done(name, key.text(), signal);
                Object value = fromL2(key, lookup, readStamp);
                if (lookup instanceof Lookup.Hit hit && value != null) {
                    if (waited) {
                        stats.leaseWaitsServed.increment();
                    }
                    flights.land(key, mine, value);
                    if (hit.refreshLease()) {
                        // XFetch chose this reader to refresh the value before it expires: it loads; others keep hitting.
                        stats.earlyRefreshes.increment();
                        leases.hold(name, key, new LoadTicket(token, System.nanoTime(), null, null, false));
                        return null;
                    }
                    return value;
                }
                if (value instanceof PendingDelete) {
                    flights.land(key, mine, value);
                    return value;
                }
                if (lookup instanceof Lookup.Hit) {
                    continue; // undecodable, now removed: ask again for the lease
                }
                stats.l2Misses.increment();
                if (lookup instanceof Lookup.Absent) {
                    flights.land(key, mine, SingleFlight.Outcome.ABSENT);
                    leases.hold(name, key, LoadTicket.knownAbsent());
                    trace(ReadSource.ABSENT);
                    return null;
                }
                // Locked: a write is in flight; read the database, cache nothing.
                flights.land(key, mine, SingleFlight.Outcome.UNCACHEABLE);
                trace(ReadSource.DB);
                return null;
            }
            // Another node is loading the key: wait for its value, at most until its lease ends or our bound.
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                fillWaiters.done(name, key.text(), signal);
                stats.l2Misses.increment();
                stats.leaseWaitsTimedOut.increment();
                log.debug("Waited past the bound for another node's load of {} in region {}: loading it here", key, name);
                loading(mine);
                leases.hold(name, key, new LoadTicket(null, System.nanoTime(), mine, null, false));
                trace(ReadSource.DB);
                return null;
            }
            if (!waited) {
                stats.leaseWaits.increment();
                waited = true;
            }
            // The holder's message usually wakes us. Pub/sub may lose it (a dropped subscription), so no wait
            // is longer than a slice: a lost message costs at most one slice and one more look at L2.
            FillWaiters.await(signal, Math.min(Math.min(left, Math.max(1, leaseLeft) + 2), FILL_WAIT_SLICE_MILLIS));
            fillWaiters.done(name, key.text(), signal);
        }
    }

    private Object missWithLease(TieredKey key, LeaseHolder leases, SingleFlight.Flight mine, String token,
                                 LoadTicket.StaleValue stale) {
        stats.l2Misses.increment();
        loading(mine);
        leases.hold(name, key, new LoadTicket(token, System.nanoTime(), mine, stale, false));
        trace(ReadSource.DB);
        return null;
    }

    private static void loading(SingleFlight.Flight flight) {
        if (flight != null) {
            flight.loading();
        }
    }

    /**
     * Takes the lease to refresh a value that L1 holds and finds due. Redis judges again on its own copy: a
     * copy another node already refreshed is not due, and comes back to replace this node's L1 copy.
     * Answers whether the lease was granted.
     */
    private boolean refreshLease(TieredKey key, LeaseHolder leases, ReadClock readClock) {
        String token = newToken();
        long readStamp = l1.readStamp();
        Lookup lookup = runtime.l2("refreshLease", name, key,
                () -> timedRead(() -> store.get(l2Name, key.text(), token, readClock)), () -> null);
        if (lookup instanceof Lookup.Hit hit && hit.refreshLease()) {
            stats.earlyRefreshes.increment();
            leases.hold(name, key, new LoadTicket(token, System.nanoTime(), null, null, false));
            return true;
        }
        if (lookup instanceof Lookup.Hit hit) {
            Object value = decode(key, hit.data());
            if (value != null) {
                l1.putFromRead(key, value, hit.version(), readStamp, hit.expiresAt(), hit.loadMillis());
            }
        }
        return false;
    }

    private LoadTicket.StaleValue staleOf(TieredKey key, Lookup.Expired expired) {
        if (!readPolicy.servesStale()) {
            return null;
        }
        Object value = decode(key, expired.data());
        return value == null ? null : new LoadTicket.StaleValue(value, expired.version(), expired.expiresAt());
    }

    private ReadClock readClock(boolean mayRefresh) {
        if (!readPolicy.tracksExpiry()) {
            return ReadClock.NONE;
        }
        return new ReadClock(clock.millis(), mayRefresh && readPolicy.earlyRefresh() ? earlyFactor() : Double.NaN);
    }

    /** XFetch's draw: {@code -beta * ln(rand)}, rand in (0, 1]. */
    private double earlyFactor() {
        double rand = 1.0 - ThreadLocalRandom.current().nextDouble();
        return -readPolicy.earlyRefreshBeta() * Math.log(rand);
    }

    /**
     * The values of these keys, in order (null where no tier has one; {@link PendingDelete} where a
     * write-behind delete is pending): L1 first, then every L1 miss from L2 in one round trip. With
     * {@code leases} (not {@link LeaseHolder#NONE}), each miss that Redis grants a lease to gets a ticket
     * there, and a key known absent gets an absent ticket; nothing waits.
     */
    public List<Object> getAll(List<TieredKey> keys, LeaseHolder leases) {
        List<Object> values = new ArrayList<>(Collections.nCopies(keys.size(), null));
        List<Integer> misses = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            L1Entry entry = l1.get(keys.get(i));
            if (entry != null && (entry.expiresAt() < 0 || clock.millis() < entry.expiresAt())) {
                stats.l1Hits.increment();
                values.set(i, entry.value());
            } else {
                stats.l1Misses.increment();
                misses.add(i);
            }
        }
        if (misses.isEmpty()) {
            return values;
        }
        long readStamp = l1.readStamp();
        String token = leases == LeaseHolder.NONE ? null : newToken();
        List<String> texts = misses.stream().map(i -> keys.get(i).text()).toList();
        List<Lookup> lookups = runtime.l2("getAll", name, texts.size() + " keys",
                () -> timedRead(() -> store.getAll(l2Name, texts, token, readClock(false))), () -> null);
        for (int m = 0; m < misses.size(); m++) {
            TieredKey key = keys.get(misses.get(m));
            Lookup lookup = lookups == null ? null : lookups.get(m);
            Object value = fromL2(key, lookup, readStamp);
            if (value != null) {
                values.set(misses.get(m), value);
                continue;
            }
            stats.l2Misses.increment();
            if (lookup instanceof Lookup.Absent) {
                leases.hold(name, key, LoadTicket.knownAbsent());
            } else if (lookup instanceof Lookup.Miss miss && miss.leaseGranted()) {
                leases.hold(name, key, new LoadTicket(token, System.nanoTime(), null, null, false));
            } else if (lookup instanceof Lookup.Expired expired && expired.leaseGranted()) {
                leases.hold(name, key, new LoadTicket(token, System.nanoTime(), null, staleOf(key, expired), false));
            }
        }
        return values;
    }

    /** {@link #getAll(List, LeaseHolder)} taking no leases. */
    public List<Object> getAll(List<TieredKey> keys) {
        return getAll(keys, LeaseHolder.NONE);
    }

    /**
     * Puts what a reader loaded from the database: fenced in L2 by its lease and version, then in L1; ends
     * the reader's flight (its waiters get the value if it landed, else look again) and wakes readers on
     * other nodes that wait for it. While Redis is unreachable, L1 only (its entries then live no longer
     * than the degraded TTL).
     */
    public boolean putFromLoad(TieredKey key, Object value, long version, LeaseHolder leases) {
        LoadTicket ticket = leases.take(name, key);
        loaded(ticket, false);
        String lease = ticket == null ? null : ticket.token();
        long loadMillis = ticket == null ? Lookup.NONE : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ticket.startedNanos());
        SingleFlight.Flight flight = ticket == null ? null : ticket.flight();
        long readStamp = l1.readStamp();
        long expiresAt = expiresAt();
        if (!runtime.breaker().allowsCalls()) {
            boolean kept = l1.putFromRead(key, value, version, readStamp, expiresAt, loadMillis);
            flights.land(key, flight, kept ? value : SingleFlight.Outcome.RETRY);
            return kept;
        }
        byte[] bytes = encode(key, value);
        if (bytes == null) {
            releaseUnused(key, ticket);
            return false;
        }
        PutOutcome outcome = runtime.l2("putFromLoad", name, key,
                () -> store.putFromLoad(l2Name, key.text(), lease, version, bytes, physicalTtl(), expiresAt, loadMillis), () -> null);
        boolean kept;
        if (outcome != null && outcome.stored()) {
            stats.l2Puts.increment();
            kept = l1.putFromRead(key, value, version, readStamp, expiresAt, loadMillis);
            if (outcome.wakesWaiters()) {
                runtime.publishFilled(name, key.text());
            }
            flights.land(key, flight, value);
            return kept;
        }
        if (outcome == null) {
            kept = l1.putFromRead(key, value, version, readStamp, expiresAt, loadMillis);
            flights.land(key, flight, kept ? value : SingleFlight.Outcome.RETRY);
            return kept;
        }
        stats.l2PutsRefused.increment();
        if (outcome == PutOutcome.REFUSED_SAME_VERSION) {
            // Another node's fill of this version landed first: ours equals L2's, so L1 may hold it.
            kept = l1.putFromRead(key, value, version, readStamp, expiresAt, loadMillis);
            flights.land(key, flight, kept ? value : SingleFlight.Outcome.RETRY);
            return kept;
        }
        flights.land(key, flight, SingleFlight.Outcome.RETRY);
        return false;
    }

    /**
     * Counts a load from the database, and times it from its ticket when it has one. A ticket marked absent
     * was the negative cache's answer: nothing was loaded.
     */
    private void loaded(LoadTicket ticket, boolean absent) {
        if (ticket != null && ticket.absent()) {
            return;
        }
        stats.dbLoads.increment();
        if (absent) {
            stats.dbAbsent.increment();
        }
        if (ticket != null) {
            stats.dbLoadTime.record(System.nanoTime() - ticket.startedNanos());
        }
    }

    /** A fill of {@link #putAllFromLoad}: a loaded value and its version. */
    public record Loaded(TieredKey key, Object value, long version) {
    }

    /**
     * {@link #putFromLoad} for many keys, in one L2 round trip. Each goes under its ticket in {@code leases}
     * (a key without one is fenced by its version alone).
     */
    public void putAllFromLoad(List<Loaded> loaded, LeaseHolder leases) {
        putAllFromLoad(loaded, List.of(), leases);
    }

    /**
     * {@link #putFromLoad} for {@code loaded} and {@link #putAbsent} for {@code absent} (keys the database
     * had no row for), all in one L2 round trip.
     */
    public void putAllFromLoad(List<Loaded> loaded, List<TieredKey> absent, LeaseHolder leases) {
        if (loaded.isEmpty() && absent.isEmpty()) {
            return;
        }
        long readStamp = l1.readStamp();
        long expiresAt = expiresAt();
        List<RedisEntryStore.Fill> fills = new ArrayList<>(loaded.size());
        List<Loaded> encoded = new ArrayList<>(loaded.size());
        List<LoadTicket> tickets = new ArrayList<>(loaded.size());
        for (Loaded one : loaded) {
            LoadTicket ticket = leases.take(name, one.key());
            loaded(ticket, false);
            byte[] bytes = encode(one.key(), one.value());
            if (bytes == null) {
                releaseUnused(one.key(), ticket);
                continue;
            }
            long loadMillis = ticket == null ? Lookup.NONE : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ticket.startedNanos());
            fills.add(new RedisEntryStore.Fill(one.key().text(), ticket == null ? null : ticket.token(), one.version(),
                    bytes, expiresAt, loadMillis));
            encoded.add(one);
            tickets.add(ticket);
        }
        List<TieredKey> absentKeys = new ArrayList<>(absent.size());
        List<RedisEntryStore.Absence> absences = new ArrayList<>(absent.size());
        for (TieredKey key : absent) {
            LoadTicket ticket = leases.take(name, key);
            loaded(ticket, true);
            if (ticket == null || ticket.absent()) {
                continue;
            }
            flights.land(key, ticket.flight(), SingleFlight.Outcome.ABSENT);
            if (ticket.token() != null) {
                absentKeys.add(key);
                absences.add(new RedisEntryStore.Absence(key.text(), ticket.token(),
                        readPolicy.cachesAbsence() ? readPolicy.negativeTtl() : null));
            }
        }
        RedisEntryStore.Outcomes outcomes = runtime.breaker().allowsCalls()
                ? runtime.l2("putAllFromLoad", name, (fills.size() + absences.size()) + " keys",
                        () -> store.putFromLoadAll(l2Name, fills, physicalTtl(), absences), () -> null)
                : null;
        for (int i = 0; i < encoded.size(); i++) {
            Loaded one = encoded.get(i);
            PutOutcome outcome = outcomes == null ? null : outcomes.fills().get(i);
            SingleFlight.Flight flight = tickets.get(i) == null ? null : tickets.get(i).flight();
            if (outcome == null || outcome.stored()) {
                if (outcome != null) {
                    stats.l2Puts.increment();
                    if (outcome.wakesWaiters()) {
                        runtime.publishFilled(name, one.key().text());
                    }
                }
                l1.putFromRead(one.key(), one.value(), one.version(), readStamp, expiresAt, fills.get(i).loadMillis());
                flights.land(one.key(), flight, one.value());
            } else if (outcome == PutOutcome.REFUSED_SAME_VERSION) {
                // Another node's fill of this version landed first: ours equals L2's, so L1 may hold it.
                stats.l2PutsRefused.increment();
                boolean kept = l1.putFromRead(one.key(), one.value(), one.version(), readStamp, expiresAt,
                        fills.get(i).loadMillis());
                flights.land(one.key(), flight, kept ? one.value() : SingleFlight.Outcome.RETRY);
            } else {
                stats.l2PutsRefused.increment();
                flights.land(one.key(), flight, SingleFlight.Outcome.RETRY);
            }
        }
        for (int i = 0; outcomes != null && i < absentKeys.size(); i++) {
            if (absences.get(i).negativeTtl() != null) {
                stats.negativePuts.increment();
            }
            if (outcomes.absencesWaking().get(i)) {
                runtime.publishFilled(name, absentKeys.get(i).text());
            }
        }
    }

    /**
     * The reader found no row for the key: remember that in L2 for the negative TTL (when the region's
     * policy caches absence and the reader holds the lease); its waiters learn it either way.
     */
    public void putAbsent(TieredKey key, LeaseHolder leases) {
        LoadTicket ticket = leases.take(name, key);
        loaded(ticket, true);
        if (ticket == null || ticket.absent()) {
            return;
        }
        flights.land(key, ticket.flight(), SingleFlight.Outcome.ABSENT);
        if (!readPolicy.cachesAbsence() || ticket.token() == null) {
            releaseUnused(key, new LoadTicket(ticket.token(), 0, null, null, false));
            return;
        }
        PutOutcome outcome = runtime.l2("putAbsent", name, key,
                () -> store.putAbsent(l2Name, key.text(), ticket.token(), readPolicy.negativeTtl()), () -> null);
        if (outcome != null && outcome.stored()) {
            stats.negativePuts.increment();
            if (outcome.wakesWaiters()) {
                runtime.publishFilled(name, key.text());
            }
        }
    }

    /**
     * A row was inserted for this key (its transaction committed): ends the negative cache's "no such row"
     * for it. While Redis is unreachable the key is owed an invalidation instead.
     */
    public void inserted(TieredKey key) {
        if (!readPolicy.cachesAbsence()) {
            return;
        }
        boolean done = runtime.l2("clearAbsent", name, key, () -> {
            store.clearAbsent(l2Name, key.text());
            return true;
        }, () -> false);
        if (!done) {
            owe(key, -1);
        }
    }

    /**
     * The reader will not put what it loaded (its load failed, or it found nothing to cache): its waiters
     * look again, and its lease goes back to Redis so that another reader may take it now.
     */
    public void abandon(TieredKey key, LeaseHolder leases) {
        LoadTicket ticket = leases.take(name, key);
        if (ticket != null) {
            releaseUnused(key, ticket);
        }
    }

    /** {@link #abandon} for a ticket already taken from its holder. */
    public void abandon(TieredKey key, LoadTicket ticket) {
        if (ticket != null) {
            releaseUnused(key, ticket);
        }
    }

    private void releaseUnused(TieredKey key, LoadTicket ticket) {
        if (ticket == null) {
            return;
        }
        flights.land(key, ticket.flight(), SingleFlight.Outcome.RETRY);
        if (ticket.token() != null) {
            boolean waking = Boolean.TRUE.equals(runtime.l2("releaseLease", name, key,
                    () -> store.releaseLease(l2Name, key.text(), ticket.token()), () -> false));
            if (waking) {
                runtime.publishFilled(name, key.text());
            }
        }
    }

    /**
     * The expired value this reader may serve now that its load failed (stale-if-error), or null: only a
     * value that expired by TTL, no more than the policy's maximum staleness ago. Records its age for
     * {@link ReadTrace}.
     */
    public LoadTicket.StaleValue staleAfterFailure(LoadTicket ticket) {
        if (ticket == null || ticket.stale() == null || !readPolicy.servesStale()) {
            return null;
        }
        long age = clock.millis() - ticket.stale().expiredAt();
        if (age > readPolicy.staleIfError().toMillis()) {
            stats.staleRefused.increment();
            return null;
        }
        stats.staleServed.increment();
        if (traced) {
            ReadTrace.stale(Math.max(0, age));
        }
        return ticket.stale();
    }

    /** The logical expiry of a value stored now, when the policy tracks one. */
    private long expiresAt() {
        return readPolicy.tracksExpiry() || refreshesAhead ? clock.millis() + l2Ttl.toMillis() : Lookup.NONE;
    }

    /**
     * Refresh-ahead of one hot key: when L1 does not hold it with more than {@code window} of its life left,
     * asks Redis for the key's lease (granted when no other reader holds it, and the value is missing or
     * within its refresh window). Answers whether this caller got it: it then loads and puts.
     */
    public boolean refreshAheadIfDue(TieredKey key, Duration window, LeaseHolder leases) {
        refreshesAhead = true;
        long now = clock.millis();
        L1Entry entry = l1.peek(key);
        if (entry != null && entry.expiresAt() >= 0 && entry.expiresAt() - now > window.toMillis()) {
            return false;
        }
        // Redis judges on its own copy (another node may have refreshed it), and grants the lease when it is
        // due, missing or expired, and no other reader holds it.
        String token = newToken();
        long readStamp = l1.readStamp();
        Lookup lookup = runtime.l2("refreshAhead", name, key, () -> store.get(l2Name, key.text(), token,
                ReadClock.refreshAhead(now, window.toMillis())), () -> null);
        boolean granted = lookup instanceof Lookup.Hit hit && hit.refreshLease()
                || lookup instanceof Lookup.Miss miss && miss.leaseGranted()
                || lookup instanceof Lookup.Expired expired && expired.leaseGranted();
        if (granted) {
            stats.refreshesAhead.increment();
            leases.hold(name, key, new LoadTicket(token, System.nanoTime(), null, null, false));
        } else if (lookup instanceof Lookup.Hit hit) {
            Object value = decode(key, hit.data());
            if (value != null) {
                l1.putFromRead(key, value, hit.version(), readStamp, hit.expiresAt(), hit.loadMillis());
            }
        }
        return granted;
    }

    /** How long Redis keeps a value: its TTL, plus the time it may be served stale after it. */
    private Duration physicalTtl() {
        return readPolicy.servesStale() ? l2Ttl.plus(readPolicy.staleIfError()) : l2Ttl;
    }

    /**
     * A new row's value after its insert commits: fenced in L2 (by version; unversioned, only into an empty
     * key), then L1.
     */
    public boolean putOwnWrite(TieredKey key, Object value, long version) {
        byte[] bytes = encode(key, value);
        if (bytes == null) {
            invalidate(key, deadUpTo(version));
            return false;
        }
        long expiresAt = expiresAt();
        PutOutcome outcome = runtime.l2("putNew", name, key, () -> store.putNew(l2Name, key.text(), version, bytes, physicalTtl(), expiresAt), () -> null);
        if (outcome == null) {
            // Redis unreachable: owe a tombstone so that no node keeps or refills an older copy.
            owe(key, deadUpTo(version));
            l1.putOwnWrite(key, value, version);
            return false;
        }
        if (outcome.stored()) {
            stats.l2Puts.increment();
            l1.putOwnWrite(key, value, version, expiresAt);
            if (outcome.wakesWaiters()) {
                runtime.publishFilled(name, key.text());
            }
            return true;
        }
        stats.l2PutsRefused.increment();
        l1.invalidate(key, version);
        return false;
    }

    /**
     * A write-behind write: the new state (null: a delete) goes to L2, pinned, together with its change
     * record in the queue, in one atomic step; then to L1, and every node is told. Returns the queue's
     * answer, or null when Redis is unreachable (the caller then writes to the database itself).
     */
    public <R> R writeBehind(TieredKey key, Object value, long version,
                             java.util.function.Function<byte[], R> enqueue, java.util.function.Predicate<R> stored) {
        byte[] bytes = null;
        if (value != null) {
            bytes = encode(key, value);
            if (bytes == null) {
                throw new IllegalArgumentException("The new state of " + key + " cannot be stored in L2: see the log");
            }
        }
        byte[] data = bytes;
        R result = runtime.l2("writeBehind", name, key, () -> enqueue.apply(data), () -> null);
        if (result != null && stored.test(result)) {
            stats.l2Puts.increment();
            l1.putOwnWrite(key, value == null ? new PendingDelete(version) : value, version);
            broadcast(key, version);
        }
        return result;
    }

    /** The bytes this region stores for {@code value} (throws if the codec cannot encode it). */
    public byte[] encodeValue(Object value) {
        return codec.encode(value);
    }

    /** The value these bytes stand for (throws if they are not a value of this region). */
    public Object decodeValue(byte[] bytes) {
        return codec.decode(bytes);
    }

    /**
     * Locks the key in L2 before a database write of the entity now at {@code currentVersion} (-1:
     * unversioned); returns the lock token (null when Redis is unreachable). The lock script also tells
     * every node to drop its copies older than the write's version: should this JVM die between its commit
     * and its after-commit invalidation, no node serves the old value from L1 (JvmKilledMidTransactionTest).
     */
    public String lock(TieredKey key, long currentVersion) {
        String token = newToken();
        TieredRuntime.LockAnnouncement announcement = runtime.lockAnnouncement(name, key.text(),
                currentVersion < 0 ? -1 : currentVersion + 1);
        boolean locked = runtime.l2("lock", name, key, () -> {
            store.lock(l2Name, key.text(), token, announcement.channel(), announcement.message());
            return true;
        }, () -> false);
        return locked ? token : null;
    }

    /** The write committed with a new value: store it (fenced), release the lock, tell every node. */
    public boolean afterUpdate(TieredKey key, String lockToken, Object value, long version) {
        byte[] bytes = encode(key, value);
        if (bytes == null) {
            afterRemove(key, lockToken, deadUpTo(version));
            return false;
        }
        long expiresAt = expiresAt();
        PutOutcome outcome = runtime.l2("afterUpdate", name, key, () -> lockToken != null
                ? store.releaseAfterUpdate(l2Name, key.text(), lockToken, version, bytes, physicalTtl(), expiresAt)
                : store.put(l2Name, key.text(), version, bytes, physicalTtl(), expiresAt), () -> null);
        if (outcome == null) {
            owe(key, deadUpTo(version));
            l1.invalidate(key, -1);
            return false;
        }
        if (outcome.stored()) {
            stats.l2Puts.increment();
            l1.putOwnWrite(key, value, version, expiresAt);
        } else {
            stats.l2PutsRefused.increment();
            l1.invalidate(key, version);
        }
        broadcast(key, version);
        return outcome.stored();
    }

    /** A delete committed (or a write whose new state must not be cached): tombstone, release, tell every node. */
    public void afterRemove(TieredKey key, String lockToken, long version) {
        l1.invalidate(key, -1);
        boolean done = runtime.l2("afterRemove", name, key, () -> {
            if (lockToken != null) {
                store.releaseAfterRemove(l2Name, key.text(), lockToken, version);
            } else {
                store.invalidate(l2Name, key.text(), version);
            }
            return true;
        }, () -> false);
        // Every version up to the removed one is dead: other nodes keep only newer L1 entries.
        if (done) {
            broadcast(key, lowestLive(version));
        } else {
            owe(key, version);
        }
    }

    /** The write rolled back: release the lock; every tier keeps what it had. */
    public void afterRollback(TieredKey key, String lockToken) {
        if (lockToken != null) {
            runtime.l2("afterRollback", name, key, () -> {
                store.releaseAfterRollback(l2Name, key.text(), lockToken);
                return true;
            }, () -> false);
            // If this fails the lock expires by itself into a tombstone: a miss, never a wrong value.
        }
    }

    /** Evicts the key everywhere (a tombstone in L2 refuses older late puts). */
    public void invalidate(TieredKey key, long version) {
        afterRemove(key, null, version);
    }

    /** Evicts the whole region everywhere. */
    public void clear() {
        l1.clear();
        boolean done = runtime.l2("clear", name, "*", () -> {
            store.clearRegion(l2Name);
            return true;
        }, () -> false);
        if (done) {
            stats.invalidationsSent.increment();
            runtime.publish(Invalidation.region(runtime.nodeId(), name), null);
        } else {
            runtime.pending().addRegion(name);
        }
    }

    /** What L1 holds for this key text, without counting a hit or a miss (for checkers and diagnostics). */
    public L1Entry peekL1(String keyText) {
        return l1.peek(TieredKey.ofText(keyText));
    }

    public boolean containsInL1(TieredKey key) {
        return l1.contains(key);
    }

    void clearL1() {
        l1.clear();
    }

    /** Drops this node's L1 copy of the key if it is older than {@code lowestLive} (-1: any copy). */
    void dropL1(String keyText, long lowestLive) {
        l1.invalidate(TieredKey.ofText(keyText), lowestLive);
    }

    void onRemoteInvalidation(Invalidation invalidation) {
        stats.invalidationsReceived.increment();
        if (invalidation.sentAtMicros() > 0) {
            // Wall clocks of two nodes: see RegionSnapshot.Invalidations for what skew does to this.
            stats.propagationDelay.record((Invalidation.nowMicros() - invalidation.sentAtMicros()) * 1_000);
        }
        if (invalidation.kind() == Invalidation.Kind.REGION) {
            l1.clear();
        } else {
            l1.invalidate(TieredKey.ofText(invalidation.keyText()), invalidation.version());
        }
    }

    /**
     * Another node locked the key to write it: drop copies older than the version its write may make live.
     * Not counted as an invalidation: the write's own invalidation follows its commit.
     */
    void onLockedElsewhere(Invalidation locked) {
        l1.invalidate(TieredKey.ofText(locked.keyText()), locked.version());
    }

    private void broadcast(TieredKey key, long version) {
        runtime.recordWrite(name, key.text(), version < 0 ? -1 : version - 1);
        stats.invalidationsSent.increment();
        runtime.publish(Invalidation.key(runtime.nodeId(), name, key.text(), version), key.text());
    }

    /** Owes Redis a tombstone for every version up to {@code deadUpTo}, and the message that says so. */
    private void owe(TieredKey key, long deadUpTo) {
        runtime.pending().add(name, key.text(), deadUpTo);
    }

    /** The versions a write at {@code version} makes dead: all before it (none known when unversioned). */
    private static long deadUpTo(long version) {
        return version < 0 ? -1 : version - 1;
    }

    /** The lowest version still alive once every version up to {@code deadUpTo} is dead. */
    static long lowestLive(long deadUpTo) {
        return deadUpTo < 0 ? -1 : deadUpTo + 1;
    }

    /**
     * A script found this region's L2 entry for {@code keyText} holding what the library does not write (a key
     * of another Redis type, fields not of the library's form) and repaired it: counted, logged once as a
     * warning, then at debug.
     */
    void onL2Repair(String keyText) {
        stats.l2Repairs.increment();
        if (stats.l2Repairs.sum() == 1) {
            log.warn("The L2 entry of {} in region {} held what this library does not write (a key of another Redis type, "
                    + "or fields not of its form); the script dropped it. Something else writes under this key prefix?",
                    keyText, name);
        } else {
            log.debug("Repaired the L2 entry of {} in region {}", keyText, name);
        }
    }

    private Object decode(TieredKey key, byte[] bytes) {
        try {
            Object value = codec.decode(bytes);
            stats.recordEncodedSize(bytes.length);
            return value;
        } catch (RuntimeException undecodable) {
            stats.decodeFailures.increment();
            if (stats.decodeFailures.sum() == 1) {
                log.warn("Undecodable L2 value for {} in region {}: treated as a miss and removed ({})",
                        key, name, undecodable.getMessage());
            } else {
                log.debug("Undecodable L2 value for {} in region {}", key, name, undecodable);
            }
            boolean removed = runtime.l2("remove", name, key, () -> store.remove(l2Name, key.text()), () -> false);
            if (!removed) {
                log.warn("Undecodable pinned L2 value for {} in region {} (a write-behind write is pending): kept for the flusher",
                        key, name);
            }
            return null;
        }
    }

    private byte[] encode(TieredKey key, Object value) {
        try {
            byte[] bytes = codec.encode(value);
            stats.recordEncodedSize(bytes.length);
            return bytes;
        } catch (RuntimeException unencodable) {
            log.warn("Cannot encode a value for {} in region {}; it stays out of L2: {}", key, name, unencodable.getMessage());
            return null;
        }
    }

    private static String newToken() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong());
    }
}
