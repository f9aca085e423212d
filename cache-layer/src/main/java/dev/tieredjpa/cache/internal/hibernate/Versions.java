package dev.tieredjpa.cache.internal.hibernate;

import java.time.Instant;
import java.util.Date;

/** Turns Hibernate's entity versions into the numbers the L2 fence compares; -1 for none. */
final class Versions {

    static final long NONE = -1;

    private Versions() {
    }

    static long of(Object version) {
        if (version instanceof Number number) {
            return number.longValue();
        }
        if (version instanceof Date date) {
            return date.getTime();
        }
        if (version instanceof Instant instant) {
            return instant.toEpochMilli();
        }
        return NONE;
    }
}
