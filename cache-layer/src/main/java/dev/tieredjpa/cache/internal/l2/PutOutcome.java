package dev.tieredjpa.cache.internal.l2;

/** What became of a put into L2: stored, or refused by the fence, and why. */
public enum PutOutcome {

    /** The data and its version are in L2 now. */
    STORED,
    /** Stored, and readers on other nodes were waiting for this key: the caller must tell them. */
    STORED_WAKING,
    /** A write of the key is in flight (a live lock): the value may already be old. */
    REFUSED_LOCKED,
    /** The put came under a lease that is no longer this caller's (revoked by a write or an invalidation, expired, or taken over), or an unversioned put came with no lease. */
    REFUSED_LEASE_REVOKED,
    /** L2 already holds this version or a newer one. */
    REFUSED_OLDER_VERSION,
    /** A live tombstone carries this version or a newer one: the value was invalidated or deleted. */
    REFUSED_TOMBSTONE,
    /**
     * A fill without a lease found this very version already stored, by another reader's fill: not stored
     * again, but the caller's copy equals L2's, so it may go to L1 (as a stored value would).
     */
    REFUSED_SAME_VERSION;

    public boolean stored() {
        return this == STORED || this == STORED_WAKING;
    }

    public boolean wakesWaiters() {
        return this == STORED_WAKING;
    }

    static PutOutcome ofCode(long code) {
        return switch ((int) code) {
            case EntryScripts.STORED -> STORED;
            case EntryScripts.STORED_WAKING -> STORED_WAKING;
            case EntryScripts.REFUSED_LOCKED -> REFUSED_LOCKED;
            case EntryScripts.REFUSED_LEASE_REVOKED -> REFUSED_LEASE_REVOKED;
            case EntryScripts.REFUSED_OLDER_VERSION -> REFUSED_OLDER_VERSION;
            case EntryScripts.REFUSED_TOMBSTONE -> REFUSED_TOMBSTONE;
            case EntryScripts.REFUSED_SAME_VERSION -> REFUSED_SAME_VERSION;
            default -> throw new IllegalStateException("Unknown put outcome code from the L2 script: " + code);
        };
    }
}
