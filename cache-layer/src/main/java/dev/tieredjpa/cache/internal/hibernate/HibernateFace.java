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
        // A region's sizes come from the policy of (the first of) its entities, else the global defaults.
        var policy = config.getEntityCaching().stream()
                .map(c -> runtime.policies() == null ? null : runtime.policies().of(c.getNavigableRole().getFullPath()).orElse(null))
                .filter(java.util.Objects::nonNull)
                .findFirst();
        var defaults = runtime.config();
        // A write-behind entity's entries share a Redis Cluster slot with its queue: one atomic script writes both.
        String l2Name = policy.filter(p -> p.writePolicy() == dev.tieredjpa.cache.WritePolicy.WRITE_BEHIND)
                .map(p -> dev.tieredjpa.cache.internal.l2.RedisEntryStore.hashTagged(config.getRegionName(), p.entityName()))
                .orElse(config.getRegionName());
        var region = runtime.region(config.getRegionName(), l2Name, new RegionCodec(config, context.getSessionFactory()), mutable,
                policy.map(p -> p.l1MaxEntries()).orElse(defaults.l1MaxEntries()),
                policy.map(p -> p.l1Ttl()).orElse(defaults.l1Ttl()),
                policy.map(p -> p.l2Ttl()).orElse(defaults.l2Ttl()),
                policy.map(p -> p.readPolicy()).orElse(dev.tieredjpa.cache.ReadPolicy.DEFAULT));
        if (config.getEntityCaching().isEmpty()) {
            region.untraced();
        }
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
