package dev.tieredjpa.cache;

import dev.tieredjpa.cache.internal.core.TieredRuntime;
import dev.tieredjpa.cache.internal.hibernate.HibernateFace;
import dev.tieredjpa.cache.internal.writebehind.WriteBehindEntity;
import dev.tieredjpa.cache.stats.CacheStats;
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

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TieredRegionFactory.class);

    private volatile TieredRuntime runtime;
    private volatile HibernateFace face;
    private volatile Map<String, Object> properties;
    private volatile EntityPolicies policies;
    private final Map<Class<?>, WriteBehindEntity<?>> writeBehind = new java.util.concurrent.ConcurrentHashMap<>();
    /** How long a closing node may spend flushing what its write-behind flushers hold. */
    private static final java.time.Duration WRITE_BEHIND_SHUTDOWN = java.time.Duration.ofSeconds(10);

    @Override
    protected void prepareForUse(SessionFactoryOptions settings, Map<String, Object> configValues) {
        TieredCacheConfig config = TieredCacheConfig.fromProperties(configValues);
        this.properties = Map.copyOf(configValues.entrySet().stream()
                .filter(e -> e.getKey().startsWith(TieredCacheSettings.PREFIX) && e.getValue() != null)
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        RedissonClient redisson = config.redisConfigFile() != null
                ? RedissonClients.forConfigFile(Path.of(config.redisConfigFile()))
                : RedissonClients.forUrl(config.redisUrl(), "tiered-cache-" + config.nodeName());
        Object clock = configValues.get(TieredCacheSettings.CLOCK);
        if (clock != null && !(clock instanceof java.time.Clock)) {
            throw new IllegalArgumentException(TieredCacheSettings.CLOCK + " must be a java.time.Clock object, but was a "
                    + clock.getClass().getName());
        }
        this.runtime = new TieredRuntime(config, redisson, true,
                clock == null ? java.time.Clock.systemUTC() : (java.time.Clock) clock);
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

    /**
     * Resolves every entity's policy (called while the SessionFactory is built, before its regions exist);
     * throws, naming the property, when one is wrong. Logs the effective policy table once.
     */
    public void usePolicies(Map<String, Map.Entry<String, CachePolicy>> entities) {
        EntityPolicies resolved = EntityPolicies.resolve(entities, properties, runtime().config());
        this.policies = resolved;
        runtime().usePolicies(resolved);
        log.info("Tiered cache policies of node {}:\n{}", runtime().config().nodeName(), resolved.table());
    }

    /** Starts a write-behind flusher for every write-behind entity (the SessionFactory is built). */
    public void startWriteBehind(SessionFactoryImplementor sessionFactory) {
        for (EntityPolicy policy : policies().all()) {
            if (policy.writePolicy() == WritePolicy.WRITE_BEHIND) {
                Class<?> type = sessionFactory.getMappingMetamodel().getEntityDescriptor(
                        sessionFactory.getJpaMetamodel().entity(policy.entityName()).getJavaType()).getMappedClass();
                var entity = new WriteBehindEntity<>(runtime(), sessionFactory, type, policy);
                writeBehind.put(type, entity);
                entity.start();
            }
        }
    }

    /** Stops the flushers, each finishing what it holds within the bound. */
    public void stopWriteBehind() {
        writeBehind.values().forEach(entity -> entity.stop(WRITE_BEHIND_SHUTDOWN));
        writeBehind.clear();
    }

    /** The write-behind machinery of an entity; throws if its policy is not WRITE_BEHIND. */
    @SuppressWarnings("unchecked")
    <T> WriteBehindEntity<T> writeBehind(Class<T> type) {
        WriteBehindEntity<?> entity = writeBehind.get(type);
        if (entity == null) {
            throw new IllegalArgumentException(type.getName() + " is not a write-behind entity: its write-policy is "
                    + policies().of(type).writePolicy());
        }
        return (WriteBehindEntity<T>) entity;
    }

    /** The effective policy of every entity; available once the SessionFactory is built. */
    public EntityPolicies policies() {
        EntityPolicies current = policies;
        if (current == null) {
            throw new IllegalStateException("Entity policies are resolved while the SessionFactory is built");
        }
        return current;
    }

    /**
     * A snapshot of this node's tiered cache: every region's figures per tier, and Redis's. Cheap enough to
     * call often (see {@link CacheStats}).
     *
     * @throws IllegalStateException when the factory is not started (or already stopped)
     */
    public CacheStats stats() {
        return runtime().stats();
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
