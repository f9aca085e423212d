package dev.tieredjpa.cache.internal.core;

import dev.tieredjpa.cache.TieredCache;
import dev.tieredjpa.cache.ValueFormat;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/** {@link TieredCache} on a {@link TieredRegion}; values unversioned, fenced by leases. */
public final class DirectCache<K, V> implements TieredCache<K, V> {

    private static final long UNVERSIONED = -1;

    private final TieredRegion region;

    public DirectCache(TieredRuntime runtime, String name, ValueFormat<V> format) {
        this.region = runtime.region(name, new FormatCodec<>(format), true);
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(K key) {
        return (V) region.get(key(key), LeaseHolder.NONE);
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(K key, Function<? super K, ? extends V> loader) {
        TieredKey tieredKey = key(key);
        SingleLease lease = new SingleLease();
        Object cached = region.get(tieredKey, lease);
        if (cached != null) {
            return (V) cached;
        }
        V loaded = loader.apply(key);
        if (loaded != null) {
            region.putFromLoad(tieredKey, loaded, UNVERSIONED, lease);
        }
        return loaded;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<K, V> getAll(Collection<? extends K> keys) {
        List<K> ordered = new ArrayList<>(keys);
        List<TieredKey> tieredKeys = ordered.stream().map(DirectCache::key).toList();
        List<Object> values = region.getAll(tieredKeys);
        Map<K, V> found = new LinkedHashMap<>();
        for (int i = 0; i < ordered.size(); i++) {
            if (values.get(i) != null && !(values.get(i) instanceof PendingDelete)) {
                found.put(ordered.get(i), (V) values.get(i));
            }
        }
        return found;
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
        for (K key : keys) {
            get(key, loader);
        }
    }

    @Override
    public RegionStats stats() {
        return region.stats();
    }

    private static TieredKey key(Object key) {
        return new TieredKey(String.valueOf(Objects.requireNonNull(key, "key")), key);
    }

    /** The one lease a single get-and-load may be granted. */
    private static final class SingleLease implements LeaseHolder {
        private String token;

        @Override
        public void granted(String region, TieredKey key, String token) {
            this.token = token;
        }

        @Override
        public String take(String region, TieredKey key) {
            String taken = token;
            token = null;
            return taken;
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
