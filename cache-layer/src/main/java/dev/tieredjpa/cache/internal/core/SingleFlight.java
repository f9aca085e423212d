package dev.tieredjpa.cache.internal.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One load per key inside this JVM: the first reader that misses a key leads its flight; every other
 * reader of the key waits for the flight's outcome instead of asking Redis and the database itself.
 */
final class SingleFlight {

    /** Outcomes that are not a value. */
    enum Outcome {
        /** The leader's value did not land (its lease was revoked, or it gave up): ask again. */
        RETRY,
        /** A write is in flight: read the database and do not cache. */
        UNCACHEABLE,
        /** The database has no row for the key. */
        ABSENT,
        /** The waiter's bound passed: load without waiting. */
        TIMED_OUT
    }

    /** One load in progress, led by {@code owner} (a session, or one direct-face call). */
    static final class Flight {
        final Object owner;
        private final CompletableFuture<Object> outcome = new CompletableFuture<>();

        Flight(Object owner) {
            this.owner = owner;
        }

        /** The value, an {@link Outcome}, or a {@link Failed}; {@link Outcome#TIMED_OUT} past the deadline. */
        Object await(long deadlineNanos) {
            try {
                return outcome.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return Outcome.TIMED_OUT;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Outcome.TIMED_OUT;
            } catch (ExecutionException e) {
                return Outcome.RETRY;
            }
        }
    }

    /** The leader's load failed with this exception. */
    record Failed(RuntimeException error) {
    }

    private final ConcurrentHashMap<TieredKey, Flight> flights = new ConcurrentHashMap<>();

    /** Makes {@code mine} the key's flight; returns the flight already under way instead, if there is one. */
    Flight join(TieredKey key, Flight mine) {
        return flights.putIfAbsent(key, mine);
    }

    /** Ends a flight with its outcome (a value, an {@link Outcome} or a {@link Failed}); waiters wake. */
    void land(TieredKey key, Flight flight, Object outcome) {
        if (flight == null) {
            return;
        }
        flights.remove(key, flight);
        flight.outcome.complete(outcome);
    }

    int inFlight() {
        return flights.size();
    }
}
