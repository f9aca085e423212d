package dev.tieredjpa.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pages are served from the jar beside the API, and need nothing from the network: every script,
 * stylesheet and link they load is one of the service's own. (What they do in a browser: {@link BrowserTest}.)
 */
class PagesTest {

    private static final Path PUBLIC = Path.of(System.getProperty("basedir", "")).toAbsolutePath()
            .resolve("src/main/resources/public");

    /** {@code src="…"}, {@code href="…"}, {@code import … from '…'} and {@code url(…)} in a page, script or style. */
    private static final Pattern REFERENCE = Pattern.compile(
            "(?:src|href)=\"([^\"]+)\"|from '([^']+)'|import\\('([^']+)'\\)|url\\(([^)]+)\\)");

    private static RunningDemo demo;
    private static ApiClient api;

    @BeforeAll
    static void startDemo() throws Exception {
        demo = RunningDemo.start("pages-node");
        api = demo.client();
    }

    @AfterAll
    static void stopDemo() throws Exception {
        if (demo != null) {
            demo.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/users.html", "/products.html", "/product.html?id=1", "/sessions.html", "/stats.html"})
    void get_page_returns200Html(String path) {
        ApiClient.Response page = api.get(path);

        assertThat(page.status()).as("%s", page).isEqualTo(200);
        assertThat(page.contentType()).as("%s", page).startsWith("text/html");
        assertThat(page.body()).contains("<title>").contains("/assets/app.css");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/assets/api.js", "/assets/stats.js", "/assets/app.css", "/vendor/uplot/uPlot.iife.min.js",
            "/vendor/uplot/uPlot.min.css", "/vendor/uplot/LICENSE"})
    void get_asset_returns200(String path) {
        ApiClient.Response asset = api.get(path);

        assertThat(asset.status()).as("%s", asset).isEqualTo(200);
        assertThat(asset.body()).isNotEmpty();
    }

    @Test
    void get_unknownPage_returns404Json() {
        ApiClient.Response missing = api.get("/no-such-page.html");

        assertThat(missing.status()).as("%s", missing).isEqualTo(404);
        assertThat(missing.json().get("error").asText()).contains("/no-such-page.html");
    }

    @Test
    void get_apiBesidePages_stillAnswersJson() {
        ApiClient.Response product = api.get("/api/products/987654323");

        assertThat(product.status()).as("%s", product).isEqualTo(404);
        assertThat(product.contentType()).startsWith("application/json");
    }

    @Test
    void pagesScriptsAndStyles_referenceOnlyTheServicesOwnFiles() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(PUBLIC)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(f -> f.toString().matches(".*\\.(html|js|css)$"))
                    .filter(f -> !f.startsWith(PUBLIC.resolve("vendor")))
                    .toList();
        }
        assertThat(files).as("pages under %s", PUBLIC).isNotEmpty();
        for (Path file : files) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            Matcher reference = REFERENCE.matcher(text);
            while (reference.find()) {
                String target = Stream.of(reference.group(1), reference.group(2), reference.group(3), reference.group(4))
                        .filter(g -> g != null).findFirst().orElseThrow().replace("\"", "").replace("'", "");
                assertThat(target).as("a reference in %s", PUBLIC.relativize(file))
                        .satisfiesAnyOf(
                                t -> assertThat(t).startsWith("/").doesNotStartWith("//"),
                                t -> assertThat(t).startsWith("data:"));
                if (target.startsWith("/assets/") || target.startsWith("/vendor/")) {
                    assertThat(PUBLIC.resolve(target.substring(1))).as("referenced by %s", PUBLIC.relativize(file)).exists();
                }
            }
        }
    }
}
