package dev.tieredjpa.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * The workload benchmark: threads on each node read and update products, keys drawn uniform or
 * Zipfian, for a warm-up and then a measured time. Every read is checked against the last version
 * committed before it began (a writer records its version once its commit has returned): a read that
 * returns an older one is a <em>stale read</em>, counted over the whole run, warm-up included.
 */
final class Workload {

    record Spec(Peer peer, Services.Db db, String keys, int writePercent, int threadsPerNode, int entities,
                Duration warmup, Duration measure) {
        String mix() {
            return (100 - writePercent) + "/" + writePercent;
        }
    }

    record Result(Spec spec, long operations, double opsPerSecond, double p50Micros, double p99Micros,
                  double statementsPer1000, long readsChecked, long staleReads, long writes, long writesGivenUp,
                  long errors) {
    }

    private Workload() {
    }

    /**
     * Runs {@code spec} on {@code nodes} (two, started for {@code spec.peer()} and warmed, see {@link Preload}).
     * Each run reads the committed versions afresh, so runs may follow each other on the same nodes.
     */
    static Result run(Spec spec, Nodes nodes, Catalog catalog, KeyChooser keys) {
        return new Run(spec, nodes, keys, new AtomicLongArray(catalog.versionsById())).execute();
    }

    /** One run's threads and counters. */
    private static final class Run {
        private final Spec spec;
        private final Nodes nodes;
        private final KeyChooser keys;
        private final AtomicLongArray committed;
        private final LongAdder staleReads = new LongAdder();
        private final LongAdder readsChecked = new LongAdder();
        private final LongAdder errors = new LongAdder();
        private final LongAdder writesGivenUp = new LongAdder();
        private final List<Histogram> histograms = new ArrayList<>();
        private final LongAdder measuredOps = new LongAdder();
        private final LongAdder measuredWrites = new LongAdder();
        private volatile int phase; // 0 warm-up, 1 measured, 2 stop

        Run(Spec spec, Nodes nodes, KeyChooser keys, AtomicLongArray committed) {
            this.spec = spec;
            this.nodes = nodes;
            this.keys = keys;
            this.committed = committed;
        }

        Result execute() {
            List<Thread> threads = new ArrayList<>();
            long seed = 42;
            for (BenchNode node : nodes.all()) {
                for (int t = 0; t < spec.threadsPerNode(); t++) {
                    Histogram histogram = new Histogram(60_000_000_000L, 2);
                    histograms.add(histogram);
                    SplittableRandom random = new SplittableRandom(seed++);
                    Thread thread = new Thread(() -> loop(node, random, histogram), node.name() + "-worker-" + t);
                    thread.start();
                    threads.add(thread);
                }
            }
            sleep(spec.warmup());
            long statementsBefore = nodes.statements();
            long started = System.nanoTime();
            phase = 1;
            sleep(spec.measure());
            phase = 2;
            long elapsed = System.nanoTime() - started;
            long statements = nodes.statements() - statementsBefore;
            threads.forEach(Run::join);

            Histogram all = new Histogram(60_000_000_000L, 2);
            histograms.forEach(all::add);
            long operations = measuredOps.sum();
            return new Result(spec, operations, operations / (elapsed / 1e9),
                    all.getValueAtPercentile(50) / 1e3, all.getValueAtPercentile(99) / 1e3,
                    operations == 0 ? 0 : statements * 1000.0 / operations,
                    readsChecked.sum(), staleReads.sum(), measuredWrites.sum(), writesGivenUp.sum(), errors.sum());
        }

        private void loop(BenchNode node, SplittableRandom random, Histogram histogram) {
            while (phase != 2) {
                long id = keys.next(random);
                boolean write = random.nextInt(100) < spec.writePercent();
                boolean measured = phase == 1;
                long start = System.nanoTime();
                try {
                    if (write) {
                        long version = node.touchPrice(id);
                        committed.accumulateAndGet((int) id, version, Math::max);
                    } else {
                        long floor = committed.get((int) id);
                        long seen = node.findVersion(id);
                        readsChecked.increment();
                        if (seen < floor) {
                            staleReads.increment();
                        }
                    }
                } catch (RuntimeException e) {
                    if (isVersionConflict(e)) {
                        writesGivenUp.increment();
                    } else if (errors.sum() == 0) {
                        errors.increment();
                        System.out.println("  first error on " + node + ": " + e);
                    } else {
                        errors.increment();
                    }
                    continue;
                }
                long took = System.nanoTime() - start;
                if (measured && phase == 1) {
                    histogram.recordValue(Math.min(took, histogram.getHighestTrackableValue()));
                    measuredOps.increment();
                    if (write) {
                        measuredWrites.increment();
                    }
                }
            }
        }

        /** An update that lost the version check on every try: contention, not a fault. */
        private static boolean isVersionConflict(Throwable e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof jakarta.persistence.OptimisticLockException
                        || cause instanceof org.hibernate.StaleStateException) {
                    return true;
                }
            }
            return false;
        }

        private static void sleep(Duration duration) {
            try {
                Thread.sleep(duration.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }

        private static void join(Thread thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }
}
