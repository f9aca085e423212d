package dev.tieredjpa.cache.stats;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One look at a node's tiered cache: every region's figures per tier, and its Redis. Immutable; the
 * counters are cumulative since the node started, so a rate over an interval is the difference of two
 * snapshots. Taking one reads striped counters and histograms without stopping the readers, so figures
 * of one snapshot may be a few operations apart.
 *
 * <p>Get one from {@code TieredRegionFactory.stats()}, {@code TieredCacheManager.stats()} or
 * {@link TieredStats#of(jakarta.persistence.EntityManagerFactory)}. It is cheap: Redis's figures and the
 * write-behind queues' are read at most once a second and reused in between.
 *
 * @param node    the node's name ({@code tiered-cache.node-name})
 * @param takenAt when the snapshot was taken (wall clock)
 * @param redis   the node's view of Redis
 * @param regions every region of the node, by name
 */
public record CacheStats(String node, Instant takenAt, RedisSnapshot redis, List<RegionSnapshot> regions) {

    public CacheStats {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(takenAt, "takenAt");
        Objects.requireNonNull(redis, "redis");
        regions = regions.stream().sorted(Comparator.comparing(RegionSnapshot::name)).toList();
    }

    /** The region of this name, if the node has it. */
    public Optional<RegionSnapshot> region(String name) {
        return regions.stream().filter(r -> r.name().equals(name)).findFirst();
    }
}
