package dev.tieredjpa.bench;

import dev.tieredjpa.domain.Product;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Benchmark 1: {@code em.find} of one product in a fresh EntityManager, as a request handler does it, for
 * each peer and each state its caches can be in. The {@code scenario} names the peer and the tier,
 * {@code "TIERED:L2 hit"}; each trial has a database and a node of its own.
 *
 * <p>Two methods, because JMH times every invocation separately once any per-invocation setup is attached,
 * which would add two clock reads to the sub-microsecond hits: {@link #find()} for the states that hold
 * by themselves (a hit stays a hit, no cache always misses), {@link #findAfterReset} for those that must
 * be re-made before each invocation (ours' L2 hit: L1 cleared; a miss: the key evicted from every tier, so
 * the find queries the database and fills the caches again). {@link Scenario#resets()} says which; a
 * scenario given to the other method fails its trial. {@link JmhSuite} pairs them; from the JMH command line,
 * pass {@code -p scenario=...} values that belong to the method included.
 *
 * <p>Trial setup checks that one invocation, reset included, sends exactly one statement for a miss and
 * none for a hit, so a scenario cannot quietly measure something else.
 */
@State(Scope.Benchmark)
public class FindBenchmark {

    /** The hits: on one database only, since a hit does not reach it. */
    static final List<String> HITS = List.of(
            "TIERED:L1 hit", "TIERED:L2 hit", "EHCACHE_BY_VALUE:hit", "EHCACHE_BY_REFERENCE:hit", "REDISSON:hit");
    /** The misses: on every database, since they are mostly the database's time. */
    static final List<String> MISSES = List.of(
            "TIERED:miss", "EHCACHE_BY_VALUE:miss", "EHCACHE_BY_REFERENCE:miss", "REDISSON:miss", "NO_CACHE:miss");

    static final int PRODUCTS = 1_000;
    static final long KEY = 42;

    @Param({"TIERED:L1 hit", "TIERED:L2 hit", "EHCACHE_BY_VALUE:hit", "EHCACHE_BY_REFERENCE:hit", "REDISSON:hit",
            "TIERED:miss", "EHCACHE_BY_VALUE:miss", "EHCACHE_BY_REFERENCE:miss", "REDISSON:miss", "NO_CACHE:miss"})
    public String scenario;

    @Param({"H2", "POSTGRES"})
    public String db;

    private Scenario parsed;
    private Services services;
    private Nodes nodes;
    private BenchNode node;

    /** A peer and the tier a find is answered from: {@code L1 hit}, {@code L2 hit}, {@code hit}, {@code miss}. */
    record Scenario(Peer peer, String tier) {

        static Scenario parse(String text) {
            int colon = text.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("a scenario is PEER:tier, e.g. TIERED:L1 hit, not " + text);
            }
            Scenario scenario = new Scenario(Peer.parse(text.substring(0, colon)), text.substring(colon + 1).trim());
            if (!scenario.valid()) {
                throw new IllegalArgumentException("no such scenario: " + text);
            }
            return scenario;
        }

        private boolean valid() {
            return switch (tier) {
                case "L1 hit", "L2 hit" -> peer == Peer.TIERED;
                case "hit" -> peer.caches() && peer != Peer.TIERED;
                case "miss" -> true;
                default -> false;
            };
        }

        /** Whether each invocation needs the state re-made first (then it runs as {@code findAfterReset}). */
        boolean resets() {
            return tier.equals("L2 hit") || (tier.equals("miss") && peer.caches());
        }

        /** The benchmark method that runs it. */
        String method() {
            return resets() ? "findAfterReset" : "find";
        }
    }

    @Setup(Level.Trial)
    public void start(BenchmarkParams params) {
        parsed = Scenario.parse(scenario);
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        if (!method.equals(parsed.method())) {
            throw new IllegalArgumentException(scenario + " runs as " + parsed.method() + ", not as " + method);
        }
        services = Services.start(Services.Db.valueOf(db), PRODUCTS);
        nodes = Nodes.start(parsed.peer(), services, 1, 2);
        node = nodes.get(0);
        for (int i = 0; i < 2; i++) { // the first fills whatever tiers the peer has; the second hits
            if (node.find(KEY) == null) {
                throw new IllegalStateException("product " + KEY + " is not in the catalogue");
            }
        }
        checkScenario();
    }

    /** One invocation as measured must query the database exactly when the scenario is a miss. */
    private void checkScenario() {
        long before = node.statements();
        if (parsed.resets()) {
            reset();
        }
        node.find(KEY);
        long sent = node.statements() - before;
        long expected = parsed.tier().equals("miss") ? 1 : 0;
        if (sent != expected) {
            throw new IllegalStateException(scenario + ": a find sent " + sent + " statements, not " + expected);
        }
    }

    /** Re-makes the scenario's state: ours' L1 emptied for an L2 hit, the key evicted everywhere for a miss. */
    void reset() {
        if (parsed.tier().equals("L2 hit")) {
            node.clearLocalTier();
        } else {
            node.evict(KEY);
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        try {
            if (nodes != null) {
                nodes.close();
            }
        } finally {
            if (services != null) {
                services.close();
            }
        }
    }

    /** A find whose cache state holds by itself: the returned product keeps it from being optimised away. */
    @Benchmark
    public Product find() {
        return node.find(KEY);
    }

    /** A find after {@link Reset} has re-made the state (its time is not measured). */
    @Benchmark
    public Product findAfterReset(Reset reset) {
        return node.find(KEY);
    }

    /** Runs {@link FindBenchmark#reset()} before every invocation of {@link #findAfterReset}, outside the timing. */
    @State(Scope.Thread)
    public static class Reset {
        @Setup(Level.Invocation)
        public void before(FindBenchmark benchmark) {
            benchmark.reset();
        }
    }
}
