package dev.tieredjpa.cache.stats;

import dev.tieredjpa.cache.TieredRegionFactory;
import jakarta.persistence.EntityManagerFactory;
import java.util.Objects;
import org.hibernate.engine.spi.SessionFactoryImplementor;

/** The statistics of a persistence unit's tiered cache, for code that holds only its EntityManagerFactory. */
public final class TieredStats {

    private TieredStats() {
    }

    /**
     * A snapshot of the tiered cache of this unit (this node).
     *
     * @throws IllegalArgumentException when the unit's second-level cache is not the {@link TieredRegionFactory}
     */
    public static CacheStats of(EntityManagerFactory emf) {
        return regionFactory(emf).stats();
    }

    static TieredRegionFactory regionFactory(EntityManagerFactory emf) {
        Objects.requireNonNull(emf, "emf");
        var regionFactory = emf.unwrap(SessionFactoryImplementor.class).getCache().getRegionFactory();
        if (!(regionFactory instanceof TieredRegionFactory tiered)) {
            throw new IllegalArgumentException("The persistence unit's hibernate.cache.region.factory_class must be "
                    + TieredRegionFactory.class.getName() + ", but was " + regionFactory.getClass().getName());
        }
        return tiered;
    }
}
