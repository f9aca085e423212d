package dev.tieredjpa.cache.internal.resilience;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Whether the cache layer should call Redis at all. Closed: calls go through, and consecutive failures
 * are counted; {@code failureThreshold} of them in a row open it. Open: no calls until whoever owns the
 * breaker has probed Redis, replayed what it owes it, and {@link #close() closed} it again; a probe is
 * due {@link #isProbeDue() every openDuration}.
 *
 * <p>The hot path ({@link #allowsCalls()}) is one volatile read.
 */
public final class CircuitBreaker {

    /** The two states. There is no half-open state in the call path: recovery is a probe owned by one thread. */
    public enum State { CLOSED, OPEN }

    private final int failureThreshold;
    private final long openNanos;
    private final LongSupplier nanoClock;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private volatile State state = State.CLOSED;
    private volatile long nextProbeAt;

    public CircuitBreaker(int failureThreshold, Duration openDuration, LongSupplier nanoClock) {
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("failureThreshold must be at least 1, but was " + failureThreshold);
        }
        this.failureThreshold = failureThreshold;
        this.openNanos = openDuration.toNanos();
        this.nanoClock = nanoClock;
    }

    public boolean allowsCalls() {
        return state == State.CLOSED;
    }

    public State state() {
        return state;
    }

    public void recordSuccess() {
        if (consecutiveFailures.get() != 0) {
            consecutiveFailures.set(0);
        }
    }

    /** Counts a failed call; returns true when this failure opened the breaker. */
    public boolean recordFailure() {
        if (consecutiveFailures.incrementAndGet() >= failureThreshold) {
            return open();
        }
        return false;
    }

    /** Opens the breaker at once (e.g. a connection known to be gone); true if it was closed. */
    public synchronized boolean open() {
        nextProbeAt = nanoClock.getAsLong() + openNanos;
        if (state == State.OPEN) {
            return false;
        }
        state = State.OPEN;
        return true;
    }

    /** Whether the breaker is open and its open period has passed, so that Redis should be probed. */
    public boolean isProbeDue() {
        return state == State.OPEN && nanoClock.getAsLong() - nextProbeAt >= 0;
    }

    /** Marks a failed probe: stay open for another period. */
    public synchronized void probeFailed() {
        nextProbeAt = nanoClock.getAsLong() + openNanos;
    }

    /** Closes the breaker after a successful probe and replay. */
    public synchronized void close() {
        consecutiveFailures.set(0);
        state = State.CLOSED;
    }

    @Override
    public String toString() {
        return "CircuitBreaker{state=" + state + ", consecutiveFailures=" + consecutiveFailures + ", failureThreshold="
                + failureThreshold + ", openDuration=" + Duration.ofNanos(openNanos) + "}";
    }
}
