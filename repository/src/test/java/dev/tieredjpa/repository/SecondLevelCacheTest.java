package dev.tieredjpa.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tieredjpa.domain.Product;
import dev.tieredjpa.testsupport.TestDatabases.Kind;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import java.math.BigDecimal;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The second-level cache is really in the read path, and never serves what the database does not
 * hold: a committed update replaces the cached entry, a rolled-back one never shows, and a unit's
 * cache holds only its own database's rows. Each step says which tier should serve it, and where that
 * is the point, the Hibernate statistics prove it ({@link CacheCounts}).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SecondLevelCacheTest {

    private static final BigDecimal PRICE = new BigDecimal("19.90");

    private RepositoriesFixture fixture;
    private ProductRepository products;
    private long lampId;

    /** A fresh unit over a fresh database with one product, whose first read is yet to come. */
    private void start(Kind kind) {
        fixture = RepositoriesFixture.start(kind);
        products = fixture.repositories().products();
        lampId = products.create("LAMP-1", "Desk lamp", null, PRICE).getId();
        fixture.repositories().entityManagerFactory().getCache().evictAll();
    }

    @AfterEach
    void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void find_inNewEntityManager_servedByL2WithoutSql(Kind kind) {
        start(kind);
        EntityManagerFactory unit = fixture.repositories().entityManagerFactory();

        CacheCounts before = fixture.counts();
        try (EntityManager first = unit.createEntityManager()) {
            assertThat(first.find(Product.class, lampId).getName()).isEqualTo("Desk lamp"); // DB load
        }
        assertThat(fixture.counts().since(before)).isEqualTo(CacheCounts.DB_LOAD);

        before = fixture.counts();
        try (EntityManager second = unit.createEntityManager()) {
            assertThat(second.find(Product.class, lampId).getName()).isEqualTo("Desk lamp"); // L2 hit
        }
        assertThat(fixture.counts().since(before)).isEqualTo(CacheCounts.L2_HIT);
        assertThat(unit.getCache().contains(Product.class, lampId)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void findById_secondTime_servedByL2WithoutSql(Kind kind) {
        start(kind);

        CacheCounts before = fixture.counts();
        assertThat(products.findById(lampId)).isPresent(); // DB load
        assertThat(fixture.counts().since(before)).isEqualTo(CacheCounts.DB_LOAD);

        before = fixture.counts();
        assertThat(products.findById(lampId)).isPresent(); // L2 hit
        assertThat(fixture.counts().since(before)).isEqualTo(CacheCounts.L2_HIT);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void update_committed_freshReadServesNewVersionFromL2(Kind kind) {
        start(kind);
        products.findById(lampId); // DB load: version 0 is cached

        products.update(lampId, OptionalLong.of(0), product -> product.setName("Desk lamp, brass"));

        CacheCounts before = fixture.counts();
        assertThat(products.findById(lampId)).get() // L2 hit, on the entry the commit put there
                .returns("Desk lamp, brass", Product::getName)
                .returns(1L, Product::getVersion);
        assertThat(fixture.counts().since(before)).isEqualTo(CacheCounts.L2_HIT);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void update_changeThrows_rolledBackAndL2StillServesOldValue(Kind kind) {
        start(kind);
        products.findById(lampId); // DB load: version 0 is cached

        assertThatThrownBy(() -> products.update(lampId, OptionalLong.of(0), product -> {
            product.setName("Desk lamp, brass");
            throw new IllegalStateException("the caller changed its mind");
        }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the caller changed its mind");

        CacheCounts before = fixture.counts();
        assertThat(products.findById(lampId)).get() // L2 hit, still version 0
                .returns("Desk lamp", Product::getName)
                .returns(0L, Product::getVersion);
        assertThat(fixture.counts().since(before)).isEqualTo(CacheCounts.L2_HIT);
        assertThat(fixture.queryForLong("SELECT version FROM products WHERE id = " + lampId)).isZero();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void update_staleExpectedVersion_l2StillServesCurrentValue(Kind kind) {
        start(kind);
        products.update(lampId, OptionalLong.of(0), product -> product.setName("Desk lamp, brass"));
        products.findById(lampId); // L2 hit: version 1 is cached

        assertThatThrownBy(() -> products.update(lampId, OptionalLong.of(0), product -> product.setName("Desk lamp, chrome")))
                .isInstanceOf(StaleVersionException.class)
                .hasMessage("Product " + lampId + " is at version 1, not at the version 0 that the update was based on");

        CacheCounts before = fixture.counts();
        assertThat(products.findById(lampId)).get() // L2 hit, still version 1
                .returns("Desk lamp, brass", Product::getName)
                .returns(1L, Product::getVersion);
        assertThat(fixture.counts().since(before)).isEqualTo(CacheCounts.L2_HIT);
    }

    /**
     * A rollback after the UPDATE reached the database (it broke the SKU's unique constraint): the
     * rolled-back value must not be served from any tier.
     *
     * <p>Not asserted: which tier serves the read. Hibernate's read-write strategy soft-locks the entry
     * when the UPDATE is flushed, and the rollback only unlocks it: the entry then stays out of the
     * cache (reads go to the database and are not put back) until the soft lock times out. So
     * {@link Transactions}' "the second-level cache is then left as it was" holds for a change that
     * fails before the flush ({@link #update_changeThrows_rolledBackAndL2StillServesOldValue}), not
     * for one the database refuses.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void update_rejectedByDatabase_rolledBackAndFreshReadServesOldValue(Kind kind) {
        start(kind);
        products.create("LAMP-2", "Floor lamp", null, PRICE);
        products.findById(lampId); // DB load: version 0 is cached

        assertThatThrownBy(() -> products.update(lampId, OptionalLong.of(0), product -> product.setSku("LAMP-2")))
                .isInstanceOf(ConstraintRejectedException.class)
                .hasMessage("another product already has this sku");

        assertThat(products.findById(lampId)).get() // DB load (the entry is soft-locked), old value
                .returns("LAMP-1", Product::getSku)
                .returns(0L, Product::getVersion);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void update_lostToConcurrentWriter_freshReadServesTheWinner(Kind kind) {
        start(kind);
        products.findById(lampId); // DB load: version 0 is cached

        assertThatThrownBy(() -> products.update(lampId, OptionalLong.empty(), mine -> {
            products.update(lampId, OptionalLong.empty(), theirs -> theirs.setName("Desk lamp, chrome"));
            mine.setName("Desk lamp, brass");
        })).isInstanceOf(StaleVersionException.class);

        assertThat(products.findById(lampId)).get()
                .returns("Desk lamp, chrome", Product::getName)
                .returns(1L, Product::getVersion);
    }

    /**
     * Two units open at once over two databases (two nodes in one JVM, two tests, a demo and its test)
     * must each serve their own database's rows. Both databases number their first product 1, so a
     * second-level cache shared between the units would answer one unit's read with the other's row.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void findById_twoUnitsOpenAtOnce_eachServesItsOwnDatabase(Kind kind) {
        start(kind);
        try (RepositoriesFixture other = RepositoriesFixture.start(kind)) {
            long chairId = other.repositories().products().create("CHAIR-1", "Chair", null, PRICE).getId();
            assertThat(chairId).as("the other database's first product id").isEqualTo(lampId);

            assertThat(products.findById(lampId)).get().returns("LAMP-1", Product::getSku); // DB load, into our L2

            assertThat(other.repositories().products().findById(chairId)).get() // the other unit's own row
                    .returns("CHAIR-1", Product::getSku);
        }
    }

    /** Closing one unit closes its cache, not the cache of another unit that is still open. */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void close_oneOfTwoUnits_otherKeepsServingReads(Kind kind) {
        start(kind);
        products.findById(lampId); // DB load, into our L2

        RepositoriesFixture.start(kind).close();

        assertThat(products.findById(lampId)).get().returns("LAMP-1", Product::getSku); // L2 hit or DB load, not a failure
    }
}
