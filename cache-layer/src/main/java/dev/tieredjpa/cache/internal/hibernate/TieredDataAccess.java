package dev.tieredjpa.cache.internal.hibernate;

import dev.tieredjpa.cache.internal.core.TieredKey;
import dev.tieredjpa.cache.internal.core.TieredRegion;
import org.hibernate.cache.spi.DomainDataRegion;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.cache.spi.access.CachedDomainDataAccess;
import org.hibernate.cache.spi.access.SoftLock;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

/**
 * What entity, collection and natural-id access share: reads and fills through the tiered region, and
 * the write protocol keyed by access type.
 *
 * <p>The call sequences Hibernate makes, and what each step does here:
 * <ul>
 *   <li>load: {@code get} (L1, L2; a miss takes a lease) -> database -> {@code putFromLoad} (fenced by the
 *       lease and the version).</li>
 *   <li>insert: {@code insert} (nothing) -> commit -> {@code afterInsert} (put, fenced by version).</li>
 *   <li>update: {@code lockItem} (READ_WRITE: an L2 lock that revokes leases) -> {@code update} (nothing)
 *       -> commit -> {@code afterUpdate} (READ_WRITE: store the new version and release; NONSTRICT: evict),
 *       or rollback -> {@code unlockItem} (release only: every tier keeps its value).</li>
 *   <li>delete, and collection changes: {@code lockItem} -> {@code remove} (nothing: settled after
 *       completion) -> {@code unlockItem}: after a commit a tombstone at the old version, after a rollback
 *       a plain release.</li>
 * </ul>
 * READ_ONLY and NONSTRICT_READ_WRITE take no L2 lock: their guarantee, as in Hibernate, allows a short
 * window after commit in which the old value can still be read; the tombstone after it still refuses the
 * old value's return.
 */
public abstract class TieredDataAccess implements CachedDomainDataAccess {

    private static final SoftLock REGION_LOCK = new SoftLock() {
    };
    /** The lock of a session that leaves the cache alone (the write-behind flusher). */
    private static final SoftLock BYPASSED = new SoftLock() {
    };

    private final DomainDataRegion hibernateRegion;
    final TieredRegion region;

    /** The tiered region this access reads and writes. */
    public TieredRegion tieredRegion() {
        return region;
    }

    final AccessType accessType;

    TieredDataAccess(DomainDataRegion hibernateRegion, TieredRegion region, AccessType accessType) {
        this.hibernateRegion = hibernateRegion;
        this.region = region;
        this.accessType = accessType;
    }

    @Override
    public DomainDataRegion getRegion() {
        return hibernateRegion;
    }

    @Override
    public AccessType getAccessType() {
        return accessType;
    }

    @Override
    public Object get(SharedSessionContractImplementor session, Object key) {
        if (TieredTransaction.bypassed(session)) {
            return null;
        }
        TieredTransaction transaction = TieredTransaction.of(session);
        Object answer = transaction.takeAnswer(region.name(), (TieredKey) key);
        if (answer != null) {
            return answer;
        }
        return region.get((TieredKey) key, transaction);
    }

    @Override
    public boolean putFromLoad(SharedSessionContractImplementor session, Object key, Object value, Object version) {
        if (TieredTransaction.bypassed(session)) {
            return false;
        }
        TieredTransaction transaction = TieredTransaction.of(session);
        if (transaction.defersPuts()) {
            transaction.defer(region, new TieredRegion.Loaded((TieredKey) key, value, Versions.of(version)));
            return true;
        }
        return region.putFromLoad((TieredKey) key, value, Versions.of(version), transaction);
    }

    @Override
    public boolean putFromLoad(SharedSessionContractImplementor session, Object key, Object value, Object version,
                               boolean minimalPutOverride) {
        if (minimalPutOverride && region.containsInL1((TieredKey) key)) {
            return false;
        }
        return putFromLoad(session, key, value, version);
    }

    @Override
    public SoftLock lockItem(SharedSessionContractImplementor session, Object key, Object version) {
        if (TieredTransaction.bypassed(session)) {
            return BYPASSED;
        }
        TieredKey tieredKey = (TieredKey) key;
        long current = Versions.of(version);
        String token = accessType == AccessType.READ_WRITE ? region.lock(tieredKey, current) : null;
        WriteLock lock = new WriteLock(token, current);
        TieredTransaction.of(session).track(region.name(), tieredKey, lock);
        return lock;
    }

    @Override
    public void unlockItem(SharedSessionContractImplementor session, Object key, SoftLock lock) {
        TieredKey tieredKey = (TieredKey) key;
        if (lock == BYPASSED) {
            return;
        }
        if (!(lock instanceof WriteLock writeLock)) {
            region.invalidate(tieredKey, Versions.NONE);
        } else if (writeLock.rolledBack()) {
            region.afterRollback(tieredKey, writeLock.token());
        } else {
            region.afterRemove(tieredKey, writeLock.token(), writeLock.version());
        }
    }

    @Override
    public void remove(SharedSessionContractImplementor session, Object key) {
        TieredKey tieredKey = (TieredKey) key;
        if (!TieredTransaction.bypassed(session) && !TieredTransaction.of(session).holdsLock(region.name(), tieredKey)) {
            // No lock of ours will settle this key after completion: evict now (a miss is never wrong).
            region.invalidate(tieredKey, Versions.NONE);
        }
    }

    @Override
    public void removeAll(SharedSessionContractImplementor session) {
        // Settled by unlockRegion after the bulk operation.
    }

    @Override
    public boolean contains(Object key) {
        return region.containsInL1((TieredKey) key);
    }

    @Override
    public SoftLock lockRegion() {
        return REGION_LOCK;
    }

    @Override
    public void unlockRegion(SoftLock lock) {
        region.clear();
    }

    @Override
    public void evict(Object key) {
        region.invalidate((TieredKey) key, Versions.NONE);
    }

    @Override
    public void evictAll() {
        region.clear();
    }

    /**
     * After an insert committed: put, fenced by version; an unversioned value only into an empty key, since
     * a tombstone there means another node changed or deleted the row after this insert committed.
     */
    boolean afterInsert(TieredKey key, Object value, long version) {
        return region.putOwnWrite(key, value, version);
    }

    /** After an update committed: READ_WRITE stores the new state; the others evict the old one. */
    boolean afterUpdate(TieredKey key, Object value, long newVersion, long previousVersion, SoftLock lock) {
        if (accessType == AccessType.READ_ONLY) {
            throw new UnsupportedOperationException("Can't update a read-only entity in region " + region.name());
        }
        String token = lock instanceof WriteLock writeLock ? writeLock.token() : null;
        if (accessType == AccessType.READ_WRITE) {
            return region.afterUpdate(key, token, value, newVersion);
        }
        region.afterRemove(key, token, previousVersion);
        return false;
    }

    void refuseUpdateIfReadOnly() {
        if (accessType == AccessType.READ_ONLY) {
            throw new UnsupportedOperationException("Can't update a read-only entity in region " + region.name());
        }
    }
}
