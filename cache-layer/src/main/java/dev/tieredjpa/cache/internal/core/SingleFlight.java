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
        TIMED_OUT,
        /** Not an outcome of the flight: the key changed or was filled by another node; look at L2. */
        SIGNALLED
    }

    /** One load in progress, led by {@code owner} (a session, or one direct-face call). */
    static final class Flight {
        final Object owner;
        private final CompletableFuture<Object> outcome = new CompletableFuture<>();
        /**
         * When the value this flight may land was read from L2 (nanoTime): a waiter that joined after it
         * must look itself, since a write may have returned in between. {@code Long.MAX_VALUE} while no
         * read is out, and for a value the leader loaded and put under its lease (current as of the put).
         */
        private volatile long snapshotNanos = Long.MAX_VALUE;
        /** Whether the leader is loading (so only another node's fill can end the wait early). */
        private volatile boolean loading;

        Flight(Object owner) {
            this.owner = owner;
        }

        void readingL2() {
            snapshotNanos = System.nanoTime();
        }

        void loading() {
            loading = true;
            snapshotNanos = Long.MAX_VALUE;
        }

        boolean isLoading() {
            return loading;
        }

        /** Whether a value landed by this flight is as new as a read that began at {@code joinedNanos}. */
        boolean servesReadFrom(long joinedNanos) {
            return joinedNanos - snapshotNanos <= 0 || snapshotNanos == Long.MAX_VALUE;
        }

        /**
         * The value, an {@link Outcome}, or a {@link Failed}; {@link Outcome#TIMED_OUT} past the deadline;
         * {@link Outcome#SIGNALLED} when {@code signal} (may be null: none) completes first.
         */
        Object await(long deadlineNanos, CompletableFuture<Void> signal) {
            try {
                long nanos = Math.max(0, deadlineNanos - System.nanoTime());
                if (signal == null) {
                    return outcome.get(nanos, TimeUnit.NANOSECONDS);
                }
                CompletableFuture.anyOf(outcome, signal).get(nanos, TimeUnit.NANOSECONDS);
                return outcome.isDone() ? outcome.get() : Outcome.SIGNALLED;
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
