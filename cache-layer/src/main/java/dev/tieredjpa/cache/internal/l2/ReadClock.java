package dev.tieredjpa.cache.internal.l2;

/**
 * What a reader tells {@link RedisEntryStore#get} about its clock: its time now, against which a value's
 * logical expiry is compared, and its XFetch draw for early refresh.
 *
 * @param nowMillis   the reader's time, ms since the epoch ({@link Lookup#NONE}: do not look at expiry)
 * @param earlyFactor {@code -beta * ln(random)} (XFetch: refresh when {@code now + loadMillis * earlyFactor >=
 *                    expiresAt}); {@code NaN} for no early refresh
 * @param windowMillis refresh-ahead: refresh when {@code now + windowMillis >= expiresAt}; {@link Lookup#NONE}: no
 */
public record ReadClock(long nowMillis, double earlyFactor, long windowMillis) {

    /** A reader that ignores logical expiry and never refreshes early. */
    public static final ReadClock NONE = new ReadClock(Lookup.NONE, Double.NaN, Lookup.NONE);

    public ReadClock(long nowMillis, double earlyFactor) {
        this(nowMillis, earlyFactor, Lookup.NONE);
    }

    /** A refresh-ahead reader: due when less than {@code windowMillis} of the value's life is left. */
    public static ReadClock refreshAhead(long nowMillis, long windowMillis) {
        return new ReadClock(nowMillis, Double.NaN, windowMillis);
    }
}
