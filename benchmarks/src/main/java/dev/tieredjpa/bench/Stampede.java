package dev.tieredjpa.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import org.HdrHistogram.Histogram;

/**
 * The stampede benchmark: {@code readers} threads, half on each of two nodes, all released at once onto one
 * key that no tier holds; how many times the database was asked for it, and how long the readers took.
 * Repeated over several cold keys. Ours guards the key (single flight in the JVM, a lease in Redis); the
 * other peers do not, and every reader that misses loads.
 */
final class Stampede {

    record Result(Peer peer, int readers, int rounds, double dbLoadsPerRound, long maxDbLoads, double p50Micros,
                  double p99Micros) {
    }

    private Stampede() {
    }

    static Result run(Nodes nodes, int readers, int rounds, long firstColdId) throws InterruptedException {
        Histogram latency = new Histogram(60_000_000_000L, 2);
        long loads = 0;
        long maxLoads = 0;
        for (int round = 0; round < rounds; round++) {
            long id = firstColdId + round;
            nodes.all().forEach(node -> node.evict(id));
            long before = nodes.statements();
            stampede(nodes, readers, id, latency);
            long roundLoads = nodes.statements() - before;
            loads += roundLoads;
            maxLoads = Math.max(maxLoads, roundLoads);
        }
        return new Result(nodes.peer(), readers, rounds, (double) loads / rounds, maxLoads,
                latency.getValueAtPercentile(50) / 1e3, latency.getValueAtPercentile(99) / 1e3);
    }

    private static void stampede(Nodes nodes, int readers, long id, Histogram latency) throws InterruptedException {
        CyclicBarrier start = new CyclicBarrier(readers);
        CountDownLatch done = new CountDownLatch(readers);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < readers; i++) {
            BenchNode node = nodes.get(i % nodes.size());
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    long began = System.nanoTime();
                    if (node.findVersion(id) < 0) {
                        throw new IllegalStateException("product " + id + " not found");
                    }
                    long took = System.nanoTime() - began;
                    synchronized (latency) {
                        latency.recordValue(Math.min(took, latency.getHighestTrackableValue()));
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                } finally {
                    done.countDown();
                }
            }, "stampede-" + i);
            threads.add(thread);
            thread.start();
        }
        done.await();
        for (Thread thread : threads) {
            thread.join();
        }
    }
}
