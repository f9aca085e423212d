package dev.tieredjpa.cache.internal.core;

import dev.tieredjpa.cache.ReadSource;

/**
 * Where this thread's last read of a region was answered from, and for a stale value its age: how a
 * caller that went through Hibernate (which hides the tiers) learns it, e.g. for an {@code X-Cache} header.
 */
public final class ReadTrace {

    /** The last read on this thread. {@code ageMillis}: how far past its expiry a stale value was. */
    public record Last(ReadSource source, long ageMillis) {
    }

    private static final ThreadLocal<Last> LAST = new ThreadLocal<>();
    private static final Last L1 = new Last(ReadSource.L1, 0);
    private static final Last L2 = new Last(ReadSource.L2, 0);
    private static final Last DB = new Last(ReadSource.DB, 0);
    private static final Last ABSENT = new Last(ReadSource.ABSENT, 0);

    private ReadTrace() {
    }

    public static void record(ReadSource source) {
        LAST.set(switch (source) {
            case L1 -> L1;
            case L2 -> L2;
            case DB -> DB;
            case ABSENT -> ABSENT;
            case STALE -> new Last(ReadSource.STALE, 0);
        });
    }

    static void stale(long ageMillis) {
        LAST.set(new Last(ReadSource.STALE, ageMillis));
    }

    /** The last read's source on this thread, or null when none was traced since {@link #clear}. */
    public static Last last() {
        return LAST.get();
    }

    /** Puts back a trace taken with {@link #last} (null: clears). */
    public static void restore(Last last) {
        if (last == null) {
            LAST.remove();
        } else {
            LAST.set(last);
        }
    }

    public static void clear() {
        LAST.remove();
    }
}
