package dev.tieredjpa.repository;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;

/**
 * A clock that ticks in microseconds, the finest that both H2 and PostgreSQL store. Stamping entities
 * with it means the object a writer holds equals the row it wrote and what a later reader loads:
 * nanoseconds would be cut on the way to the database and nowhere else.
 */
final class DatabaseClock extends Clock {

    private final Clock delegate;

    private DatabaseClock(Clock delegate) {
        this.delegate = delegate;
    }

    static Clock of(Clock clock) {
        return clock instanceof DatabaseClock ? clock : new DatabaseClock(clock);
    }

    @Override
    public Instant instant() {
        return delegate.instant().truncatedTo(ChronoUnit.MICROS);
    }

    @Override
    public ZoneId getZone() {
        return delegate.getZone();
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return new DatabaseClock(delegate.withZone(zone));
    }
}
