package dev.tieredjpa.demo;

import static dev.tieredjpa.demo.ApiClient.productBody;
import static dev.tieredjpa.demo.ApiClient.uniqueSku;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code GET /api/cache/stats} (JSON) and {@code GET /metrics} (Prometheus text) after a scripted sequence. */
class StatsAndMetricsTest {

    /** A Prometheus text sample line: a metric name, optional labels, a value (and an optional timestamp). */
    private static final Pattern SAMPLE = Pattern.compile(
            "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\",?)*\\})? "
                    + "(-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)( -?[0-9]+)?");

    private static RunningDemo demo;
    private static ApiClient api;

    @BeforeAll
    static void startDemo() throws Exception {
        demo = RunningDemo.start("stats-node");
        api = demo.client();
    }

    @AfterAll
    static void stopDemo() throws Exception {
        if (demo != null) {
            demo.close();
        }
    }

    /** Fails if a tier's hits and misses do not add up to its requests, or a figure the script made is missing. */
    @Test
    void stats_afterCreatesAndReads_addUpPerTier() {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ApiClient.Response created = api.post("/api/products", productBody(uniqueSku(), "Mug " + i, null, new BigDecimal("3.10")));
            assertThat(created.status()).as("%s", created).isEqualTo(201);
            ids.add(created.json().get("id").asLong());
        }
        for (int round = 0; round < 3; round++) {
            for (long id : ids) {
                assertThat(api.get("/api/products/" + id).status()).isEqualTo(200);
            }
        }
        assertThat(api.get("/api/products/987654399").status()).isEqualTo(404);

        ApiClient.Response response = api.get("/api/cache/stats");
        assertThat(response.status()).as("%s", response).isEqualTo(200);
        JsonNode stats = response.json();
        assertThat(stats.get("node").asText()).isEqualTo("stats-node");
        assertThat(stats.get("redis").get("up").asBoolean()).isTrue();
        assertThat(stats.get("redis").get("breaker").asText()).isEqualTo("CLOSED");

        JsonNode products = region(stats, "dev.tieredjpa.domain.Product");
        JsonNode l1 = products.get("l1");
        JsonNode l2 = products.get("l2");
        assertThat(l1.get("hits").asLong() + l1.get("misses").asLong()).isEqualTo(products.get("requests").asLong());
        assertThat(l2.get("hits").asLong() + l2.get("misses").asLong()).as("L2 is asked once per L1 miss: %s", products)
                .isEqualTo(l1.get("misses").asLong());
        assertThat(products.get("requests").asLong()).isPositive();
        // The unknown id reached the database once.
        assertThat(products.get("db").get("loads").asLong()).isGreaterThanOrEqualTo(1);
        // The HTTP response cache is a region of its own: the 2nd and 3rd reads of each product hit it.
        JsonNode responses = region(stats, "http-responses");
        assertThat(responses.get("l1").get("hits").asLong()).isGreaterThanOrEqualTo(10);
        assertThat(responses.get("l1").get("hits").asLong() + responses.get("l1").get("misses").asLong())
                .isEqualTo(responses.get("requests").asLong());
    }

    /** Fails if a line is not Prometheus text, or the per-tier series are missing. */
    @Test
    void metrics_isPrometheusText_withPerTierSeries() {
        assertThat(api.get("/api/products/987654398").status()).isEqualTo(404);

        ApiClient.Response response = api.send("GET", "/metrics", null);
        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.contentType()).startsWith("text/plain");
        List<String> samples = new ArrayList<>();
        for (String line : response.body().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                assertThat(line.isBlank() || line.startsWith("# HELP ") || line.startsWith("# TYPE ")).as(line).isTrue();
                continue;
            }
            assertThat(SAMPLE.matcher(line).matches()).as("a Prometheus sample line: %s", line).isTrue();
            samples.add(line);
        }
        assertThat(samples).anyMatch(s -> s.startsWith("tiered_cache_hits_total{") && s.contains("tier=\"l1\"")
                && s.contains("region=\"dev.tieredjpa.domain.Product\""));
        assertThat(samples).anyMatch(s -> s.startsWith("tiered_cache_hits_total{") && s.contains("tier=\"l2\""));
        assertThat(samples).anyMatch(s -> s.startsWith("tiered_cache_misses_total{") && s.contains("tier=\"l1\""));
        assertThat(samples).anyMatch(s -> s.startsWith("tiered_cache_db_loads_total{"));
        assertThat(samples).anyMatch(s -> s.startsWith("tiered_cache_latency_percentile_seconds{") && s.contains("quantile=\"0.99\""));
        assertThat(samples).anyMatch(s -> s.startsWith("tiered_cache_redis_up{"));
        assertThat(samples).anyMatch(s -> s.startsWith("hibernate_"));
    }

    private static JsonNode region(JsonNode stats, String name) {
        for (JsonNode region : stats.get("regions")) {
            if (region.get("name").asText().equals(name)) {
                return region;
            }
        }
        throw new AssertionError("no region " + name + " in " + stats);
    }
}
