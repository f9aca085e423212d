package dev.tieredjpa.cache.internal.hibernate;

import dev.tieredjpa.cache.internal.core.TieredRegion;
import org.hibernate.cache.cfg.spi.CollectionDataCachingConfig;
import org.hibernate.cache.cfg.spi.DomainDataRegionBuildingContext;
import org.hibernate.cache.cfg.spi.DomainDataRegionConfig;
import org.hibernate.cache.cfg.spi.EntityDataCachingConfig;
import org.hibernate.cache.cfg.spi.NaturalIdDataCachingConfig;
import org.hibernate.cache.spi.RegionFactory;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.cache.spi.access.CollectionDataAccess;
import org.hibernate.cache.spi.access.EntityDataAccess;
import org.hibernate.cache.spi.access.NaturalIdDataAccess;
import org.hibernate.cache.spi.support.AbstractDomainDataRegion;

/** A Hibernate domain-data region whose storage is one {@link TieredRegion}. */
public final class TieredDomainDataRegion extends AbstractDomainDataRegion {

    private final TieredRegion region;

    public TieredDomainDataRegion(DomainDataRegionConfig regionConfig, RegionFactory regionFactory, TieredRegion region,
                                  DomainDataRegionBuildingContext buildingContext) {
        super(regionConfig, regionFactory, TieredCacheKeysFactory.INSTANCE, buildingContext);
        this.region = region;
        completeInstantiation(regionConfig, buildingContext);
    }

    @Override
    protected EntityDataAccess generateEntityAccess(EntityDataCachingConfig config) {
        return new TieredEntityDataAccess(this, region, supported(config.getAccessType()));
    }

    @Override
    protected CollectionDataAccess generateCollectionAccess(CollectionDataCachingConfig config) {
        return new TieredCollectionDataAccess(this, region, supported(config.getAccessType()));
    }

    @Override
    protected NaturalIdDataAccess generateNaturalIdAccess(NaturalIdDataCachingConfig config) {
        return new TieredNaturalIdDataAccess(this, region, supported(config.getAccessType()));
    }

    @Override
    public void clear() {
        region.clear();
    }

    private AccessType supported(AccessType accessType) {
        if (accessType == AccessType.TRANSACTIONAL) {
            throw new UnsupportedOperationException("The tiered cache does not support TRANSACTIONAL access (region "
                    + getName() + "): use READ_WRITE, NONSTRICT_READ_WRITE or READ_ONLY");
        }
        return accessType;
    }
}
