package dev.tieredjpa.cache.internal.hibernate;

import dev.tieredjpa.cache.internal.core.TieredRuntime;
import java.time.Duration;
import org.hibernate.cache.cfg.spi.DomainDataRegionBuildingContext;
import org.hibernate.cache.cfg.spi.DomainDataRegionConfig;
import org.hibernate.cache.spi.CacheKeysFactory;
import org.hibernate.cache.spi.CacheTransactionSynchronization;
import org.hibernate.cache.spi.DomainDataRegion;
import org.hibernate.cache.spi.RegionFactory;
import org.hibernate.cache.spi.support.StorageAccess;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

/** Builds the Hibernate regions and per-session contexts of one {@link dev.tieredjpa.cache.TieredRegionFactory}. */
public final class HibernateFace {

    /** Hibernate's timestamps count milliseconds shifted left by 12 bits (see SimpleTimestamper). */
    private static final int TIMESTAMP_SHIFT = 12;

    private final RegionFactory regionFactory;
    private final TieredRuntime runtime;

    public HibernateFace(RegionFactory regionFactory, TieredRuntime runtime) {
        this.regionFactory = regionFactory;
        this.runtime = runtime;
    }

    public static CacheKeysFactory keysFactory() {
        return TieredCacheKeysFactory.INSTANCE;
    }

    public DomainDataRegion buildDomainDataRegion(DomainDataRegionConfig config, DomainDataRegionBuildingContext context) {
        boolean mutable = config.getEntityCaching().stream().anyMatch(c -> c.isMutable())
                || config.getCollectionCaching().stream().anyMatch(c -> c.isMutable())
                || config.getNaturalIdCaching().stream().anyMatch(c -> c.isMutable());
        var region = runtime.region(config.getRegionName(), new RegionCodec(config, context.getSessionFactory()), mutable);
        return new TieredDomainDataRegion(config, regionFactory, region, context);
    }

    public StorageAccess queryResultsStorage(String regionName) {
        QueryResultsStorage storage = new QueryResultsStorage(runtime.l1Cache(regionName));
        runtime.onL1MustClear(storage::evictData);
        return storage;
    }

    public StorageAccess timestampsStorage(String regionName) {
        long allowance = runtime.config().queryClockSkewAllowance().toMillis() << TIMESTAMP_SHIFT;
        Duration keyTtl = runtime.config().l1Ttl().plus(runtime.config().l2Ttl()).plusHours(1);
        return new TimestampsStorage(runtime, regionName, allowance, keyTtl, regionFactory::nextTimestamp);
    }

    public CacheTransactionSynchronization transactionContext(SharedSessionContractImplementor session) {
        return new TieredTransaction(regionFactory, session);
    }
}
