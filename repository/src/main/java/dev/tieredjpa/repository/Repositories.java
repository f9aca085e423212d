package dev.tieredjpa.repository;

import dev.tieredjpa.cache.EntityPolicies;
import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.cache.WriteBehindStore;
import dev.tieredjpa.cache.WritePolicy;
import dev.tieredjpa.domain.UserSession;
import dev.tieredjpa.cache.TieredRegionFactory;
import dev.tieredjpa.cache.internal.core.TieredRuntime;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import jakarta.persistence.EntityManagerFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The three repositories over one persistence unit. Build with {@link #builder(DataSource)}; close to
 * close the unit (the data source stays open: it is the caller's).
 */
public final class Repositories implements AutoCloseable {

    private final EntityManagerFactory entityManagerFactory;
    private final UserRepository users;
    private final ProductRepository products;
    private final SessionRepository sessions;

    private Repositories(Builder builder) {
        this.entityManagerFactory = PersistenceUnit.create(builder.dataSource, builder.settings);
        Transactions transactions = new Transactions(entityManagerFactory);
        this.users = new UserRepository(transactions, builder.clock);
        this.products = new ProductRepository(transactions, builder.clock);
        boolean writeBehind = policies().of(UserSession.class).writePolicy() == WritePolicy.WRITE_BEHIND;
        this.sessions = new SessionRepository(transactions,
                writeBehind ? WriteBehindStore.of(entityManagerFactory, UserSession.class) : null,
                userId -> users.findById(userId).isPresent(), builder.clock, builder.sessionTimeToLive);
    }

    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    public UserRepository users() {
        return users;
    }

    public ProductRepository products() {
        return products;
    }

    public SessionRepository sessions() {
        return sessions;
    }

    /** The underlying unit, for statistics and for code that needs plain JPA. */
    public EntityManagerFactory entityManagerFactory() {
        return entityManagerFactory;
    }

    /** The effective cache policy of every entity. */
    public EntityPolicies policies() {
        return ((TieredRegionFactory) entityManagerFactory.unwrap(SessionFactoryImplementor.class).getCache()
                .getRegionFactory()).policies();
    }

    /** This node's tiered cache (regions, statistics, circuit breaker), for health checks and metrics. */
    public TieredRuntime cache() {
        return ((TieredRegionFactory) entityManagerFactory.unwrap(SessionFactoryImplementor.class).getCache()
                .getRegionFactory()).runtime();
    }

    @Override
    public void close() {
        entityManagerFactory.close();
    }

    /** Settings for {@link Repositories}; each setter checks its argument. */
    public static final class Builder {

        private final DataSource dataSource;
        private final Map<String, Object> settings = PersistenceUnit.defaultSettings();
        private Clock clock = DatabaseClock.of(Clock.systemUTC());
        private Duration sessionTimeToLive = Duration.ofMinutes(30);

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        /** The clock that stamps creation, update and expiry times. Default: the system clock in UTC. */
        public Builder clock(Clock clock) {
            this.clock = DatabaseClock.of(Objects.requireNonNull(clock, "clock"));
            return this;
        }

        /** How long a session lives after its last use. Default: 30 minutes. */
        public Builder sessionTimeToLive(Duration timeToLive) {
            Objects.requireNonNull(timeToLive, "sessionTimeToLive");
            if (timeToLive.isNegative() || timeToLive.isZero()) {
                throw new IllegalArgumentException("sessionTimeToLive must be a positive duration, but was " + timeToLive);
            }
            this.sessionTimeToLive = timeToLive;
            return this;
        }

        /** The Redis that every node of the service shares as L2: {@code redis://host:port}. Required. */
        public Builder redisUrl(String url) {
            return property(TieredCacheSettings.REDIS_URL, Objects.requireNonNull(url, "redisUrl"));
        }

        /** The prefix of every Redis key this service writes. Default: {@code tiered-cache:}. */
        public Builder keyPrefix(String prefix) {
            return property(TieredCacheSettings.KEY_PREFIX, Objects.requireNonNull(prefix, "keyPrefix"));
        }

        /** This node's name in logs and invalidation messages. Default: a random id. */
        public Builder nodeName(String name) {
            return property(TieredCacheSettings.NODE_NAME, Objects.requireNonNull(name, "nodeName"));
        }

        /** Sets or overrides one Hibernate / JPA or {@code tiered-cache.*} property of the unit. */
        public Builder property(String name, Object value) {
            settings.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, name));
            return this;
        }

        public Repositories build() {
            if (!settings.containsKey(TieredCacheSettings.REDIS_URL) && !settings.containsKey(TieredCacheSettings.REDIS_CONFIG_FILE)) {
                throw new IllegalStateException("Repositories need a Redis for L2: call redisUrl(...) or set "
                        + TieredCacheSettings.REDIS_CONFIG_FILE);
            }
            return new Repositories(this);
        }

        @Override
        public String toString() {
            return "Repositories.Builder{clock=" + clock + ", sessionTimeToLive=" + sessionTimeToLive
                    + ", settings=" + new LinkedHashMap<>(settings) + "}";
        }
    }
}
