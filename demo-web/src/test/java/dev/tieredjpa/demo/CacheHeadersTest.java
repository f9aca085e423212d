package dev.tieredjpa.demo;

import static dev.tieredjpa.demo.ApiClient.ids;
import static dev.tieredjpa.demo.ApiClient.productBody;
import static dev.tieredjpa.demo.ApiClient.uniqueSku;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Which tier answered a product read ({@code X-Cache}), and the multi-get of {@code ?ids=} through the cache. */
class CacheHeadersTest {

    private static RunningDemo demo;
    private static ApiClient api;

    @BeforeAll
    static void startDemo() throws Exception {
        demo = RunningDemo.start("cache-headers-node");
        api = demo.client();
    }

    @AfterAll
    static void stopDemo() throws Exception {
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void getProduct_secondReadIsServedFromL1_andSaysSo() {
        long id = create("Kettle");
        ApiClient.Response first = api.get("/api/products/" + id);
        ApiClient.Response second = api.get("/api/products/" + id);

        assertThat(first.status()).as("%s", first).isEqualTo(200);
        // The insert stored the new row in both tiers: the first read already hits L1.
        assertThat(first.header("X-Cache")).as("%s", first).hasValueSatisfying(v -> assertThat(v).isIn("L1", "L2", "DB"));
        assertThat(second.header("X-Cache")).as("%s", second).contains("L1");
        assertThat(second.header("Age")).isEmpty();
    }

    @Test
    void getProductsByIds_returnsEveryFoundProductInTheAskedOrder_skippingUnknownIds() {
        List<Long> created = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            created.add(create("Cup " + i));
        }
        long unknown = 987_654_321L;
        String query = created.get(3) + "," + created.get(0) + "," + unknown + "," + created.get(4) + "," + created.get(0);

        ApiClient.Response response = api.get("/api/products?ids=" + query);

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(ids(response.json())).containsExactly(created.get(3), created.get(0), created.get(4), created.get(0));
        // Again, now from the cache, and the unknown id from the negative cache: the same answer.
        assertThat(ids(api.get("/api/products?ids=" + query).json()))
                .containsExactly(created.get(3), created.get(0), created.get(4), created.get(0));
    }

    @Test
    void getUnknownProduct_twice_is404BothTimes() {
        assertThat(api.get("/api/products/987654322").status()).isEqualTo(404);
        assertThat(api.get("/api/products/987654322").status()).isEqualTo(404);
    }

    /**
     * A lookup of an id before a product gets it is remembered as "no such row" (negative cache); an
     * identity-generated insert puts nothing into the cache, so the insert must end that itself. Fails if
     * the new product reads as 404 until the negative TTL runs out.
     */
    @Test
    void productIdLookedUpBeforeItsInsert_isFoundRightAfterTheInsert() {
        long last = create("Saucer");
        ApiClient.Response before = api.get("/api/products/" + (last + 1));
        assertThat(before.status()).as("%s", before).isEqualTo(404);
        assertThat(api.get("/api/products?ids=" + (last + 1)).json()).isEmpty();

        long next = create("Saucer 2");
        assertThat(next).as("ids come from one sequence; no other test creates products on this node now").isEqualTo(last + 1);

        assertThat(api.get("/api/products/" + next).status()).isEqualTo(200);
        assertThat(ids(api.get("/api/products?ids=" + next).json())).containsExactly(next);
    }

    private static long create(String name) {
        ApiClient.Response response = api.post("/api/products", productBody(uniqueSku(), name, null, new BigDecimal("4.50")));
        assertThat(response.status()).as("%s", response).isEqualTo(201);
        return response.json().get("id").asLong();
    }
}
