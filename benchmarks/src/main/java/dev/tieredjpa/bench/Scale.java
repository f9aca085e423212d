package dev.tieredjpa.bench;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * How ours moves with size: for each catalogue size, the heap one L1 entry takes, the time of an L1-hit
 * and of an L2-hit {@code find} on random keys, and the 95/5 Zipfian workload with 1 to 4 threads per
 * node. Two nodes of ours, warmed with the whole catalogue.
 */
final class Scale {

    private Scale() {
    }

    static void run(Results results, Services.Db db, int[] sizes, int[] threadsPerNode, int lookups, Duration measure) {
        for (int size : sizes) {
            try (Services services = Services.start(db, size)) {
                long heapBefore = usedHeapAfterGc();
                try (Nodes nodes = Nodes.start(Peer.TIERED, services, 2, 6)) {
                    Preload.warm(nodes, size);
                    double bytesPerEntry = (usedHeapAfterGc() - heapBefore) / (2.0 * size);
                    results.add("scale", "measure", "heap per L1 entry", "entities", size, "threadsPerNode", 0,
                            "value", Math.round(bytesPerEntry), "unit", "bytes");
                    results.add("scale", "measure", "L1 hit", "entities", size, "threadsPerNode", 1,
                            "value", l1HitMicros(nodes.get(0), size, lookups), "unit", "µs");
                    results.add("scale", "measure", "L2 hit", "entities", size, "threadsPerNode", 1,
                            "value", l2HitMicros(nodes.get(1), size, lookups), "unit", "µs");
                    for (int threads : threadsPerNode) {
                        var spec = new Workload.Spec(Peer.TIERED, db, "zipf 0.99", 5, threads, size, Duration.ofSeconds(1), measure);
                        Workload.Result result = Workload.run(spec, nodes, services.catalog(), KeyChooser.zipfian(size, 0.99));
                        results.add("scale", "measure", "workload", "entities", size, "threadsPerNode", threads,
                                "value", Math.round(result.opsPerSecond()), "unit", "ops/s",
                                "staleReads", result.staleReads());
                    }
                }
            }
        }
    }

    /** Mean time of an L1-hit find of a random key (after a first pass that settles the JIT). */
    private static double l1HitMicros(BenchNode node, int size, int lookups) {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < lookups; i++) {
            node.findVersion(1 + random.nextInt(size));
        }
        long started = System.nanoTime();
        for (int i = 0; i < lookups; i++) {
            node.findVersion(1 + random.nextInt(size));
        }
        return (System.nanoTime() - started) / 1e3 / lookups;
    }

    /** Mean time of an L2-hit find: L1 emptied, then distinct keys, each read once. */
    private static double l2HitMicros(BenchNode node, int size, int lookups) {
        node.clearLocalTier();
        int count = Math.min(size, lookups);
        long stride = Math.max(1, size / count);
        long started = System.nanoTime();
        for (int i = 0; i < count; i++) {
            node.findVersion(1 + i * stride);
        }
        return (System.nanoTime() - started) / 1e3 / count;
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
