package dev.tieredjpa.cache.internal.bus;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Invalidations this node owes Redis: changes it committed while it could not reach Redis (to mark in L2
 * and to publish). Kept in memory, bounded; one per key, the highest version. Past the bound the keys
 * are dropped and their regions remembered instead, to be cleared whole on replay: coarser, never wrong.
 */
public final class PendingInvalidations {

    private record RegionKey(String region, String keyText) {
    }

    private final int maxKeys;
    private final Map<RegionKey, Long> keys = new LinkedHashMap<>();
    private final Set<String> overflowedRegions = new HashSet<>();

    public PendingInvalidations(int maxKeys) {
        this.maxKeys = maxKeys;
    }

    public synchronized void add(String region, String keyText, long version) {
        if (overflowedRegions.contains(region)) {
            return;
        }
        keys.merge(new RegionKey(region, keyText), version, Math::max);
        if (keys.size() > maxKeys) {
            overflowedRegions.add(region);
            keys.keySet().removeIf(key -> key.region().equals(region));
        }
    }

    public synchronized void addRegion(String region) {
        overflowedRegions.add(region);
        keys.keySet().removeIf(key -> key.region().equals(region));
    }

    public synchronized boolean isEmpty() {
        return keys.isEmpty() && overflowedRegions.isEmpty();
    }

    public synchronized int size() {
        return keys.size() + overflowedRegions.size();
    }

    /** Takes everything owed, leaving this empty; give back what could not be replayed with {@link #restore}. */
    public synchronized Snapshot drain() {
        List<Invalidation> keyInvalidations = new ArrayList<>(keys.size());
        keys.forEach((key, version) -> keyInvalidations.add(Invalidation.key("", key.region(), key.keyText(), version)));
        Snapshot snapshot = new Snapshot(keyInvalidations, Set.copyOf(overflowedRegions));
        keys.clear();
        overflowedRegions.clear();
        return snapshot;
    }

    public synchronized void restore(Snapshot snapshot) {
        snapshot.regions().forEach(this::addRegion);
        snapshot.keys().forEach(i -> add(i.region(), i.keyText(), i.version()));
    }

    /** What was owed at one moment: key invalidations, and regions to clear whole. */
    public record Snapshot(List<Invalidation> keys, Set<String> regions) {
    }
}
