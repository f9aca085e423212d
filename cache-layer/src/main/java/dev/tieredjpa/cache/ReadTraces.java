package dev.tieredjpa.cache;

import dev.tieredjpa.cache.internal.core.ReadTrace;

/**
 * Which tier answered this thread's last cached read, for callers that read through Hibernate (which hides
 * the tiers): e.g. a web layer's {@code X-Cache} and {@code Age} headers. Clear it before the read.
 */
public final class ReadTraces {

    private ReadTraces() {
    }

    public static void clear() {
        ReadTrace.clear();
    }

    /** The source of this thread's last traced read, or null when none was traced since {@link #clear}. */
    public static ReadSource lastSource() {
        ReadTrace.Last last = ReadTrace.last();
        return last == null ? null : last.source();
    }

    /** For a {@link ReadSource#STALE} read, how long past its expiry the value was, in ms; otherwise 0. */
    public static long lastStaleAgeMillis() {
        ReadTrace.Last last = ReadTrace.last();
        return last == null ? 0 : last.ageMillis();
    }
}
