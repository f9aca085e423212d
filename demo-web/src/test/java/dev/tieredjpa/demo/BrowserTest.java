package dev.tieredjpa.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTML pages, used in headless Chromium as a person would: each test runs one scenario of
 * {@code src/test/browser/pages.mjs} (Node.js with playwright-core, driving Debian's {@code /usr/bin/chromium})
 * against a running demo. Screenshots and each scenario's log go to {@code target/browser/}.
 *
 * <p>Skips, saying why, where Chromium or Node.js is missing; {@code .ci/run} installs both, and this test
 * runs {@code npm ci} in {@code src/test/browser} when playwright-core is not installed there yet.
 * {@code CHROMIUM} names another Chromium binary.
 */
class BrowserTest {

    private static final Logger log = LoggerFactory.getLogger(BrowserTest.class);

    private static final Path MODULE = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    private static final Path SCRIPTS = MODULE.resolve("src/test/browser");
    private static final Path OUTPUT = MODULE.resolve("target/browser");
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    private static final Duration SCENARIO_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration NPM_CI_TIMEOUT = Duration.ofMinutes(5);

    private static RunningDemo demo;

    @BeforeAll
    static void startDemo() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "no Chromium at " + CHROMIUM
                + ": install Debian's chromium (apt-get install chromium chromium-driver; .ci/run does) or set CHROMIUM");
        Optional<String> node = commandOutput("node", "--version");
        assumeTrue(node.isPresent(), "Node.js is not installed (node is not on the PATH; .ci/run installs it)");
        // playwright-core (package-lock.json) needs Node.js 20 or later.
        assumeTrue(majorVersion(node.get()) >= 20, "Node.js " + node.get() + " is too old for playwright-core: 20 or later is needed");
        installPlaywrightIfMissing();
        Files.createDirectories(OUTPUT);
        demo = RunningDemo.start("browser-node");
    }

    @AfterAll
    static void stopDemo() throws Exception {
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void productPage_createdThroughFormThenPriceEdited_showsNewPriceAndServingTier() throws Exception {
        // products.html: the form creates it (POST) and the list shows it at 24.90;
        // product.html?id=: shows it with its X-Cache tier, the edit (PUT with If-Match) shows 19.50, version 1,
        // and a reload reads 19.50 again (the API agrees).
        runScenario("product");
    }

    @Test
    void usersAndSessionsPages_userCreatedEditedGivenASessionAndDeleted_eachStepShown() throws Exception {
        runScenario("people");
    }

    @Test
    void statsPage_whileTheDemoServesRequests_drawsItsFourCharts() throws Exception {
        ApiClient.Response stats = demo.client().get("/api/cache/stats");
        assertThat(stats.status())
                .as("the stats page polls GET /api/cache/stats, which this service must answer: %s", stats)
                .isEqualTo(200);

        // Hit rate per tier, latency percentiles, DB loads per second and write-behind queue depth: each
        // chart has drawn a series of at least 3 points, seen as coloured pixels on its canvas.
        runScenario("stats");
    }

    private static void runScenario(String scenario) throws IOException, InterruptedException {
        Path logFile = OUTPUT.resolve(scenario + ".log");
        ProcessBuilder node = new ProcessBuilder("node", "pages.mjs", scenario)
                .directory(SCRIPTS.toFile())
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile());
        node.environment().put("BASE_URL", demo.baseUri().toString());
        node.environment().put("CHROMIUM", CHROMIUM.toString());
        node.environment().put("SCREENSHOT_DIR", OUTPUT.toString());
        Process process = node.start();
        boolean finished = process.waitFor(SCENARIO_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String output = Files.readString(logFile, StandardCharsets.UTF_8);
        output.lines().forEach(line -> log.info("{}", line));
        assertThat(finished).as("scenario %s still running after %s:%n%s", scenario, SCENARIO_TIMEOUT, output).isTrue();
        assertThat(process.exitValue()).as("scenario %s (log and screenshots in %s):%n%s", scenario, OUTPUT, output)
                .isZero();
    }

    /** {@code npm ci} in the scripts' folder, once, where playwright-core is not installed there. */
    private static void installPlaywrightIfMissing() throws IOException, InterruptedException {
        if (Files.isDirectory(SCRIPTS.resolve("node_modules/playwright-core"))) {
            return;
        }
        assumeTrue(commandOutput("npm", "--version").isPresent(),
                "playwright-core is not installed in " + SCRIPTS + " and npm is missing to install it");
        Files.createDirectories(OUTPUT);
        Path logFile = OUTPUT.resolve("npm-ci.log");
        log.info("Installing playwright-core: npm ci in {}", SCRIPTS);
        Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund")
                .directory(SCRIPTS.toFile())
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile())
                .start();
        boolean finished = npm.waitFor(NPM_CI_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (!finished) {
            npm.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String output = Files.readString(logFile, StandardCharsets.UTF_8);
        assertThat(finished && npm.exitValue() == 0).as("npm ci in %s failed:%n%s", SCRIPTS, output).isTrue();
    }

    /** What the command printed, trimmed, where it ran and exited 0 within 30 s; empty where it is missing or failed. */
    private static Optional<String> commandOutput(String... command) {
        try {
            Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
            process.getOutputStream().close();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return Optional.empty();
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return process.exitValue() == 0 ? Optional.of(output) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** 20 of "v20.20.2"; 0 where it cannot be read. */
    private static int majorVersion(String version) {
        Matcher matcher = Pattern.compile("v?(\\d+)").matcher(version);
        return matcher.lookingAt() ? Integer.parseInt(matcher.group(1)) : 0;
    }
}
