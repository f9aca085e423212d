package dev.tieredjpa.cache.internal.hibernate;

import dev.tieredjpa.cache.internal.core.LeaseHolder;
import dev.tieredjpa.cache.internal.core.TieredKey;
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
    private final Map<LeaseKey, String> leases = new HashMap<>();
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
        // Leases not used by now belong to loads that did not put: let them lapse in Redis.
        leases.clear();
        locks.clear();
    }

    @Override
    public void granted(String region, TieredKey key, String token) {
        leases.put(new LeaseKey(region, key), token);
    }

    @Override
    public String take(String region, TieredKey key) {
        return leases.remove(new LeaseKey(region, key));
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
