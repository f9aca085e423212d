package dev.tieredjpa.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The whole comparison in one command: {@code java -jar benchmarks/target/benchmarks.jar [full|quick] [out-dir]}
 * (or {@code benchmarks/run}); a third argument, such as {@code workload,stampede}, runs only those sections. Writes {@code results.json}, the charts and {@code report.md} into the
 * output directory (default {@code benchmarks/results}, quick: {@code benchmarks/results-quick}).
 *
 * <p>Full: every benchmark at the sizes, about 13 minutes on 2 cores. Quick: every benchmark at the
 * smallest size that still runs it, under 2 minutes, for CI. Both end with the correctness checks (ours
 * served no stale read in any workload; a stampede on ours loaded the key once) and exit 1 if one fails;
 * timings are reported, never checked.
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = args.length > 0 && args[0].equals("quick");
        if (args.length > 0 && !args[0].equals("quick") && !args[0].equals("full")) {
            System.err.println("usage: benchmarks.jar [full|quick] [out-dir]");
            System.exit(2);
        }
        Path out = Path.of(args.length > 1 ? args[1] : quick ? "benchmarks/results-quick" : "benchmarks/results");
        only = args.length > 2 ? Set.of(args[2].split(",")) : null;
        Files.createDirectories(out);
        Plan plan = quick ? Plan.QUICK : Plan.FULL;
        Results results = new Results();
        Environment.describe(results, quick ? "quick" : "full");
        Path file = out.resolve("results.json");
        long started = System.nanoTime();

        Set<Services.Db> dbs = EnumSet.of(Services.Db.H2);
        if (Services.available(Services.Db.POSTGRES)) {
            dbs.add(Services.Db.POSTGRES);
        } else {
            System.out.println("PostgreSQL not available (set DB_URL): every benchmark runs on H2 only");
        }
        Services.Db realistic = dbs.contains(Services.Db.POSTGRES) ? Services.Db.POSTGRES : Services.Db.H2;

        section("JMH: find per tier, direct get", () -> JmhSuite.run(results, quick, dbs));
        results.write(file);
        section("Redis round trips per operation", () -> {
            try (Services services = Services.start(Services.Db.H2, 100)) {
                RedisRoundTrips.measure(results, services);
            }
        });
        section("workload", () -> workloads(results, plan, dbs, realistic));
        results.write(file);
        section("stampede", () -> stampedes(results, plan, realistic));
        section("write-behind vs write-through", () -> writeBehind(results, plan, realistic));
        section("propagation", () -> propagation(results, plan, realistic));
        results.write(file);
        section("scale", () -> Scale.run(results, Services.Db.H2, plan.scaleSizes, plan.scaleThreads, plan.scaleLookups,
                plan.measure));
        results.meta("minutes", Math.round((System.nanoTime() - started) / 6e9) / 10.0);
        results.write(file);

        List<Path> charts = Charts.write(results, out);
        Files.writeString(out.resolve("report.md"), Report.markdown(results));
        System.out.println("wrote " + file + ", " + out.resolve("report.md") + " and " + charts.size() + " charts");

        List<String> failures = Checks.correctness(results);
        failures.forEach(failure -> System.out.println("CHECK FAILED: " + failure));
        if (!failures.isEmpty()) {
            System.exit(1);
        }
        System.out.println("correctness checks passed: ours served no stale read, and a stampede loaded once");
        System.exit(0);
    }

    /** Sizes and times of the two modes. */
    private enum Plan {
        FULL(100_000, Duration.ofMillis(1500), Duration.ofSeconds(4), true, 3, new int[] {10_000, 100_000, 1_000_000},
                new int[] {1, 2, 4}, 100_000, 500, Duration.ofSeconds(3)),
        QUICK(5_000, Duration.ofMillis(500), Duration.ofSeconds(1), false, 1, new int[] {5_000}, new int[] {1, 2},
                5_000, 50, Duration.ofSeconds(1));

        final int entities;
        final Duration warmup;
        final Duration measure;
        final boolean everyMix;
        final int stampedeRounds;
        final int[] scaleSizes;
        final int[] scaleThreads;
        final int scaleLookups;
        final int propagationSamples;
        final Duration touchTime;

        Plan(int entities, Duration warmup, Duration measure, boolean everyMix, int stampedeRounds, int[] scaleSizes,
             int[] scaleThreads, int scaleLookups, int propagationSamples, Duration touchTime) {
            this.entities = entities;
            this.warmup = warmup;
            this.measure = measure;
            this.everyMix = everyMix;
            this.stampedeRounds = stampedeRounds;
            this.scaleSizes = scaleSizes;
            this.scaleThreads = scaleThreads;
            this.scaleLookups = scaleLookups;
            this.propagationSamples = propagationSamples;
            this.touchTime = touchTime;
        }
    }

    private static final int THREADS_PER_NODE = 2;

    /**
     * On the realistic database: both key distributions and the three mixes (quick: Zipfian 95/5 and
     * 50/50). On H2: Zipfian 95/5. Each peer's two nodes are started and warmed once for all its runs.
     */
    private static void workloads(Results results, Plan plan, Set<Services.Db> dbs, Services.Db realistic) {
        for (Services.Db db : dbs) {
            boolean full = db == realistic;
            List<String> keyKinds = full && plan.everyMix ? List.of("zipf 0.99", "uniform") : List.of("zipf 0.99");
            List<Integer> writePercents = full ? (plan.everyMix ? List.of(0, 5, 50) : List.of(5, 50)) : List.of(5);
            try (Services services = Services.start(db, plan.entities)) {
                for (Peer peer : Peer.values()) {
                    try (Nodes nodes = Nodes.start(peer, services, 2, THREADS_PER_NODE + 2)) {
                        Preload.warm(nodes, plan.entities);
                        for (String keys : keyKinds) {
                            KeyChooser chooser = keys.equals("uniform") ? KeyChooser.uniform(plan.entities)
                                    : KeyChooser.zipfian(plan.entities, 0.99);
                            for (int writes : writePercents) {
                                var spec = new Workload.Spec(peer, db, keys, writes, THREADS_PER_NODE, plan.entities,
                                        plan.warmup, plan.measure);
                                Workload.Result r = Workload.run(spec, nodes, services.catalog(), chooser);
                                System.out.printf("  %-10s %-20s %-9s %-6s %9.0f ops/s  p50 %8.1f µs  p99 %9.1f µs  "
                                                + "%7.1f stmts/1k  stale %d of %d reads%n", db, peer.label(), keys, spec.mix(),
                                        r.opsPerSecond(), r.p50Micros(), r.p99Micros(), r.statementsPer1000(), r.staleReads(),
                                        r.readsChecked());
                                results.add("workload", "peer", peer.name(), "db", db.name(), "keys", keys, "mix", spec.mix(),
                                        "threadsPerNode", THREADS_PER_NODE, "entities", plan.entities,
                                        "opsPerSecond", r.opsPerSecond(), "p50Micros", r.p50Micros(), "p99Micros", r.p99Micros(),
                                        "statementsPer1000", r.statementsPer1000(), "readsChecked", r.readsChecked(),
                                        "staleReads", r.staleReads(), "writes", r.writes(), "writesGivenUp", r.writesGivenUp(),
                                        "errors", r.errors());
                            }
                        }
                    }
                }
            }
        }
    }

    private static final int STAMPEDE_READERS = 200;

    private static void stampedes(Results results, Plan plan, Services.Db db) throws InterruptedException {
        try (Services services = Services.start(db, 1_000)) {
            long coldId = 1;
            for (Peer peer : Peer.values()) {
                try (Nodes nodes = Nodes.start(peer, services, 2, 10)) {
                    Stampede.Result r = Stampede.run(nodes, STAMPEDE_READERS, plan.stampedeRounds, coldId);
                    coldId += plan.stampedeRounds;
                    System.out.printf("  %-20s %d readers: %.1f DB loads per cold key (max %d), p50 %.0f µs, p99 %.0f µs%n",
                            peer.label(), r.readers(), r.dbLoadsPerRound(), r.maxDbLoads(), r.p50Micros(), r.p99Micros());
                    results.add("stampede", "peer", peer.name(), "db", db.name(), "protection", peer == Peer.TIERED,
                            "readers", r.readers(), "rounds", r.rounds(), "dbLoads", r.dbLoadsPerRound(),
                            "maxDbLoads", r.maxDbLoads(), "p50Micros", r.p50Micros(), "p99Micros", r.p99Micros());
                }
            }
        }
    }

    private static void writeBehind(Results results, Plan plan, Services.Db db) throws InterruptedException {
        try (Services services = Services.start(db, 10)) {
            for (boolean hot : List.of(true, false)) {
                for (boolean behind : List.of(true, false)) {
                    WriteBehindBench.Result r = WriteBehindBench.run(services, behind, hot, 4, plan.touchTime);
                    System.out.printf("  %-13s %-24s %7d touches (%d refused)  %9.0f /s  %7.1f stmts/1k  lag p50 %.0f ms max %.0f ms, "
                                    + "drained %.0f ms after%n", r.policy(), r.keys(), r.touches(), r.refused(), r.acceptedPerSecond(),
                            r.statementsPer1000(), r.lagP50Millis(), r.lagMaxMillis(), r.drainMillis());
                    results.add("writeBehind", "policy", r.policy(), "keys", r.keys(), "touches", r.touches(), "refused", r.refused(),
                            "acceptedPerSecond", r.acceptedPerSecond(), "statementsPer1000", r.statementsPer1000(),
                            "lagP50Millis", r.lagP50Millis(), "lagMaxMillis", r.lagMaxMillis(), "drainMillis", r.drainMillis());
                }
            }
        }
    }

    private static void propagation(Results results, Plan plan, Services.Db db) throws InterruptedException {
        try (Services services = Services.start(db, 100); Nodes nodes = Nodes.start(Peer.TIERED, services, 2, 4)) {
            Propagation.Result r = Propagation.run(nodes, nodes.keyPrefix(), plan.propagationSamples);
            System.out.printf("  commit on a to eviction on b: p50 %.0f µs, p99 %.0f µs, max %.0f µs (%d writes)%n",
                    r.p50Micros(), r.p99Micros(), r.maxMicros(), r.samples());
            results.add("propagation", "peer", Peer.TIERED.name(), "samples", r.samples(), "p50Micros", r.p50Micros(),
                    "p99Micros", r.p99Micros(), "maxMicros", r.maxMicros());
        }
    }

    private interface Section {
        void run() throws Exception;
    }

    /** The sections to run (the first word of their names), or null for all: for working on one of them. */
    private static Set<String> only;

    private static void section(String name, Section section) throws Exception {
        if (only != null && !only.contains(name.split("[ :]")[0].toLowerCase())) {
            return;
        }
        long started = System.nanoTime();
        System.out.println("== " + name);
        section.run();
        System.out.printf("   (%s took %.0f s)%n", name, (System.nanoTime() - started) / 1e9);
    }
}
