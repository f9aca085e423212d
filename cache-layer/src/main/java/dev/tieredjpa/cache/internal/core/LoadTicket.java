package dev.tieredjpa.cache.internal.core;

/**
 * What a reader that missed holds until it has loaded the key: its lease in Redis (null when none was
 * granted: Redis down, or another node's lease outlived the wait), when its load began (XFetch learns the
 * load time from it), the local flight that other threads of this JVM wait on (null for a refresh, which
 * nobody waits for), the expired value it may serve if the load fails, and whether the key is known absent
 * (then the reader must not load at all).
 */
public record LoadTicket(String token, long startedNanos, SingleFlight.Flight flight, StaleValue stale, boolean absent) {

    static LoadTicket knownAbsent() {
        return new LoadTicket(null, System.nanoTime(), null, null, true);
    }

    /** An expired value kept for stale-if-error: the value, its version and when it expired (ms). */
    public record StaleValue(Object value, long version, long expiredAt) {
    }
}
