package dev.tieredjpa.cache;

import java.time.Duration;

/**
 * One read of the direct face, with where its value came from.
 *
 * @param value  the value, or null when there is none
 * @param source the tier that answered
 * @param age    for a {@link ReadSource#STALE} value, how long past its expiry it is; otherwise zero
 */
public record CacheRead<V>(V value, ReadSource source, Duration age) {

    public boolean stale() {
        return source == ReadSource.STALE;
    }
}
