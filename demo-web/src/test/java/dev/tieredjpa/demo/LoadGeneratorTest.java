package dev.tieredjpa.demo;

import static dev.tieredjpa.demo.ApiClient.ids;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tieredjpa.demo.load.LoadGenerator;
import dev.tieredjpa.demo.load.LoadOptions;
import dev.tieredjpa.demo.load.LoadReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The load command against a running demo (a fresh one per test: seeding depends on what exists): it seeds
 * what is missing, drives reads and updates, and counts which tier answered each read.
 */
class LoadGeneratorTest {

    private RunningDemo demo;

    @BeforeEach
    void startDemo() throws Exception {
        demo = RunningDemo.start("load-node");
    }

    @AfterEach
    void stopDemo() throws Exception {
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void run_onAnEmptyDatabase_seedsThenDrivesAMixAndCountsEveryAnswer() throws Exception {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        LoadGenerator generator = new LoadGenerator(LoadOptions.parse("--url", demo.baseUri().toString(), "--rate", "150",
                "--duration", "2s", "--products", "25", "--zipf", "0.99", "--updates", "10", "--concurrency", "8"),
                new PrintStream(output, true, StandardCharsets.UTF_8), false);

        LoadReport report = generator.run();

        assertThat(generator.seeded()).isEqualTo(25);
        assertThat(ids(demo.client().get("/api/products?ids=" + idsUpTo(25)).json())).hasSize(25);
        // Every request is sent, on schedule or late, and every one is answered.
        assertThat(report.sent()).isEqualTo(300);
        assertThat(report.completed()).isEqualTo(300);
        assertThat(report.errors()).as("last error: %s", report.lastError()).isZero();
        assertThat(report.reads() + report.updates() + report.conflicts()).isEqualTo(300);
        assertThat(report.updates()).as("10%% of 300 requests are updates").isPositive();
        // Every read says which tier answered; with 25 products most repeat, and repeats hit the response cache.
        assertThat(report.l1() + report.l2() + report.db() + report.stale()).isEqualTo(report.reads());
        assertThat(report.unknownTier()).isZero();
        assertThat(report.responseHits()).isPositive();
        assertThat(report.l1()).isPositive();
        assertThat(report.p99Micros()).isGreaterThanOrEqualTo(report.p50Micros()).isPositive();

        String printed = output.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("Seeding: 0 product(s) found, creating 25")
                .contains("Driving " + demo.baseUri() + " at 150/s for 2s over 25 products")
                .containsPattern("(?m)^ *[0-9.]+s/2s +300/300 req \\| L1 +[0-9.]+% L2 +[0-9.]+% DB +[0-9.]+% STALE +[0-9.]+%"
                        + " \\| resp-cache hit +[0-9.]+% \\| p50 [0-9.]+ ms p99 [0-9.]+ ms \\| updates [0-9]+ conflicts [0-9]+ errors 0$")
                .contains("300 requests in ")
                .contains("reads by tier:  L1 ")
                .doesNotContain("\r");
    }

    @Test
    void run_whenEnoughProductsExist_seedsNothingAndDrivesThose() throws Exception {
        ApiClient api = demo.client();
        long first = api.createProduct().get("id").asLong();
        long second = api.createProduct().get("id").asLong();
        LoadGenerator generator = new LoadGenerator(LoadOptions.parse("--url", demo.baseUri().toString(), "--rate", "50",
                "--duration", "500ms", "--products", "2", "--updates", "0"),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false);

        LoadReport report = generator.run();

        assertThat(generator.seeded()).isZero();
        assertThat(ids(api.get("/api/products?ids=" + idsUpTo(10)).json()))
                .as("the product made to find the end of the id sequence is deleted again").containsExactly(first, second);
        assertThat(report.reads()).isEqualTo(25);
        assertThat(report.updates()).isZero();
        assertThat(report.errors()).as("last error: %s", report.lastError()).isZero();
    }

    /** {@code 1,2,...,n}, for {@code ?ids=}. */
    private static String idsUpTo(int n) {
        return LongStream.rangeClosed(1, n).mapToObj(Long::toString).collect(Collectors.joining(","));
    }
}
