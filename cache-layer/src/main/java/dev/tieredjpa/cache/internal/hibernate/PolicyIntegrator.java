package dev.tieredjpa.cache.internal.hibernate;

import dev.tieredjpa.cache.CachePolicy;
import dev.tieredjpa.cache.EntityPolicies;
import dev.tieredjpa.cache.TieredRegionFactory;
import java.util.AbstractMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hibernate.SessionFactory;
import org.hibernate.SessionFactoryObserver;
import org.hibernate.boot.Metadata;
import org.hibernate.boot.spi.BootstrapContext;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.event.internal.DefaultLoadEventListener;
import org.hibernate.event.spi.EventType;
import org.slf4j.LoggerFactory;
import org.hibernate.integrator.spi.Integrator;
import org.hibernate.mapping.PersistentClass;

/**
 * Resolves and checks every entity's cache policy while the SessionFactory is being built — after the
 * region factory has started, before any region exists — so that a wrong entity name, setting or value
 * stops start-up with a message naming the property. Found by Hibernate through {@code META-INF/services};
 * does nothing for units that use another region factory.
 */
public final class PolicyIntegrator implements Integrator {

    /**
     * Puts {@link TieredLoadEventListener} in place of Hibernate's default load listener (negative cache and
     * stale-if-error on {@code find}); a unit that configured its own load listeners keeps them, and goes
     * without those two.
     */
    private static void useTieredLoadListener(SessionFactoryImplementor sessionFactory) {
        var group = sessionFactory.getEventListenerRegistry().getEventListenerGroup(EventType.LOAD);
        java.util.List<Object> listeners = new java.util.ArrayList<>();
        group.listeners().forEach(listeners::add);
        if (listeners.size() == 1 && listeners.get(0).getClass() == DefaultLoadEventListener.class) {
            group.clearListeners();
            group.appendListener(new TieredLoadEventListener());
        } else {
            LoggerFactory.getLogger(PolicyIntegrator.class).warn("The LOAD event has custom listeners {}: the tiered cache's "
                    + "negative cache and stale-if-error do not apply to find()", listeners);
        }
    }

    @Override
    public void integrate(Metadata metadata, BootstrapContext bootstrapContext, SessionFactoryImplementor sessionFactory) {
        if (!(sessionFactory.getCache().getRegionFactory() instanceof TieredRegionFactory factory)) {
            return;
        }
        Map<String, Map.Entry<String, CachePolicy>> entities = new LinkedHashMap<>();
        for (PersistentClass entity : metadata.getEntityBindings()) {
            Class<?> mapped = entity.getMappedClass();
            CachePolicy annotation = mapped == null ? null : mapped.getAnnotation(CachePolicy.class);
            entities.put(entity.getJpaEntityName(), new AbstractMap.SimpleImmutableEntry<>(entity.getEntityName(), annotation));
        }
        factory.usePolicies(entities);
        useTieredLoadListener(sessionFactory);
        sessionFactory.getEventListenerRegistry().appendListeners(EventType.POST_COMMIT_INSERT, new TieredInsertListener());
        sessionFactory.addObserver(new SessionFactoryObserver() {
            @Override
            public void sessionFactoryCreated(SessionFactory created) {
                factory.startWriteBehind((SessionFactoryImplementor) created);
            }

            @Override
            public void sessionFactoryClosing(SessionFactory closing) {
                factory.stopWriteBehind();
            }
        });
    }
}
