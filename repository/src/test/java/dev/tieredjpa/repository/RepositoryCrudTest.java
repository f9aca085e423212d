package dev.tieredjpa.repository;

import static dev.tieredjpa.repository.RepositoriesFixture.SESSION_TTL;
import static dev.tieredjpa.repository.RepositoriesFixture.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tieredjpa.domain.Product;
import dev.tieredjpa.domain.User;
import dev.tieredjpa.domain.UserSession;
import dev.tieredjpa.testsupport.TestDatabases.Kind;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the repositories promise their callers, on every supported database: round trips, lookups in
 * the caller's order, refused writes that name the field, versions that stop lost updates, sessions
 * that expire on the clock, and a user's sessions that go with the user, from the database and the
 * second-level cache alike.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RepositoryCrudTest {

    private static final BigDecimal PRICE = new BigDecimal("19.90");

    private RepositoriesFixture fixture;

    private Repositories start(Kind kind) {
        fixture = RepositoriesFixture.start(kind);
        return fixture.repositories();
    }

    @AfterEach
    void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    // ---- round trips

    @ParameterizedTest
    @EnumSource(Kind.class)
    void createFindUpdateDelete_user_roundTrips(Kind kind) {
        UserRepository users = start(kind).users();

        User created = users.create("ada@example.com", "Ada");
        assertThat(created.getId()).isNotNull();
        assertThat(created.getVersion()).isZero();
        assertThat(users.findById(created.getId())).get()
                .returns("ada@example.com", User::getEmail)
                .returns("Ada", User::getName)
                .returns(START, User::getCreatedAt)
                .returns(0L, User::getVersion);

        User updated = users.update(created.getId(), OptionalLong.of(0), user -> user.setName("Ada Lovelace")).orElseThrow();
        assertThat(updated.getVersion()).isEqualTo(1);
        assertThat(users.findById(created.getId())).get()
                .returns("Ada Lovelace", User::getName)
                .returns(1L, User::getVersion);

        assertThat(users.delete(created.getId())).isTrue();
        assertThat(users.findById(created.getId())).isEmpty();
        assertThat(users.delete(created.getId())).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void createFindUpdateDelete_product_roundTripsAndStampsUpdatedAt(Kind kind) {
        ProductRepository products = start(kind).products();

        Product created = products.create("LAMP-1", "Desk lamp", "A lamp for a desk", PRICE);
        assertThat(products.findById(created.getId())).get()
                .returns("LAMP-1", Product::getSku)
                .returns("Desk lamp", Product::getName)
                .returns("A lamp for a desk", Product::getDescription)
                .returns(START, Product::getUpdatedAt)
                .returns(0L, Product::getVersion)
                .satisfies(product -> assertThat(product.getPrice()).isEqualByComparingTo(PRICE));

        Instant later = fixture.clock().advance(Duration.ofMinutes(5));
        products.update(created.getId(), OptionalLong.of(0), product -> product.setPrice(new BigDecimal("24.50")));
        assertThat(products.findById(created.getId())).get()
                .returns(later, Product::getUpdatedAt)
                .returns(1L, Product::getVersion)
                .satisfies(product -> assertThat(product.getPrice()).isEqualByComparingTo("24.50"));

        assertThat(products.delete(created.getId())).isTrue();
        assertThat(products.findById(created.getId())).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void createFindDelete_session_roundTrips(Kind kind) {
        Repositories repositories = start(kind);
        long userId = repositories.users().create("ada@example.com", "Ada").getId();

        UserSession created = repositories.sessions().create(userId);
        // 256 random bits, base64url without padding
        assertThat(created.getToken()).matches("[A-Za-z0-9_-]{43}");
        assertThat(repositories.sessions().create(userId).getToken()).isNotEqualTo(created.getToken());
        assertThat(repositories.sessions().findById(created.getToken())).get()
                .returns(userId, UserSession::getUserId)
                .returns(START, UserSession::getCreatedAt)
                .returns(START, UserSession::getLastSeenAt)
                .returns(START.plus(SESSION_TTL), UserSession::getExpiresAt)
                .returns(0L, UserSession::getVersion);

        assertThat(repositories.sessions().delete(created.getToken())).isTrue();
        assertThat(repositories.sessions().findById(created.getToken())).isEmpty();
        assertThat(repositories.sessions().findValid(created.getToken())).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void update_unknownId_returnsEmptyWithoutCallingChange(Kind kind) {
        ProductRepository products = start(kind).products();
        AtomicBoolean called = new AtomicBoolean();

        assertThat(products.update(404L, OptionalLong.empty(), product -> called.set(true))).isEmpty();
        assertThat(called).isFalse();
        assertThat(products.delete(404L)).isFalse();
    }

    // ---- many at once

    @ParameterizedTest
    @EnumSource(Kind.class)
    void findAllById_missingAndRepeatedIds_returnsFoundOnesInGivenOrder(Kind kind) {
        ProductRepository products = start(kind).products();
        long a = products.create("A", "a", null, PRICE).getId();
        long b = products.create("B", "b", null, PRICE).getId();
        long c = products.create("C", "c", null, PRICE).getId();
        products.findById(b); // b now in the L2 cache, a and c not: the answer mixes both tiers

        List<Product> found = products.findAllById(List.of(c, 404L, a, b, c));

        assertThat(found).extracting(Product::getId).containsExactly(c, a, b, c);
        assertThat(found).extracting(Product::getSku).containsExactly("C", "A", "B", "C");
        assertThat(products.findAllById(List.of())).isEmpty();
        assertThat(products.findAllById(List.of(404L, 405L))).isEmpty();
    }

    // ---- refused writes

    @ParameterizedTest
    @EnumSource(Kind.class)
    void create_emailTaken_rejectedNamingEmail(Kind kind) {
        UserRepository users = start(kind).users();
        users.create("ada@example.com", "Ada");

        assertThatThrownBy(() -> users.create("ada@example.com", "Another Ada"))
                .isInstanceOfSatisfying(ConstraintRejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(ConstraintRejectedException.Reason.DUPLICATE_VALUE);
                    assertThat(e.field()).isEqualTo("email");
                })
                .hasMessage("another user already has this email")
                .hasCauseInstanceOf(RuntimeException.class);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void update_emailTakenByAnotherUser_rejectedNamingEmailAndKeepsOldValue(Kind kind) {
        UserRepository users = start(kind).users();
        users.create("ada@example.com", "Ada");
        long grace = users.create("grace@example.com", "Grace").getId();

        assertThatThrownBy(() -> users.update(grace, OptionalLong.empty(), user -> user.setEmail("ada@example.com")))
                .isInstanceOfSatisfying(ConstraintRejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(ConstraintRejectedException.Reason.DUPLICATE_VALUE);
                    assertThat(e.field()).isEqualTo("email");
                })
                .hasMessage("another user already has this email");
        assertThat(users.findById(grace)).get()
                .returns("grace@example.com", User::getEmail)
                .returns(0L, User::getVersion);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void create_skuTaken_rejectedNamingSku(Kind kind) {
        ProductRepository products = start(kind).products();
        products.create("LAMP-1", "Desk lamp", null, PRICE);

        assertThatThrownBy(() -> products.create("LAMP-1", "Floor lamp", null, PRICE))
                .isInstanceOfSatisfying(ConstraintRejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(ConstraintRejectedException.Reason.DUPLICATE_VALUE);
                    assertThat(e.field()).isEqualTo("sku");
                })
                .hasMessage("another product already has this sku");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void create_sessionForUnknownUser_rejectedNamingUserId(Kind kind) {
        SessionRepository sessions = start(kind).sessions();

        assertThatThrownBy(() -> sessions.create(404L))
                .isInstanceOfSatisfying(ConstraintRejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(ConstraintRejectedException.Reason.UNKNOWN_REFERENCE);
                    assertThat(e.field()).isEqualTo("userId");
                })
                .hasMessage("userId names nothing that exists");
    }

    // ---- versions

    @ParameterizedTest
    @EnumSource(Kind.class)
    void update_staleExpectedVersion_throwsStaleVersionWithoutApplyingChange(Kind kind) {
        ProductRepository products = start(kind).products();
        long id = products.create("LAMP-1", "Desk lamp", null, PRICE).getId();
        products.update(id, OptionalLong.of(0), product -> product.setName("Desk lamp, brass"));
        AtomicBoolean called = new AtomicBoolean();

        assertThatThrownBy(() -> products.update(id, OptionalLong.of(0), product -> called.set(true)))
                .isInstanceOfSatisfying(StaleVersionException.class, e -> {
                    assertThat(e.entity()).isEqualTo("Product");
                    assertThat(e.id()).isEqualTo(id);
                    assertThat(e.expectedVersion()).isZero();
                    assertThat(e.currentVersion()).isEqualTo(1);
                })
                .hasMessage("Product " + id + " is at version 1, not at the version 0 that the update was based on");
        assertThat(called).isFalse();
        assertThat(products.findById(id)).get()
                .returns("Desk lamp, brass", Product::getName)
                .returns(1L, Product::getVersion);
    }

    /**
     * A real lost-update race, made deterministic: our update has read the product, and before it
     * writes, another writer commits a change of its own (through the same repository, in its own
     * transaction and EntityManager). Our write must fail on the version check, not overwrite theirs.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void update_concurrentWriterCommitsFirst_throwsStaleVersionAndKeepsTheirChange(Kind kind) {
        ProductRepository products = start(kind).products();
        long id = products.create("LAMP-1", "Desk lamp", null, PRICE).getId();
        AtomicReference<Product> theirs = new AtomicReference<>();

        assertThatThrownBy(() -> products.update(id, OptionalLong.empty(), mine -> {
            theirs.set(products.update(id, OptionalLong.empty(), product -> product.setPrice(new BigDecimal("9.90"))).orElseThrow());
            mine.setName("Desk lamp, brass");
        }))
                .isInstanceOfSatisfying(StaleVersionException.class, e -> {
                    assertThat(e.entity()).isEqualToIgnoringCase("Product");
                    assertThat(e.expectedVersion()).as("expected version (none was named)").isNull();
                    assertThat(e.currentVersion()).as("current version (moved concurrently)").isNull();
                })
                .hasMessageContaining(" is at version (changed concurrently), not at the version read that the update was based on");
        assertThat(theirs.get().getVersion()).isEqualTo(1);
        assertThat(products.findById(id)).get()
                .returns("Desk lamp", Product::getName)
                .returns(1L, Product::getVersion)
                .satisfies(product -> assertThat(product.getPrice()).isEqualByComparingTo("9.90"));
    }

    /**
     * The same race, looked at for what the exception tells the caller: which product, and the version
     * the caller named. {@link StaleVersionException#expectedVersion()} is documented as null only
     * "when it named none", and {@link StaleVersionException#id()} is never documented as null.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void update_concurrentWriterCommitsFirst_exceptionNamesProductAndExpectedVersion(Kind kind) {
        ProductRepository products = start(kind).products();
        long id = products.create("LAMP-1", "Desk lamp", null, PRICE).getId();

        assertThatThrownBy(() -> products.update(id, OptionalLong.of(0), mine -> {
            products.update(id, OptionalLong.of(0), product -> product.setPrice(new BigDecimal("9.90")));
            mine.setName("Desk lamp, brass");
        }))
                .isInstanceOfSatisfying(StaleVersionException.class, e -> {
                    assertThat(e.entity()).isEqualToIgnoringCase("Product");
                    assertThat(e.id()).as("id").isEqualTo(id);
                    assertThat(e.expectedVersion()).as("expected version").isZero();
                    assertThat(e.currentVersion()).as("current version (moved concurrently)").isNull();
                })
                .hasMessageMatching("(?i)product " + id + " is at version \\(changed concurrently\\), not at the version 0 that the update was based on");
    }

    // ---- sessions on the clock

    @ParameterizedTest
    @EnumSource(Kind.class)
    void touch_validSession_extendsExpiryFromNow(Kind kind) {
        Repositories repositories = start(kind);
        SessionRepository sessions = repositories.sessions();
        String token = sessions.create(repositories.users().create("ada@example.com", "Ada").getId()).getToken();

        Instant touchedAt = fixture.clock().advance(Duration.ofMinutes(20));
        assertThat(sessions.touch(token)).get()
                .returns(touchedAt, UserSession::getLastSeenAt)
                .returns(touchedAt.plus(SESSION_TTL), UserSession::getExpiresAt)
                .returns(1L, UserSession::getVersion);

        // Past the first expiry (START + 30 min), before the extended one (START + 50 min).
        fixture.clock().advance(Duration.ofMinutes(20));
        assertThat(sessions.findValid(token)).get()
                .returns(touchedAt.plus(SESSION_TTL), UserSession::getExpiresAt)
                .returns(START, UserSession::getCreatedAt);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void findValidAndTouch_expiredSession_returnEmptyAndDoNotRevive(Kind kind) {
        Repositories repositories = start(kind);
        SessionRepository sessions = repositories.sessions();
        String token = sessions.create(repositories.users().create("ada@example.com", "Ada").getId()).getToken();
        assertThat(sessions.findValid(token)).isPresent(); // cached now, with its expiry

        fixture.clock().advance(SESSION_TTL.minusSeconds(1));
        assertThat(sessions.findValid(token)).isPresent();

        fixture.clock().advance(Duration.ofSeconds(1)); // exactly at expiresAt: expired
        assertThat(sessions.findValid(token)).isEmpty();
        assertThat(sessions.touch(token)).isEmpty();

        assertThat(sessions.findById(token)).get()
                .returns(START.plus(SESSION_TTL), UserSession::getExpiresAt)
                .returns(0L, UserSession::getVersion);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void deleteExpired_someExpired_deletesExactlyThoseFromDatabaseAndCache(Kind kind) {
        Repositories repositories = start(kind);
        SessionRepository sessions = repositories.sessions();
        long userId = repositories.users().create("ada@example.com", "Ada").getId();
        String early = sessions.create(userId).getToken();                  // expires START + 30 min
        fixture.clock().advance(Duration.ofMinutes(10));
        String onTheDot = sessions.create(userId).getToken();               // expires START + 40 min
        fixture.clock().advance(Duration.ofMinutes(10));
        String late = sessions.create(userId).getToken();                   // expires START + 50 min
        List.of(early, onTheDot, late).forEach(sessions::findById);         // all three in the L2 cache
        awaitWriteBehindFlushed(repositories);                              // deleteExpired works on the database

        fixture.clock().advance(Duration.ofMinutes(20));                    // now START + 40 min

        assertThat(sessions.deleteExpired()).isEqualTo(2);
        assertThat(sessions.findById(early)).isEmpty();
        assertThat(sessions.findById(onTheDot)).isEmpty();
        assertThat(sessions.findValid(late)).isPresent();
        assertThat(fixture.queryForLong("SELECT COUNT(*) FROM user_sessions")).isEqualTo(1);
        assertThat(sessions.deleteExpired()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void delete_userWithCachedSessions_removesThemFromDatabaseAndCache(Kind kind) {
        Repositories repositories = start(kind);
        long ada = repositories.users().create("ada@example.com", "Ada").getId();
        long grace = repositories.users().create("grace@example.com", "Grace").getId();
        String adaSession = repositories.sessions().create(ada).getToken();
        String graceSession = repositories.sessions().create(grace).getToken();
        repositories.sessions().findById(adaSession);
        // Sessions are written behind: let the flusher finish, so that its SQL is not counted below.
        awaitWriteBehindFlushed(repositories);

        // Ada's session is served by the cache before the delete: without an eviction it would outlive her.
        CacheCounts before = fixture.counts();
        assertThat(repositories.sessions().findById(adaSession)).isPresent();
        assertThat(fixture.counts().since(before)).isEqualTo(CacheCounts.L2_HIT);

        assertThat(repositories.users().delete(ada)).isTrue();

        assertThat(repositories.sessions().findById(adaSession)).isEmpty();
        assertThat(repositories.sessions().findValid(adaSession)).isEmpty();
        assertThat(repositories.sessions().touch(adaSession)).isEmpty();
        assertThat(fixture.queryForLong("SELECT COUNT(*) FROM user_sessions WHERE user_id = " + ada)).isZero();
        assertThat(repositories.sessions().findValid(graceSession)).get().returns(grace, UserSession::getUserId);
    }

    /** Sessions are written behind: waits until the flusher has written every queued session to the database. */
    private static void awaitWriteBehindFlushed(Repositories repositories) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> repositories.sessions().writeBehindStats().map(s -> s.queueDepth() == 0).orElse(true));
    }
}
