package dev.tieredjpa.cache.internal.l1;

/**
 * A value held in L1, with the version it was fenced by (-1: unversioned) and when it was stored.
 * Compared by identity, on purpose: L1's compare-and-set must replace exactly the entry it read.
 */
public final class L1Entry {

    private final Object value;
    private final long version;
    private final long storedAtNanos;

    L1Entry(Object value, long version, long storedAtNanos) {
        this.value = value;
        this.version = version;
        this.storedAtNanos = storedAtNanos;
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
