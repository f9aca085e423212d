package dev.tieredjpa.cache.internal.bus;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts the confirmations of this node's messages, each named by its send stamp (unique per node), and
 * lets the publisher wait until as many have come as Redis said it delivered the message to.
 */
final class Acknowledgements {

    private final ConcurrentHashMap<Long, Waiter> waiting = new ConcurrentHashMap<>();

    /** Opens a count for message {@code stamp}; open it before publishing, as a confirmation may come first. */
    Waiter expect(long stamp) {
        Waiter waiter = new Waiter();
        waiting.put(stamp, waiter);
        return waiter;
    }

    /** A confirmation of message {@code stamp} arrived (late ones, after the wait ended, are dropped). */
    void confirmed(long stamp) {
        Waiter waiter = waiting.get(stamp);
        if (waiter != null) {
            waiter.confirm();
        }
    }

    void forget(long stamp) {
        waiting.remove(stamp);
    }

    static final class Waiter {
        private long confirmations;

        private synchronized void confirm() {
            confirmations++;
            notifyAll();
        }

        /** Waits until {@code expected} confirmations are in, or {@code timeoutNanos} has passed; true if they are. */
        synchronized boolean await(long expected, long timeoutNanos) throws InterruptedException {
            long deadline = System.nanoTime() + timeoutNanos;
            while (confirmations < expected) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait(left / 1_000_000, (int) (left % 1_000_000));
            }
            return true;
        }
    }
}
