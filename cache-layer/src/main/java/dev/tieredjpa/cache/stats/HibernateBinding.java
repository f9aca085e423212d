package dev.tieredjpa.cache.stats;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import org.hibernate.SessionFactory;
import org.hibernate.orm.micrometer.HibernateMetrics;

/**
 * Hibernate's statistics through {@code hibernate-micrometer}'s own binder (meters {@code hibernate.*},
 * tagged {@code entityManagerFactory}). A class of its own so that {@link TieredCacheMetrics} loads without
 * that optional artifact: only {@link #bind} names it, and only once {@link #available} said it is there.
 */
final class HibernateBinding {

    private static final String BINDER = "org.hibernate.orm.micrometer.HibernateMetrics";

    private HibernateBinding() {
    }

    static boolean available() {
        try {
            Class.forName(BINDER, false, HibernateBinding.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    static void bind(MeterRegistry registry, SessionFactory sessionFactory, String unitName, Iterable<Tag> tags) {
        new HibernateMetrics(sessionFactory, unitName, tags).bindTo(registry);
    }
}
