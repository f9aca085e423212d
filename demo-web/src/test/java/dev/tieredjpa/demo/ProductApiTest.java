package dev.tieredjpa.demo;

import static dev.tieredjpa.demo.ApiAssertions.assertError;
import static dev.tieredjpa.demo.ApiClient.fieldNames;
import static dev.tieredjpa.demo.ApiClient.ids;
import static dev.tieredjpa.demo.ApiClient.instant;
import static dev.tieredjpa.demo.ApiClient.object;
import static dev.tieredjpa.demo.ApiClient.productBody;
import static dev.tieredjpa.demo.ApiClient.uniqueSku;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code /api/products}: the same five operations as users, plus the rules for money. */
class ProductApiTest {

    /** An id no test creates: the database is fresh and ids start at 1. */
    private static final long UNKNOWN_ID = 987_654_321L;

    private static RunningDemo demo;
    private static ApiClient api;

    @BeforeAll
    static void startDemo() throws Exception {
        demo = RunningDemo.start("products-node");
        api = demo.client();
    }

    @AfterAll
    static void stopDemo() throws Exception {
        if (demo != null) {
            demo.close();
        }
    }

    // ---- create -----------------------------------------------------------------------------------

    @Test
    void createProduct_validBody_returns201WithStoredProductAndLocation() {
        String sku = uniqueSku();
        Instant before = Instant.now();

        ApiClient.Response response = api.post("/api/products",
                productBody(sku, "Teapot", "Short and stout", new BigDecimal("19.99")));

        assertThat(response.status()).as("%s", response).isEqualTo(201);
        assertThat(response.contentType()).as("%s", response).startsWith("application/json");
        JsonNode product = response.json();
        assertThat(fieldNames(product)).as("fields of %s", response)
                .containsExactlyInAnyOrder("id", "sku", "name", "description", "price", "updatedAt", "version");
        assertThat(product.get("id").isIntegralNumber()).as("id is an integer in %s", response).isTrue();
        assertThat(product.get("sku").asText()).isEqualTo(sku);
        assertThat(product.get("name").asText()).isEqualTo("Teapot");
        assertThat(product.get("description").asText()).isEqualTo("Short and stout");
        assertThat(product.get("price").isNumber()).as("price is a JSON number in %s", response).isTrue();
        assertThat(product.get("price").decimalValue()).isEqualByComparingTo("19.99");
        assertThat(product.get("version").isIntegralNumber()).as("version is an integer in %s", response).isTrue();
        assertThat(instant(product.get("updatedAt")))
                .isBetween(before.minus(Duration.ofSeconds(5)), Instant.now().plus(Duration.ofSeconds(5)));
        assertThat(response.header("Location")).as("Location of %s", response).isPresent();
        assertThat(URI.create(response.header("Location").orElseThrow()).getPath())
                .isEqualTo("/api/products/" + product.get("id").asLong());
    }

    @ParameterizedTest(name = "price {0}")
    @ValueSource(strings = {"0", "0.01", "10", "1.5", "99999.99"})
    void createProduct_priceAtLeastZeroWithAtMostTwoDecimals_returns201WithThatPrice(String price) {
        ApiClient.Response response = api.post("/api/products",
                productBody(uniqueSku(), "Cup", "A cup", new BigDecimal(price)));

        assertThat(response.status()).as("%s", response).isEqualTo(201);
        assertThat(response.json().get("price").isNumber()).as("%s", response).isTrue();
        assertThat(response.json().get("price").decimalValue()).isEqualByComparingTo(price);
    }

    @Test
    void createProduct_nameOf200Characters_returns201() {
        String name = "n".repeat(200);

        ApiClient.Response response = api.post("/api/products", productBody(uniqueSku(), name, "A cup", BigDecimal.ONE));

        assertThat(response.status()).as("%s", response).isEqualTo(201);
        assertThat(response.json().get("name").asText()).isEqualTo(name);
    }

