package dev.tieredjpa.cache.internal.hibernate;

import dev.tieredjpa.cache.ReadSource;
import dev.tieredjpa.cache.internal.core.LoadTicket;
import dev.tieredjpa.cache.internal.core.ReadTrace;
import dev.tieredjpa.cache.internal.core.TieredKey;
import dev.tieredjpa.cache.internal.core.TieredRegion;
import org.hibernate.event.internal.DefaultLoadEventListener;
import org.hibernate.event.spi.LoadEvent;
import org.hibernate.persister.entity.EntityPersister;

/**
 * Hibernate's own load listener, with the two steps of the tiered read that Hibernate's cache SPI cannot
 * express, both around the database load that follows a cache miss:
 * <ul>
 *   <li>the negative cache: when the cache said "no such row" (a ticket marked absent), the database is
 *       not asked; when the database finds no row, that is recorded (under the reader's lease) and the
 *       readers waiting for this load learn it;</li>
 *   <li>stale-if-error: when the load fails and the reader holds an expired value within the entity's
 *       maximum staleness, the entity is built from that value instead, and the read is traced as
 *       {@link ReadSource#STALE}.</li>
 * </ul>
 * Either way, a ticket the load left unused (nothing was put) is given back, so that nobody waits for it.
 */
public final class TieredLoadEventListener extends DefaultLoadEventListener {

    @Override
    protected Object loadFromDatasource(LoadEvent event, EntityPersister persister) {
        var session = event.getSession();
        if (!(persister.getCacheAccessStrategy() instanceof TieredEntityDataAccess access) || TieredTransaction.bypassed(session)) {
            return super.loadFromDatasource(event, persister);
        }
        TieredRegion region = access.tieredRegion();
        TieredKey key = (TieredKey) access.generateCacheKey(event.getEntityId(), persister, session.getFactory(),
                session.getTenantIdentifier());
        TieredTransaction transaction = TieredTransaction.of(session);
        LoadTicket ticket = transaction.find(region.name(), key);
        if (ticket != null && ticket.absent()) {
            transaction.take(region.name(), key);
            ReadTrace.record(ReadSource.ABSENT);
            return null;
        }
        try {
            Object entity = super.loadFromDatasource(event, persister);
            if (entity == null) {
                region.putAbsent(key, transaction);
            }
            return entity;
        } catch (RuntimeException failed) {
            LoadTicket mine = transaction.take(region.name(), key);
            LoadTicket.StaleValue stale = region.staleAfterFailure(mine);
            region.abandon(key, mine);
            if (stale == null) {
                throw failed;
            }
            ReadTrace.Last staleRead = ReadTrace.last();
            transaction.answer(region.name(), key, stale.value());
            Object entity = session.loadFromSecondLevelCache(persister, session.generateEntityKey(event.getEntityId(), persister),
                    event.getInstanceToLoad(), event.getLockMode());
            if (entity == null) {
                throw failed;
            }
            // Building the entity may read other regions (its associations): the read stays a stale one.
            ReadTrace.restore(staleRead);
            return entity;
        } finally {
            region.abandon(key, transaction);
        }
    }
}
