package dev.tieredjpa.cache;

import java.time.Duration;
import java.util.Objects;

/**
 * How a region reads when a value is missing or ageing: early refresh, stale-if-error and the negative
 * cache. All off by default. An entity takes it from {@link CachePolicy} and the properties
 * {@code tiered-cache.entity.<EntityName>.early-refresh-beta | stale-if-error | negative-ttl}; a direct cache
 * from {@link TieredCacheManager#cache(String, ValueFormat, ReadPolicy)}.
 *
 * @param earlyRefreshBeta XFetch's beta: 0 turns early refresh off; 1 is the usual value; higher refreshes
 *                         earlier. A read refreshes when {@code now - loadTime * beta * ln(rand) >= expiry}.
 * @param staleIfError     how long past its expiry a value may still be served, marked stale, when its
 *                         reload fails ({@link Duration#ZERO}: never). Only values that expired by TTL
 *                         qualify: an invalidated or deleted one is gone from every tier.
 * @param negativeTtl      how long "the database has no such row" is remembered in L2 ({@link Duration#ZERO}:
 *                         not at all); an insert of the key ends it at once.
 */
public record ReadPolicy(double earlyRefreshBeta, Duration staleIfError, Duration negativeTtl) {

    /** Nothing beyond plain read-through. */
    public static final ReadPolicy DEFAULT = new ReadPolicy(0, Duration.ZERO, Duration.ZERO);

    public ReadPolicy {
        Objects.requireNonNull(staleIfError, "staleIfError");
        Objects.requireNonNull(negativeTtl, "negativeTtl");
        if (!(earlyRefreshBeta >= 0) || Double.isInfinite(earlyRefreshBeta)) {
            throw new IllegalArgumentException("earlyRefreshBeta must be a finite number >= 0, but was " + earlyRefreshBeta);
        }
        if (staleIfError.isNegative() || negativeTtl.isNegative()) {
            throw new IllegalArgumentException("staleIfError and negativeTtl must not be negative");
        }
    }

    public ReadPolicy withEarlyRefresh(double beta) {
        return new ReadPolicy(beta, staleIfError, negativeTtl);
    }

    public ReadPolicy withStaleIfError(Duration maxStaleness) {
        return new ReadPolicy(earlyRefreshBeta, maxStaleness, negativeTtl);
    }

    public ReadPolicy withNegativeTtl(Duration ttl) {
        return new ReadPolicy(earlyRefreshBeta, staleIfError, ttl);
    }

    public boolean earlyRefresh() {
        return earlyRefreshBeta > 0;
    }

    public boolean servesStale() {
        return !staleIfError.isZero();
    }

    public boolean cachesAbsence() {
        return !negativeTtl.isZero();
    }

    /** Whether values need a logical expiry recorded with them (early refresh or stale-if-error reads it). */
    public boolean tracksExpiry() {
        return earlyRefresh() || servesStale();
    }
}
