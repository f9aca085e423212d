package dev.tieredjpa.cache.internal.hibernate;

import org.hibernate.cache.spi.access.SoftLock;

/**
 * A write in flight on one key: the token of its L2 lock (null when Redis could not be reached, or for
 * access types that take none), the version it replaces, and, once known, whether its transaction
 * committed.
 */
final class WriteLock implements SoftLock {

    private final String token;
    private final long version;
    /** null until the transaction completes; assumed committed if it never says (the safe side: evict). */
    private volatile Boolean committed;

    WriteLock(String token, long version) {
        this.token = token;
        this.version = version;
    }

    String token() {
        return token;
    }

    long version() {
        return version;
    }

    void completed(boolean committed) {
        this.committed = committed;
    }

    boolean rolledBack() {
        return Boolean.FALSE.equals(committed);
    }
}
