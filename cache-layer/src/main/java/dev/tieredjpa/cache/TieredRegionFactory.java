package dev.tieredjpa.cache;

import dev.tieredjpa.cache.internal.core.TieredRuntime;
import dev.tieredjpa.cache.internal.hibernate.HibernateFace;
import java.nio.file.Path;
import java.util.Map;
import org.hibernate.boot.spi.SessionFactoryOptions;
import org.hibernate.cache.cfg.spi.DomainDataRegionBuildingContext;
import org.hibernate.cache.cfg.spi.DomainDataRegionConfig;
import org.hibernate.cache.spi.CacheKeysFactory;
import org.hibernate.cache.spi.CacheTransactionSynchronization;
import org.hibernate.cache.spi.DomainDataRegion;
import org.hibernate.cache.spi.support.RegionFactoryTemplate;
import org.hibernate.cache.spi.support.StorageAccess;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.redisson.api.RedissonClient;

/**
 * Hibernate's second-level cache on two tiers: L1 an Ehcache 3 cache in this JVM (through JCache, by
 * reference), L2 Redis shared by every node (through Redisson), with version-fenced puts, leases,
 * write locks and cross-node invalidation. Turn it on with
 * {@code hibernate.cache.region.factory_class=dev.tieredjpa.cache.TieredRegionFactory} and the settings
 * in {@link TieredCacheSettings}. Supports READ_ONLY, NONSTRICT_READ_WRITE and READ_WRITE access.
 *
 * <p>One instance per SessionFactory, and each is a node of its own: its own L1, its own subscription.
 */
public class TieredRegionFactory extends RegionFactoryTemplate {

    private volatile TieredRuntime runtime;
    private volatile HibernateFace face;

    @Override
    protected void prepareForUse(SessionFactoryOptions settings, Map<String, Object> configValues) {
        TieredCacheConfig config = TieredCacheConfig.fromProperties(configValues);
        RedissonClient redisson = config.redisConfigFile() != null
                ? RedissonClients.forConfigFile(Path.of(config.redisConfigFile()))
                : RedissonClients.forUrl(config.redisUrl(), "tiered-cache-" + config.nodeName());
        this.runtime = new TieredRuntime(config, redisson, true);
        this.face = new HibernateFace(this, runtime);
    }

    @Override
    protected void releaseFromUse() {
        TieredRuntime closing = runtime;
        runtime = null;
        face = null;
        if (closing != null) {
            closing.close();
        }
    }

    @Override
    protected CacheKeysFactory getImplicitCacheKeysFactory() {
        return HibernateFace.keysFactory();
    }

    @Override
    public DomainDataRegion buildDomainDataRegion(DomainDataRegionConfig regionConfig,
                                                  DomainDataRegionBuildingContext buildingContext) {
        verifyStarted();
        return face.buildDomainDataRegion(regionConfig, buildingContext);
    }

    @Override
    protected StorageAccess createQueryResultsRegionStorageAccess(String regionName, SessionFactoryImplementor sessionFactory) {
        return face.queryResultsStorage(regionName);
    }

    @Override
    protected StorageAccess createTimestampsRegionStorageAccess(String regionName, SessionFactoryImplementor sessionFactory) {
        return face.timestampsStorage(regionName);
    }

    @Override
    public CacheTransactionSynchronization createTransactionContext(SharedSessionContractImplementor session) {
        return face.transactionContext(session);
    }

    /** This node's tiered cache: its regions, their statistics, its circuit breaker. For tests and health checks. */
    public TieredRuntime runtime() {
        TieredRuntime current = runtime;
        if (current == null) {
            throw new IllegalStateException("The tiered region factory is not started");
        }
        return current;
    }
}
