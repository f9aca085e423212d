package dev.tieredjpa.cache.internal.hibernate;

import dev.tieredjpa.cache.TieredRegionFactory;
import dev.tieredjpa.cache.internal.core.LeaseHolder;
import dev.tieredjpa.cache.internal.core.LoadTicket;
import dev.tieredjpa.cache.internal.core.TieredKey;
import dev.tieredjpa.cache.internal.core.TieredRegion;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import java.util.HashMap;
import java.util.Map;
import org.hibernate.cache.spi.CacheTransactionSynchronization;
import org.hibernate.cache.spi.RegionFactory;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

/**
 * A session's view of the cache: its caching timestamp (from the local clock, so that opening a session
 * never touches Redis), the leases Redis granted its reads until it puts what it loaded, and the outcome
 * of its transaction for the write locks it holds.
 *
 * <p>Why the outcome is needed: after a delete Hibernate calls {@code unlockItem} whether the transaction
 * committed or rolled back. A committed delete must leave a tombstone; a rolled-back one must leave every
 * tier as it was. A JTA-style synchronization registered with the lock tells them apart; Hibernate
 * notifies it before it runs the after-completion actions that unlock.
 */
public final class TieredTransaction implements CacheTransactionSynchronization, LeaseHolder {

    private record LeaseKey(String region, TieredKey key) {
    }

    private final RegionFactory regionFactory;
    private final SharedSessionContractImplementor session;
    private final Map<LeaseKey, LoadTicket> tickets = new HashMap<>();
    /** Expired values to answer from the cache once, after their reload failed (stale-if-error). */
    private final Map<LeaseKey, Object> answers = new HashMap<>();
    private java.util.List<Map.Entry<TieredRegion, TieredRegion.Loaded>> deferred;
    private final Map<LeaseKey, WriteLock> locks = new HashMap<>();
    private long cachingTimestamp;
    private boolean bypass;

    TieredTransaction(RegionFactory regionFactory, SharedSessionContractImplementor session) {
        this.regionFactory = regionFactory;
        this.session = session;
        this.cachingTimestamp = regionFactory.nextTimestamp();
    }

    @Override
    public long getCachingTimestamp() {
        return cachingTimestamp;
    }

    @Override
    public void transactionJoined() {
        cachingTimestamp = regionFactory.nextTimestamp();
    }

    @Override
    public void transactionCompleting() {
    }

    @Override
    public void transactionCompleted(boolean successful) {
        abandonTickets();
        answers.clear();
        deferred = null;
        locks.clear();
    }

    /**
     * Tickets not used by now belong to loads that did not put: their waiters look again and their leases
     * go back to Redis.
     */
    void abandonTickets() {
        if (tickets.isEmpty()) {
            return;
        }
        Map<String, TieredRegion> regions = regionFactory instanceof TieredRegionFactory tiered && tiered.runtime() != null
                ? tiered.runtime().regions() : Map.of();
        Map<LeaseKey, LoadTicket> left = new HashMap<>(tickets);
        tickets.clear();
        left.forEach((leaseKey, ticket) -> {
            TieredRegion region = regions.get(leaseKey.region());
            if (region != null) {
                region.abandon(leaseKey.key(), ticket);
            }
        });
    }

    @Override
    public void hold(String region, TieredKey key, LoadTicket ticket) {
        tickets.put(new LeaseKey(region, key), ticket);
    }

    @Override
    public LoadTicket take(String region, TieredKey key) {
        return tickets.remove(new LeaseKey(region, key));
    }

    @Override
    public LoadTicket find(String region, TieredKey key) {
        return tickets.isEmpty() ? null : tickets.get(new LeaseKey(region, key));
    }

    /**
     * The next cache read of this key in this session answers {@code value}, without asking L1 or L2: a
     * value this session already read (a multi-get's batch), or an expired value served stale.
     */
    void answer(String region, TieredKey key, Object value) {
        answers.put(new LeaseKey(region, key), value);
    }

    Object takeAnswer(String region, TieredKey key) {
        return answers.isEmpty() ? null : answers.remove(new LeaseKey(region, key));
    }

    /** From now until {@link #takeDeferredPuts}, puts of loaded values are collected, to be made in one round trip. */
    void deferPuts() {
        deferred = new java.util.ArrayList<>();
    }

    boolean defersPuts() {
        return deferred != null;
    }

    void defer(TieredRegion region, TieredRegion.Loaded loaded) {
        deferred.add(Map.entry(region, loaded));
    }

    java.util.List<Map.Entry<TieredRegion, TieredRegion.Loaded>> takeDeferredPuts() {
        var taken = deferred == null ? java.util.List.<Map.Entry<TieredRegion, TieredRegion.Loaded>>of() : deferred;
        deferred = null;
        return taken;
    }

    /** Whether this session holds a write lock on the key (its after-completion will settle the key). */
    boolean holdsLock(String region, TieredKey key) {
        return locks.containsKey(new LeaseKey(region, key));
    }

    /** Remembers {@code lock} and arranges for it to learn whether this session's transaction committed. */
    void track(String region, TieredKey key, WriteLock lock) {
        locks.put(new LeaseKey(region, key), lock);
        if (session.isTransactionInProgress()) {
            session.getTransactionCoordinator().getLocalSynchronizations().registerSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                }

                @Override
                public void afterCompletion(int status) {
                    lock.completed(status == Status.STATUS_COMMITTED);
                }
            });
        }
    }

    /**
     * Makes this session leave the cache alone: no reads, fills, locks or invalidations. For the
     * write-behind flusher, which writes to the database what L2 already holds, pinned.
     */
    public static void bypassCache(SharedSessionContractImplementor session) {
        of(session).bypass = true;
    }

    static boolean bypassed(SharedSessionContractImplementor session) {
        return of(session).bypass;
    }

    static TieredTransaction of(SharedSessionContractImplementor session) {
        return (TieredTransaction) session.getCacheTransactionSynchronization();
    }
}
