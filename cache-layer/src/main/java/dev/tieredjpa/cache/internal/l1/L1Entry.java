package dev.tieredjpa.cache.internal.l1;

/**
 * A value held in L1, with the version it was fenced by (-1: unversioned) and when it was stored.
 * Compared by identity, on purpose: L1's compare-and-set must replace exactly the entry it read.
 */
public final class L1Entry {

    private final Object value;
    private final long version;
    private final long storedAtNanos;
    private final long expiresAt;
    private final long loadMillis;

    L1Entry(Object value, long version, long storedAtNanos) {
        this(value, version, storedAtNanos, -1, -1);
    }

    L1Entry(Object value, long version, long storedAtNanos, long expiresAt, long loadMillis) {
        this.value = value;
        this.version = version;
        this.storedAtNanos = storedAtNanos;
        this.expiresAt = expiresAt;
        this.loadMillis = loadMillis;
    }

    /** The value's logical expiry, ms by the runtime's clock; -1: none (Ehcache's TTL alone). */
    public long expiresAt() {
        return expiresAt;
    }

    /** How long the value's load took, ms; -1: unknown. */
    public long loadMillis() {
        return loadMillis;
    }

    public Object value() {
        return value;
    }

    public long version() {
        return version;
    }

    long storedAtNanos() {
        return storedAtNanos;
    }
}
