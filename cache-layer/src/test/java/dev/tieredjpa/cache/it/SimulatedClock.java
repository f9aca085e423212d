package dev.tieredjpa.cache.it;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that stands still until the test moves it: the time of values' logical expiry (early refresh,
 * stale-if-error) for tests that pass it to {@code TieredCacheManager.create(config, clock)} or as the
 * {@code tiered-cache.clock} property. One instance may be shared by several nodes (one simulated time).
 */
final class SimulatedClock extends Clock {

    private final AtomicLong millis;

    SimulatedClock(long startMillis) {
        this.millis = new AtomicLong(startMillis);
    }

    /** Moves the clock forward by {@code duration}; answers the new time. */
    long advance(Duration duration) {
        return millis.addAndGet(duration.toMillis());
    }

    long advanceMillis(long delta) {
        return millis.addAndGet(delta);
    }

    void set(long newMillis) {
        millis.set(newMillis);
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public String toString() {
        return "SimulatedClock[" + instant() + "]";
    }
}
