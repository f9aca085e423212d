package dev.tieredjpa.demo.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tieredjpa.demo.web.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * Drives a demo node with product reads and updates, as {@link LoadOptions} say, and reports as it goes.
 *
 * <ol>
 *   <li><b>Seed.</b> Looks up products by id from 1 up ({@code GET ?ids=}, in batches, never past the id
 *       sequence: see {@code seed()}) until it has found {@code --products}, then creates the missing ones.</li>
 *   <li><b>Drive.</b> Sends request {@code i} at {@code start + i / rate}, whatever the answers' latency
 *       (an open loop, with at most {@code --concurrency} in flight: when they are all out, the next
 *       request waits, and its latency, measured from when it was due, shows the backlog). Each request
 *       picks a product by Zipfian rank (rank 0, the hottest, is the lowest id) and is an unconditional
 *       {@code PUT} with probability {@code --updates}%, else a {@code GET}.</li>
 *   <li><b>Report.</b> Every second, one line ({@link LoadReport#progressLine}); on a terminal it rewrites
 *       itself ({@code \r}), elsewhere it is a line of its own. At the end, {@link LoadReport#summary}.</li>
 * </ol>
 */
public final class LoadGenerator {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final int PROBE_BATCH = 500;

    private final LoadOptions options;
    private final PrintStream out;
    private final boolean terminal;
    private final HttpClient http;
    private final String runTag = UUID.randomUUID().toString().substring(0, 8);

    private final LongAdder sent = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder reads = new LongAdder();
    private final LongAdder l1 = new LongAdder();
    private final LongAdder l2 = new LongAdder();
    private final LongAdder db = new LongAdder();
    private final LongAdder stale = new LongAdder();
    private final LongAdder unknownTier = new LongAdder();
    private final LongAdder responseHits = new LongAdder();
    private final LongAdder updates = new LongAdder();
    private final LongAdder conflicts = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final LatencyHistogram latencies = new LatencyHistogram();
    private volatile long startNanos;
    private int seeded;

    /**
     * @param out      where progress and the summary go
     * @param terminal whether {@code out} is a terminal, where the progress line rewrites itself
     */
    public LoadGenerator(LoadOptions options, PrintStream out, boolean terminal) {
        this.options = options;
        this.out = out;
        this.terminal = terminal;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** A product the run drives. */
    record Target(long id, String sku, String description) {
    }

    /**
     * Seeds, drives and reports; returns the final report.
     *
     * @throws LoadFailedException when the node cannot be reached or refuses to seed
     */
    public LoadReport run() throws InterruptedException {
        List<Target> targets = seed();
        out.printf("Driving %s at %d/s for %s over %d products (zipf %s, %d%% updates, %d in flight at most)%n",
                options.url(), options.rate(), describe(options.duration()), targets.size(), options.zipf(),
                options.updates(), options.concurrency());
        ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "load-progress");
            thread.setDaemon(true);
            return thread;
        });
        startNanos = System.nanoTime();
        progress.scheduleAtFixedRate(() -> printProgress(false), 1, 1, TimeUnit.SECONDS);
        try {
            drive(targets);
        } finally {
            progress.shutdownNow();
            progress.awaitTermination(5, TimeUnit.SECONDS);
        }
        printProgress(true);
        LoadReport report = report();
        out.print(report.summary());
        out.flush();
        return report;
    }

    /** How many products this run created (after {@link #run}). */
    public int seeded() {
        return seeded;
    }

    /** Where the run stands now. */
    public LoadReport report() {
        long planned = plannedRequests();
        return new LoadReport(Duration.ofNanos(System.nanoTime() - startNanos), planned, sent.sum(), completed.sum(),
                reads.sum(), l1.sum(), l2.sum(), db.sum(), stale.sum(), unknownTier.sum(), responseHits.sum(),
                updates.sum(), conflicts.sum(), errors.sum(), latencies.percentileMicros(0.50),
                latencies.percentileMicros(0.99), lastError.get());
    }

    // ---- seeding ---------------------------------------------------------------------------------

    /**
     * Finds the products to drive, creating the missing ones. Ids are never looked up past the id sequence:
     * the service remembers "no such product" for a while (the entity's negative cache), and a product
     * created later under an id looked up just before would read as missing until that expires. So a first
     * product is created to learn where the sequence stands; every id below it that is missing is gone for
     * good and safe to look up. That product is kept when products are missing, else deleted again.
     */
    private List<Target> seed() throws InterruptedException {
        Target marker = create(1, 0).get(0);
        List<Target> found = new ArrayList<>();
        for (long from = 1; from < marker.id() && found.size() < options.products(); from += PROBE_BATCH) {
            String ids = LongStream.range(from, Math.min(from + PROBE_BATCH, marker.id())).mapToObj(Long::toString)
                    .collect(Collectors.joining(","));
            HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/api/products?ids=" + ids)).GET(), "look up products");
            json(response, 200, "look up products").forEach(p -> found.add(new Target(p.path("id").asLong(),
                    p.path("sku").asText(), p.path("description").isNull() ? null : p.path("description").asText())));
        }
        int missing = options.products() - found.size();
        if (missing > 0) {
            out.printf("Seeding: %d product(s) found, creating %d%n", found.size(), missing);
            found.add(marker);
            found.addAll(create(missing - 1, 1));
            seeded = missing;
        } else {
            HttpResponse<String> deleted = send(HttpRequest.newBuilder(uri("/api/products/" + marker.id())).DELETE(),
                    "delete the probe product");
            if (deleted.statusCode() != 204) {
                throw new LoadFailedException("could not delete the probe product " + marker.id() + ": DELETE answered "
                        + deleted.statusCode() + " " + deleted.body(), null);
            }
        }
        found.sort(Comparator.comparingLong(Target::id));
        return List.copyOf(found.subList(0, options.products()));
    }

    /** Creates {@code count} products, numbered from {@code first} in their SKUs and names. */
    private List<Target> create(int count, int first) throws InterruptedException {
        List<Target> created = new ArrayList<>(count);
        int window = Math.min(options.concurrency(), 16);
        for (int start = first; start < first + count; start += window) {
            List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
            for (int n = start; n < Math.min(first + count, start + window); n++) {
                ObjectNode body = Json.MAPPER.createObjectNode()
                        .put("sku", "LOAD-" + runTag + "-" + n)
                        .put("name", "Load product " + n)
                        .put("description", "seeded by the load command")
                        .put("price", new BigDecimal("9.99"));
                pending.add(http.sendAsync(jsonRequest("/api/products", "POST", body).build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)));
            }
            for (CompletableFuture<HttpResponse<String>> future : pending) {
                HttpResponse<String> response;
                try {
                    response = future.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw unreachable("create products", e.getCause());
                }
                JsonNode product = json(response, 201, "create a product");
                created.add(new Target(product.path("id").asLong(), product.path("sku").asText(),
                        product.path("description").asText()));
            }
        }
        return created;
    }

    // ---- driving ---------------------------------------------------------------------------------

    private void drive(List<Target> targets) throws InterruptedException {
        ZipfSampler zipf = new ZipfSampler(targets.size(), options.zipf());
        SplittableRandom random = new SplittableRandom();
        Semaphore inFlight = new Semaphore(options.concurrency());
        long intervalNanos = 1_000_000_000L / options.rate();
        long planned = plannedRequests();
        for (long i = 0; i < planned; i++) {
            long due = startNanos + i * intervalNanos;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
            inFlight.acquire();
            Target target = targets.get(zipf.next(random));
            boolean update = random.nextInt(100) < options.updates();
            HttpRequest request = update ? updateRequest(target, random) : HttpRequest.newBuilder(uri("/api/products/" + target.id()))
                    .timeout(REQUEST_TIMEOUT).GET().build();
            sent.increment();
            http.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                    .whenComplete((response, failure) -> {
                        try {
                            latencies.recordNanos(System.nanoTime() - due);
                            count(update, response, failure);
                        } finally {
                            completed.increment();
                            inFlight.release();
                        }
                    });
        }
        if (!inFlight.tryAcquire(options.concurrency(), REQUEST_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS)) {
            lastError.set("requests still unanswered at the end: " + (options.concurrency() - inFlight.availablePermits()));
        }
    }

    private long plannedRequests() {
        return Math.max(1, options.duration().toNanos() * options.rate() / 1_000_000_000L);
    }

    private HttpRequest updateRequest(Target target, SplittableRandom random) {
        ObjectNode body = Json.MAPPER.createObjectNode()
                .put("sku", target.sku())
                .put("name", "Load product " + target.id() + " rev " + random.nextInt(1_000_000))
                .put("description", target.description())
                .put("price", BigDecimal.valueOf(100 + random.nextInt(9_900), 2));
        return jsonRequest("/api/products/" + target.id(), "PUT", body).build();
    }

    private void count(boolean update, HttpResponse<String> response, Throwable failure) {
        if (failure != null) {
            errors.increment();
            lastError.set(failure.getClass().getSimpleName() + ": " + failure.getMessage());
            return;
        }
        int status = response.statusCode();
        if (update && status == 200) {
            updates.increment();
        } else if (update && status == 409) {
            conflicts.increment();
        } else if (!update && status == 200) {
            reads.increment();
            switch (response.headers().firstValue("X-Cache").orElse("")) {
                case "L1" -> l1.increment();
                case "L2" -> l2.increment();
                case "DB" -> db.increment();
                case "STALE" -> stale.increment();
                default -> unknownTier.increment();
            }
            if (response.headers().firstValue("X-Response-Cache").orElse("").equals("HIT")) {
                responseHits.increment();
            }
        } else {
            errors.increment();
            String body = response.body() == null ? "" : response.body();
            lastError.set(response.request().method() + " " + response.uri().getPath() + " -> " + status + " "
                    + (body.length() > 200 ? body.substring(0, 200) + "…" : body));
        }
    }

    private void printProgress(boolean last) {
        String line = report().progressLine(options.duration());
        if (terminal) {
            // Rewrite the line in place; clear what a longer previous line left.
            out.print("\r" + line + "\u001B[K" + (last ? System.lineSeparator() : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    // ---- HTTP ------------------------------------------------------------------------------------

    private URI uri(String path) {
        return URI.create(options.url() + path);
    }

    private HttpRequest.Builder jsonRequest(String path, String method, JsonNode body) {
        return HttpRequest.newBuilder(uri(path))
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String what) throws InterruptedException {
        try {
            return http.send(request.timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw unreachable(what, e);
        }
    }

    private LoadFailedException unreachable(String what, Throwable cause) {
        return new LoadFailedException("could not " + what + " at " + options.url() + ": "
                + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()), cause);
    }

    private static JsonNode json(HttpResponse<String> response, int expectedStatus, String what) {
        if (response.statusCode() != expectedStatus) {
            throw new LoadFailedException("could not " + what + ": " + response.request().method() + " "
                    + response.uri() + " answered " + response.statusCode() + " " + response.body(), null);
        }
        try {
            return Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new LoadFailedException("could not " + what + ": the answer is not JSON: " + response.body(), e);
        }
    }

    private static String describe(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
    }

    /** The run could not start: the node is unreachable or refused to seed. */
    public static final class LoadFailedException extends RuntimeException {

        LoadFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
