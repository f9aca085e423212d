package dev.tieredjpa.demo.product;

import dev.tieredjpa.demo.web.ApiError;
import dev.tieredjpa.demo.web.EntityRoutes;
import dev.tieredjpa.demo.web.HttpCachePolicy;
import dev.tieredjpa.demo.web.JsonBody;
import dev.tieredjpa.demo.web.Requests;
import dev.tieredjpa.demo.web.ResponseCache;
import dev.tieredjpa.domain.Product;
import dev.tieredjpa.repository.ProductRepository;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Set;

/** {@code /api/products}: create, read, update (version-checked) and delete products. */
public final class ProductApi {

    /** A product as the API shows it. */
    public record ProductView(long id, String sku, String name, String description, BigDecimal price,
                              Instant updatedAt, long version) {
        static ProductView of(Product p) {
            // Money is shown with its two decimals, as the database stores it: 12.50, not 12.5.
            BigDecimal price = p.getPrice().scale() < 2 ? p.getPrice().setScale(2) : p.getPrice();
            return new ProductView(p.getId(), p.getSku(), p.getName(), p.getDescription(), price,
                    p.getUpdatedAt(), p.getVersion());
        }
    }

    private static final Set<String> WRITABLE = Set.of("sku", "name", "description", "price");
    private static final Set<String> WRITABLE_ON_UPDATE = Set.of("sku", "name", "description", "price", "version");
    private static final Set<String> READ_ONLY = Set.of("id", "updatedAt", "version");

    private final ProductRepository products;
    private final EntityRoutes<Product, ProductView> routes;

    public ProductApi(ProductRepository products, ResponseCache responses) {
        this.products = products;
        this.routes = new EntityRoutes<>("product", "/api/products", products, ProductView::of, Product::getId, Product::getVersion,
                HttpCachePolicy.SHARED_REVALIDATE, responses);
    }

    public void register(RoutesConfig config) {
        config.post("/api/products", this::create);
        config.get("/api/products", routes::findMany);
        config.get("/api/products/{id}", routes::findOne);
        config.put("/api/products/{id}", this::update);
        config.delete("/api/products/{id}", routes::delete);
    }

    private void create(Context ctx) {
        JsonBody body = JsonBody.read(ctx, WRITABLE, READ_ONLY);
        Product product = products.create(body.requiredText("sku"), body.requiredText("name"),
                body.optionalText("description"), body.requiredDecimal("price"));
        ctx.header("Location", "/api/products/" + product.getId());
        routes.respond(ctx, 201, product);
    }

    private void update(Context ctx) {
        long id = Requests.pathId(ctx);
        JsonBody body = JsonBody.read(ctx, WRITABLE_ON_UPDATE, READ_ONLY);
        String sku = body.requiredText("sku");
        String name = body.requiredText("name");
        String description = body.optionalText("description");
        BigDecimal price = body.requiredDecimal("price");
        Product product = products.update(id, routes.expectedVersion(ctx, id, body.optionalLong("version")), p -> {
            p.setSku(sku);
            p.setName(name);
            p.setDescription(description);
            p.setPrice(price);
        }).orElseThrow(() -> ApiError.notFound("product"));
        routes.respondUpdated(ctx, product);
    }
}