    @Test
    void createProduct_duplicateSku_returns409WithFieldSku() {
        String sku = uniqueSku();
        api.post("/api/products", productBody(sku, "First", "A cup", BigDecimal.ONE));

        ApiClient.Response response = api.post("/api/products", productBody(sku, "Second", "A cup", BigDecimal.TEN));

        assertError(response, 409, "sku");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidProductBodies")
    void createProduct_invalidBody_returns400NamingTheField(String condition, ObjectNode body, String field) {
        ApiClient.Response response = api.post("/api/products", body);

        assertError(response, 400, field);
    }

    static Stream<Arguments> invalidProductBodies() {
        BigDecimal price = new BigDecimal("4.50");
        return Stream.of(
                Arguments.of("missing sku", object("name", "Cup", "description", "A cup", "price", price), "sku"),
                Arguments.of("missing name", object("sku", uniqueSku(), "description", "A cup", "price", price), "name"),
                Arguments.of("missing price", object("sku", uniqueSku(), "name", "Cup", "description", "A cup"), "price"),
                Arguments.of("blank sku", productBody("  ", "Cup", "A cup", price), "sku"),
                Arguments.of("blank name", productBody(uniqueSku(), "", "A cup", price), "name"),
                Arguments.of("null price", productBody(uniqueSku(), "Cup", "A cup", null), "price"),
                Arguments.of("negative price", productBody(uniqueSku(), "Cup", "A cup", new BigDecimal("-0.01")), "price"),
                Arguments.of("price with 3 decimals", productBody(uniqueSku(), "Cup", "A cup", new BigDecimal("1.234")), "price"),
                Arguments.of("price is a string", object("sku", uniqueSku(), "name", "Cup", "description", "A cup", "price", "abc"), "price"),
                Arguments.of("name is a number", object("sku", uniqueSku(), "name", 5, "description", "A cup", "price", price), "name"),
                Arguments.of("name over 200 characters", productBody(uniqueSku(), "n".repeat(201), "A cup", price), "name"),
                Arguments.of("sku over 64 characters", productBody("S".repeat(65), "Cup", "A cup", price), "sku"),
                Arguments.of("description over 4000 characters",
                        productBody(uniqueSku(), "Cup", "d".repeat(4001), price), "description"),
                Arguments.of("unknown field", productBody(uniqueSku(), "Cup", "A cup", price).put("colour", "red"), "colour"));
    }

    // ---- read ---------------------------------------------------------------------------------------

    @Test
    void getProduct_afterCreate_returns200WithTheStoredProduct() {
        JsonNode created = api.createProduct();

        ApiClient.Response response = api.get("/api/products/" + created.get("id").asLong());

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.contentType()).as("%s", response).startsWith("application/json");
        assertThat(response.json()).isEqualTo(created);
    }

    @Test
    void getProduct_unknownId_returns404() {
        assertError(api.get("/api/products/" + UNKNOWN_ID), 404);
    }

