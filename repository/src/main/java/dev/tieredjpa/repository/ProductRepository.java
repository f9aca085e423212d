package dev.tieredjpa.repository;

import dev.tieredjpa.domain.Product;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Optional;
import java.util.function.Consumer;

/** Products: the hot, read-mostly entity; read through the cache, written through to the database. */
public final class ProductRepository extends EntityRepository<Product, Long> {

    private static final Transactions.ConstraintFields CONSTRAINTS =
            new Transactions.ConstraintFields("product", Map.of("products_sku_uk", "sku"), Map.of());

    private final Clock clock;

    ProductRepository(Transactions transactions, Clock clock) {
        super(transactions, Product.class, Product::getVersion, CONSTRAINTS);
        this.clock = clock;
    }

    /**
     * Stores a new product.
     *
     * @throws ConstraintRejectedException naming {@code sku} when another product has that SKU
     */
    public Product create(String sku, String name, String description, BigDecimal price) {
        return insert(new Product(sku, name, description, price, clock.instant()));
    }

    /** Like {@link EntityRepository#update}, and stamps the product's {@code updatedAt}. */
    @Override
    public Optional<Product> update(Long id, OptionalLong expectedVersion, Consumer<? super Product> change) {
        return super.update(id, expectedVersion, product -> {
            change.accept(product);
            product.setUpdatedAt(clock.instant());
        });
    }
}
