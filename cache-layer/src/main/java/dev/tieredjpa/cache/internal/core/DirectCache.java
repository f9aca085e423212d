package dev.tieredjpa.cache.internal.core;

import dev.tieredjpa.cache.CacheRead;
import dev.tieredjpa.cache.ReadPolicy;
import dev.tieredjpa.cache.ReadSource;
import dev.tieredjpa.cache.TieredCache;
import dev.tieredjpa.cache.ValueFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/** {@link TieredCache} on a {@link TieredRegion}; values unversioned, fenced by leases. */
public final class DirectCache<K, V> implements TieredCache<K, V> {

    private static final long UNVERSIONED = -1;

    private final TieredRegion region;
    private final TieredRuntime runtime;
    private volatile ScheduledFuture<?> refreshAhead;

    public DirectCache(TieredRuntime runtime, String name, ValueFormat<V> format) {
        this(runtime, name, format, ReadPolicy.DEFAULT);
    }

    public DirectCache(TieredRuntime runtime, String name, ValueFormat<V> format, ReadPolicy readPolicy) {
        this.runtime = runtime;
        this.region = runtime.region(name, new FormatCodec<>(format), true, readPolicy);
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(K key) {
        return (V) region.get(key(key), LeaseHolder.NONE);
    }

    @Override
    public V get(K key, Function<? super K, ? extends V> loader) {
        return read(key, loader).value();
    }

    @Override
    @SuppressWarnings("unchecked")
    public CacheRead<V> read(K key, Function<? super K, ? extends V> loader) {
        Objects.requireNonNull(loader, "loader");
        TieredKey tieredKey = key(key);
        CallTickets tickets = new CallTickets();
        ReadTrace.clear();
        Object cached = region.get(tieredKey, tickets);
        LoadTicket ticket = tickets.find(region.name(), tieredKey);
        if (cached != null) {
            return new CacheRead<>((V) cached, source(ReadSource.L2), Duration.ZERO);
        }
        if (ticket != null && ticket.absent()) {
            tickets.take(region.name(), tieredKey);
            return new CacheRead<>(null, ReadSource.ABSENT, Duration.ZERO);
        }
        V loaded;
        try {
            loaded = loader.apply(key);
        } catch (RuntimeException failed) {
            LoadTicket.StaleValue stale = region.staleAfterFailure(ticket);
            region.abandon(tieredKey, tickets);
            if (stale != null) {
                ReadTrace.Last last = ReadTrace.last();
                return new CacheRead<>((V) stale.value(), ReadSource.STALE, Duration.ofMillis(last == null ? 0 : last.ageMillis()));
            }
            throw failed;
        }
        if (loaded == null) {
            region.putAbsent(tieredKey, tickets);
        } else {
            region.putFromLoad(tieredKey, loaded, UNVERSIONED, tickets);
        }
        return new CacheRead<>(loaded, ReadSource.DB, Duration.ZERO);
    }

    private static ReadSource source(ReadSource fallback) {
        ReadTrace.Last last = ReadTrace.last();
        return last == null ? fallback : last.source();
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<K, V> getAll(Collection<? extends K> keys) {
        List<K> ordered = new ArrayList<>(keys);
        List<Object> values = region.getAll(ordered.stream().map(DirectCache::key).toList());
        Map<K, V> found = new LinkedHashMap<>();
        for (int i = 0; i < ordered.size(); i++) {
            if (values.get(i) != null && !(values.get(i) instanceof PendingDelete)) {
                found.put(ordered.get(i), (V) values.get(i));
            }
        }
        return found;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<K, V> getAll(Collection<? extends K> keys,
                            Function<? super Collection<K>, ? extends Map<K, ? extends V>> loader) {
        Objects.requireNonNull(loader, "loader");
        List<K> ordered = new ArrayList<>(keys);
        List<TieredKey> tieredKeys = ordered.stream().map(DirectCache::key).toList();
        CallTickets tickets = new CallTickets();
        List<Object> values = region.getAll(tieredKeys, tickets);
        Map<K, V> found = new HashMap<>();
        List<K> misses = new ArrayList<>();
        for (int i = 0; i < ordered.size(); i++) {
            Object value = values.get(i);
            LoadTicket ticket = tickets.find(region.name(), tieredKeys.get(i));
            if (value != null && !(value instanceof PendingDelete)) {
                found.put(ordered.get(i), (V) value);
            } else if (value == null && (ticket == null || !ticket.absent()) && !found.containsKey(ordered.get(i))
                    && !misses.contains(ordered.get(i))) {
                misses.add(ordered.get(i));
            }
        }
        if (!misses.isEmpty()) {
            Map<K, ? extends V> loaded;
            try {
                loaded = loader.apply(List.copyOf(misses));
            } catch (RuntimeException failed) {
                misses.forEach(k -> region.abandon(key(k), tickets));
                throw failed;
            }
            List<TieredRegion.Loaded> fills = new ArrayList<>();
            List<TieredKey> absent = new ArrayList<>();
            for (K miss : misses) {
                V value = loaded == null ? null : loaded.get(miss);
                if (value == null) {
                    absent.add(key(miss));
                } else {
                    found.put(miss, value);
                    fills.add(new TieredRegion.Loaded(key(miss), value, UNVERSIONED));
                }
            }
            region.putAllFromLoad(fills, absent, tickets);
        }
        Map<K, V> inOrder = new LinkedHashMap<>();
        for (K key : ordered) {
            V value = found.get(key);
            if (value != null) {
                inOrder.put(key, value);
            }
        }
        return inOrder;
    }

    @Override
    public void put(K key, V value) {
        Objects.requireNonNull(value, "value");
        region.afterUpdate(key(key), null, value, UNVERSIONED);
    }

    @Override
    public void invalidate(K key) {
        region.invalidate(key(key), UNVERSIONED);
    }

    @Override
    public void invalidateAll() {
        region.clear();
    }

    @Override
    public void warm(Collection<? extends K> keys, Function<? super K, ? extends V> loader) {
        Objects.requireNonNull(loader, "loader");
        warm(keys, batch -> {
            Map<K, V> loaded = new HashMap<>();
            for (K key : batch) {
                V value = loader.apply(key);
                if (value != null) {
                    loaded.put(key, value);
                }
            }
            return loaded;
        }, 100, progress -> { });
    }

    @Override
    public WarmProgress warm(Collection<? extends K> keys,
                             Function<? super Collection<K>, ? extends Map<K, ? extends V>> loader, int batchSize,
                             Consumer<WarmProgress> progress) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, but was " + batchSize);
        }
        List<K> all = new ArrayList<>(keys);
        int loadedCount = 0;
        WarmProgress last = new WarmProgress(0, all.size(), 0);
        for (int from = 0; from < all.size(); from += batchSize) {
            List<K> batch = all.subList(from, Math.min(all.size(), from + batchSize));
            int[] loadedHere = {0};
            getAll(batch, misses -> {
                Map<K, ? extends V> loaded = loader.apply(misses);
                loadedHere[0] = loaded == null ? 0 : loaded.size();
                return loaded;
            });
            loadedCount += loadedHere[0];
            last = new WarmProgress(from + batch.size(), all.size(), loadedCount);
            progress.accept(last);
        }
        return last;
    }

    @Override
    public void refreshAhead(Collection<? extends K> keys, Function<? super K, ? extends V> loader, Duration window) {
        Objects.requireNonNull(loader, "loader");
        Objects.requireNonNull(window, "window");
        List<K> hot = List.copyOf(keys);
        ScheduledFuture<?> previous = refreshAhead;
        if (previous != null) {
            previous.cancel(false);
        }
        long periodMillis = Math.max(10, Math.min(window.toMillis() / 4, 1_000));
        refreshAhead = runtime.schedule(() -> {
            for (K key : hot) {
                refreshIfDue(key, loader, window);
            }
        }, periodMillis);
    }

    /** Reloads one hot key when its expiry is within {@code window}, if this node gets its lease. */
    private void refreshIfDue(K key, Function<? super K, ? extends V> loader, Duration window) {
        TieredKey tieredKey = key(key);
        CallTickets tickets = new CallTickets();
        if (!region.refreshAheadIfDue(tieredKey, window, tickets)) {
            return;
        }
        V loaded;
        try {
            loaded = loader.apply(key);
        } catch (RuntimeException failed) {
            region.abandon(tieredKey, tickets);
            return;
        }
        if (loaded == null) {
            region.putAbsent(tieredKey, tickets);
        } else {
            region.putFromLoad(tieredKey, loaded, UNVERSIONED, tickets);
        }
    }

    @Override
    public RegionStats stats() {
        return region.stats();
    }

    private static TieredKey key(Object key) {
        return new TieredKey(String.valueOf(Objects.requireNonNull(key, "key")), key);
    }

    /** The tickets of one call: one per key it missed. */
    private static final class CallTickets implements LeaseHolder {
        private final Map<TieredKey, LoadTicket> tickets = new HashMap<>();

        @Override
        public void hold(String region, TieredKey key, LoadTicket ticket) {
            tickets.put(key, ticket);
        }

        @Override
        public LoadTicket take(String region, TieredKey key) {
            return tickets.remove(key);
        }

        @Override
        public LoadTicket find(String region, TieredKey key) {
            return tickets.get(key);
        }
    }

    /** A user's {@link ValueFormat} as the region's codec. */
    private record FormatCodec<V>(ValueFormat<V> format) implements ValueCodec {
        @Override
        @SuppressWarnings("unchecked")
        public byte[] encode(Object value) {
            return format.encode((V) value);
        }

        @Override
        public Object decode(byte[] bytes) {
            return format.decode(bytes);
        }
    }
}
