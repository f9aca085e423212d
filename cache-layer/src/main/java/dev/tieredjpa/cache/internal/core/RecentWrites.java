package dev.tieredjpa.cache.internal.core;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The changes this node wrote to L2 in the last {@link #WINDOW_NANOS}, for re-asserting after a failover.
 *
 * <p>Redis replicates asynchronously: a write that the master stored and answered may not have reached the
 * replica when the master dies. When Sentinel (or Cluster) promotes that replica, L2 holds the value from
 * before the write again, and would serve it, old, to every node. So when a node's subscription comes back
 * (which it does after any failover or restart), it owes again every change it wrote in the window: a
 * tombstone at the version each made dead, and a message, as for a write made while Redis was away. The
 * window is far longer than a replication lag (milliseconds) so that no acknowledged change can slip out.
 * Bounded: past {@link #MAX_ENTRIES} the oldest are dropped and their regions marked to be cleared whole.
 */
final class RecentWrites {

    /** How far back writes are re-asserted: 10 s, against replication lags of milliseconds. */
    static final long WINDOW_NANOS = 10_000_000_000L;
    static final int MAX_ENTRIES = 10_000;

    record Write(String region, String keyText, long deadUpTo, long atNanos) {
    }

    private final LongSupplier nanoClock;
    private final ConcurrentLinkedDeque<Write> writes = new ConcurrentLinkedDeque<>();
    private final AtomicInteger size = new AtomicInteger();
    /** Regions whose writes overflowed the bound, and when they last did. */
    private final java.util.Map<String, Long> overflowedRegions = new java.util.concurrent.ConcurrentHashMap<>();

    RecentWrites(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** A change of {@code keyText} in {@code region} reached L2; {@code deadUpTo}: the versions it made dead (-1: all). */
    void record(String region, String keyText, long deadUpTo) {
        long now = nanoClock.getAsLong();
        writes.addLast(new Write(region, keyText, deadUpTo, now));
        if (size.incrementAndGet() > MAX_ENTRIES) {
            Write dropped = writes.pollFirst();
            if (dropped != null) {
                size.decrementAndGet();
                if (now - dropped.atNanos() < WINDOW_NANOS) {
                    overflowedRegions.put(dropped.region(), now);
                }
            }
        }
        dropOlderThan(now - WINDOW_NANOS);
    }

    /** The writes of the window, oldest first, and the regions whose writes overflowed it. */
    List<Write> withinWindow() {
        long from = nanoClock.getAsLong() - WINDOW_NANOS;
        dropOlderThan(from);
        List<Write> recent = new ArrayList<>();
        for (Iterator<Write> it = writes.iterator(); it.hasNext(); ) {
            Write write = it.next();
            if (write.atNanos() >= from) {
                recent.add(write);
            }
        }
        return recent;
    }

    /**
     * Regions that had more writes in the window than are kept (to be cleared whole); emptied by the call.
     * An overflow older than the window is forgotten: every write it dropped is older than the window too.
     */
    List<String> takeOverflowedRegions() {
        long from = nanoClock.getAsLong() - WINDOW_NANOS;
        List<String> regions = new ArrayList<>();
        overflowedRegions.forEach((region, at) -> {
            if (at >= from) {
                regions.add(region);
            }
        });
        overflowedRegions.clear();
        return regions;
    }

    private void dropOlderThan(long from) {
        Write oldest;
        while ((oldest = writes.peekFirst()) != null && oldest.atNanos() < from) {
            if (writes.remove(oldest)) {
                size.decrementAndGet();
            }
        }
    }
}
