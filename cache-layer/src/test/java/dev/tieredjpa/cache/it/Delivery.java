package dev.tieredjpa.cache.it;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * Waits until one node has received every invalidation another node sent since this was made, region by
 * region: the end of the propagation window for what the sender did. Tests use it before a step whose
 * outcome on the receiver depends on those messages having landed (an L1 fill that a late message would
 * refuse or evict). Count-based: it assumes that, meanwhile, only {@code from} sends in these regions.
 */
final class Delivery {

    private static final Duration WITHIN = Duration.ofSeconds(5);

    private final Node from;
    private final Node to;
    private final Map<String, long[]> before = new LinkedHashMap<>();

    private Delivery(Node from, Node to, String... regions) {
        this.from = from;
        this.to = to;
        for (String region : regions) {
            before.put(region, new long[] {
                    from.regionStats(region).invalidationsSent(), to.regionStats(region).invalidationsReceived()});
        }
    }

    /** Starts counting what {@code from} sends to {@code to} in these regions. */
    static Delivery from(Node from, Node to, String... regions) {
        return new Delivery(from, to, regions);
    }

    /** Waits (at most 5 s) until {@code to} has received, in every region, as many messages as {@code from} sent. */
    void awaitReceived() {
        before.forEach((region, counts) -> Awaitility.await()
                .alias("node " + to.name() + " receives node " + from.name() + "'s invalidations in " + region)
                .atMost(WITHIN)
                .pollInterval(Duration.ofMillis(1))
                .until(() -> to.regionStats(region).invalidationsReceived() - counts[1]
                        >= from.regionStats(region).invalidationsSent() - counts[0]));
    }
}