    @Test
    void listProducts_idsInAnOrder_returnsTheFoundOnesInThatOrder() {
        long first = api.createProduct().get("id").asLong();
        long second = api.createProduct().get("id").asLong();
        long third = api.createProduct().get("id").asLong();

        ApiClient.Response response = api.get("/api/products?ids=" + second + "," + third + "," + UNKNOWN_ID + "," + first);

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.contentType()).as("%s", response).startsWith("application/json");
        assertThat(ids(response.json())).as("%s", response).containsExactly(second, third, first);
    }

    // ---- update -------------------------------------------------------------------------------------

    @Test
    void updateProduct_withoutVersion_returns200WithNewValuesAndIncrementedVersion() {
        JsonNode created = api.createProduct();
        long id = created.get("id").asLong();
        String newSku = uniqueSku();

        ApiClient.Response response = api.put("/api/products/" + id,
                productBody(newSku, "Big teapot", "Tall and stout", new BigDecimal("24.50")));

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        JsonNode updated = response.json();
        assertThat(updated.get("id").asLong()).isEqualTo(id);
        assertThat(updated.get("sku").asText()).isEqualTo(newSku);
        assertThat(updated.get("name").asText()).isEqualTo("Big teapot");
        assertThat(updated.get("description").asText()).isEqualTo("Tall and stout");
        assertThat(updated.get("price").decimalValue()).isEqualByComparingTo("24.50");
        assertThat(updated.get("version").asLong()).isEqualTo(created.get("version").asLong() + 1);
        assertThat(instant(updated.get("updatedAt"))).isAfterOrEqualTo(instant(created.get("updatedAt")));
        assertThat(api.get("/api/products/" + id).json()).as("read after update").isEqualTo(updated);
    }

    @Test
    void updateProduct_currentVersionInBody_returns200WithIncrementedVersion() {
        JsonNode created = api.createProduct();
        long version = created.get("version").asLong();
        ObjectNode body = sameSkuBody(created, new BigDecimal("5.00")).put("version", version);

        ApiClient.Response response = api.put("/api/products/" + created.get("id").asLong(), body);

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.json().get("price").decimalValue()).isEqualByComparingTo("5.00");
        assertThat(response.json().get("version").asLong()).isEqualTo(version + 1);
    }

    @Test
    void updateProduct_ifMatchWithQuotedCurrentVersion_returns200WithIncrementedVersion() {
        JsonNode created = api.createProduct();
        long version = created.get("version").asLong();

        ApiClient.Response response = api.put("/api/products/" + created.get("id").asLong(),
                sameSkuBody(created, new BigDecimal("6.00")), "If-Match", "\"" + version + "\"");

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.json().get("version").asLong()).isEqualTo(version + 1);
    }

    @Test
    void updateProduct_ifMatchWithBareCurrentVersion_returns200WithIncrementedVersion() {
        JsonNode created = api.createProduct();
        long version = created.get("version").asLong();

        ApiClient.Response response = api.put("/api/products/" + created.get("id").asLong(),
                sameSkuBody(created, new BigDecimal("7.00")), "If-Match", Long.toString(version));

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.json().get("version").asLong()).isEqualTo(version + 1);
    }

    @Test
    void updateProduct_staleVersionInBody_returns409WithFieldVersionAndKeepsTheProduct() {
        JsonNode created = api.createProduct();
        long id = created.get("id").asLong();
        long staleVersion = created.get("version").asLong();
        JsonNode current = api.put("/api/products/" + id, sameSkuBody(created, new BigDecimal("1.00"))).json();

        ApiClient.Response response = api.put("/api/products/" + id,
                sameSkuBody(created, new BigDecimal("2.00")).put("version", staleVersion));

        assertError(response, 409, "version");
        assertThat(api.get("/api/products/" + id).json()).as("product after the refused update").isEqualTo(current);
    }

    @Test
    void updateProduct_staleIfMatch_returns409WithFieldVersion() {
        JsonNode created = api.createProduct();
        long id = created.get("id").asLong();
        long staleVersion = created.get("version").asLong();
        api.put("/api/products/" + id, sameSkuBody(created, new BigDecimal("1.00")));

        ApiClient.Response response = api.put("/api/products/" + id,
                sameSkuBody(created, new BigDecimal("2.00")), "If-Match", "\"" + staleVersion + "\"");

        assertError(response, 409, "version");
    }

    @Test
    void updateProduct_skuOfAnotherProduct_returns409WithFieldSku() {
        JsonNode taken = api.createProduct();
        JsonNode product = api.createProduct();

        ApiClient.Response response = api.put("/api/products/" + product.get("id").asLong(),
                productBody(taken.get("sku").asText(), "Copy", "A cup", BigDecimal.ONE));

        assertError(response, 409, "sku");
    }

    @Test
    void updateProduct_negativePrice_returns400WithFieldPrice() {
        JsonNode product = api.createProduct();

        ApiClient.Response response = api.put("/api/products/" + product.get("id").asLong(),
                sameSkuBody(product, new BigDecimal("-5")));

        assertError(response, 400, "price");
    }

    @Test
    void updateProduct_unknownId_returns404() {
        assertError(api.put("/api/products/" + UNKNOWN_ID, productBody(uniqueSku(), "Nothing", "A cup", BigDecimal.ONE)), 404);
    }

    // ---- delete -------------------------------------------------------------------------------------

    @Test
    void deleteProduct_existing_returns204ThenGetReturns404() {
        long id = api.createProduct().get("id").asLong();

        ApiClient.Response response = api.delete("/api/products/" + id);

        assertThat(response.status()).as("%s", response).isEqualTo(204);
        assertError(api.get("/api/products/" + id), 404);
    }

    @Test
    void deleteProduct_unknownId_returns404() {
        assertError(api.delete("/api/products/" + UNKNOWN_ID), 404);
    }

    private static ObjectNode sameSkuBody(JsonNode product, BigDecimal price) {
        return productBody(product.get("sku").asText(), product.get("name").asText(),
                product.get("description").asText(null), price);
    }
}
