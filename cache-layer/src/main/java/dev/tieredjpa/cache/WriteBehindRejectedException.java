package dev.tieredjpa.cache;

import java.time.Duration;

/**
 * A write-behind write refused because the entity's queue is full (the database is slow or down):
 * backpressure instead of unbounded growth. Nothing was written; try again after {@link #retryAfter()}.
 */
public final class WriteBehindRejectedException extends RuntimeException {

    private final Duration retryAfter;

    public WriteBehindRejectedException(String message, Duration retryAfter) {
        super(message);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
