package dev.tieredjpa.cache.internal.core;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A value worked out at most once per {@code maxAge}: for figures that cost a round trip to Redis, read by
 * statistics that may be asked for often. While one thread works out a new value the others take the last
 * one (the first readers, before there is one, work it out each). No lock.
 */
public final class Memo<T> {

    private final Supplier<T> compute;
    private final long maxAgeNanos;
    private final AtomicBoolean computing = new AtomicBoolean();
    private volatile T value;
    private volatile long computedAt;

    public Memo(Supplier<T> compute, Duration maxAge) {
        this.compute = Objects.requireNonNull(compute, "compute");
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge must not be negative, but was " + maxAge);
        }
        this.maxAgeNanos = maxAge.toNanos();
    }

    public T get() {
        T current = value;
        if (current != null && System.nanoTime() - computedAt < maxAgeNanos) {
            return current;
        }
        if (!computing.compareAndSet(false, true)) {
            return current != null ? current : compute.get();
        }
        try {
            T fresh = compute.get();
            computedAt = System.nanoTime();
            value = fresh;
            return fresh;
        } finally {
            computing.set(false);
        }
    }
}
