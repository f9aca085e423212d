package dev.tieredjpa.bench;

import dev.tieredjpa.cache.internal.bus.Invalidation;
import dev.tieredjpa.domain.Product;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.redisson.api.RTopic;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * Invalidation propagation, ours only (the peers have no per-node tier to invalidate, or never invalidate
 * it): node a updates a product, and a listener on node b's own Redis connection, which runs right after
 * node b's cache has dropped its copy, notes when that happened. The figure is from the moment a's
 * transaction began to commit to the moment b had evicted. Writes are spaced out, one at a time.
 */
final class Propagation {

    record Result(int samples, double p50Micros, double p99Micros, double maxMicros) {
    }

    private Propagation() {
    }

    static Result run(Nodes nodes, String keyPrefix, int samples) throws InterruptedException {
        BenchNode a = nodes.get(0);
        BenchNode b = nodes.get(1);
        BlockingQueue<Long> evictedAt = new ArrayBlockingQueue<>(samples + 16);
        RTopic channel = b.tieredFactory().runtime().redisson().getTopic(keyPrefix + "invalidations", ByteArrayCodec.INSTANCE);
        String productRegion = Product.class.getName();
        int listener = channel.addListener(byte[].class, (name, message) -> {
            long now = System.nanoTime();
            Invalidation invalidation = Invalidation.decode(message);
            if (invalidation.kind() == Invalidation.Kind.KEY && invalidation.region().equals(productRegion)
                    && !invalidation.origin().startsWith(b.name() + "/")) {
                evictedAt.offer(now);
            }
        });
        try {
            Histogram delays = new Histogram(60_000_000_000L, 2);
            for (int i = 0; i < samples; i++) {
                long id = 1 + i % 100;
                b.findVersion(id);
                long committing = a.touch(id).commitStartedNanos();
                Long evicted = evictedAt.poll(5, TimeUnit.SECONDS);
                if (evicted == null) {
                    throw new IllegalStateException("node b never heard of the update of product " + id);
                }
                delays.recordValue(Math.max(0, evicted - committing));
            }
            return new Result(samples, delays.getValueAtPercentile(50) / 1e3, delays.getValueAtPercentile(99) / 1e3,
                    delays.getMaxValue() / 1e3);
        } finally {
            channel.removeListener(listener);
        }
    }
}
