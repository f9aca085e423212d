package dev.tieredjpa.cache.internal.codec;

import java.io.Serializable;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import org.hibernate.Version;
import org.hibernate.cache.internal.QueryResultsCacheImpl;
import org.hibernate.cache.spi.entry.CollectionCacheEntry;
import org.hibernate.cache.spi.entry.StandardCacheEntryImpl;

/**
 * The non-public parts of Hibernate's cache values that the codec must build and read, resolved
 * once, when this class initializes:
 *
 * <ul>
 *   <li>{@code StandardCacheEntryImpl(Serializable[] disassembledState, String subclass, Object version)},
 *       package-private;</li>
 *   <li>{@code CollectionCacheEntry(Serializable state)}, package-private, and its private
 *       {@code Object state} field (its public {@code getState()} casts to {@code Serializable[]});</li>
 *   <li>{@code QueryResultsCacheImpl.CacheItem}, a private {@code record CacheItem(long timestamp, List<?> results)}:
 *       its canonical constructor and component accessors.</li>
 * </ul>
 *
 * <p>If a Hibernate upgrade changes any of these shapes, initialization fails with an
 * {@link IllegalStateException} that names the shape expected and the one found; since
 * {@link CacheValueCodec} initializes this class eagerly, the region factory fails at start-up,
 * not on the first L2 read. The classpath's unnamed module lets {@code setAccessible} succeed.
 */
final class HibernateCacheShapes {

    static final Class<StandardCacheEntryImpl> STANDARD_ENTRY = StandardCacheEntryImpl.class;
    static final Class<CollectionCacheEntry> COLLECTION_ENTRY = CollectionCacheEntry.class;
    static final Class<?> QUERY_ITEM = recordClass(QueryResultsCacheImpl.class, "CacheItem",
            new String[] {"timestamp", "results"}, new Class<?>[] {long.class, List.class});

    /** {@code (Serializable[], String, Object) -> StandardCacheEntryImpl}. */
    private static final MethodHandle NEW_STANDARD_ENTRY = constructor(
            STANDARD_ENTRY, Serializable[].class, String.class, Object.class)
            .asType(MethodType.methodType(StandardCacheEntryImpl.class,
                    Serializable[].class, String.class, Object.class));
    /** {@code (Serializable) -> CollectionCacheEntry}. */
    private static final MethodHandle NEW_COLLECTION_ENTRY = constructor(COLLECTION_ENTRY, Serializable.class)
            .asType(MethodType.methodType(CollectionCacheEntry.class, Serializable.class));
    /** {@code (CollectionCacheEntry) -> Object}. */
    private static final MethodHandle COLLECTION_ENTRY_STATE = fieldGetter(COLLECTION_ENTRY, "state", Object.class)
            .asType(MethodType.methodType(Object.class, CollectionCacheEntry.class));
    /** {@code (long, List) -> Object}. */
    private static final MethodHandle NEW_QUERY_ITEM = constructor(QUERY_ITEM, long.class, List.class)
            .asType(MethodType.methodType(Object.class, long.class, List.class));
    /** {@code (Object) -> long}. */
    private static final MethodHandle QUERY_ITEM_TIMESTAMP = recordAccessor(QUERY_ITEM, 0)
            .asType(MethodType.methodType(long.class, Object.class));
    /** {@code (Object) -> List}. */
    private static final MethodHandle QUERY_ITEM_RESULTS = recordAccessor(QUERY_ITEM, 1)
            .asType(MethodType.methodType(List.class, Object.class));

    private HibernateCacheShapes() {
    }

    /** Called by {@link CacheValueCodec}'s static initializer so a shape change fails at start-up. */
    static void verify() {
        // Reaching here means the static initializer above has resolved every shape.
    }

    static StandardCacheEntryImpl newStandardEntry(Serializable[] state, String subclass, Object version) {
        try {
            return (StandardCacheEntryImpl) NEW_STANDARD_ENTRY.invokeExact(state, subclass, version);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static CollectionCacheEntry newCollectionEntry(Serializable state) {
        try {
            return (CollectionCacheEntry) NEW_COLLECTION_ENTRY.invokeExact(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static Object collectionEntryState(CollectionCacheEntry entry) {
        try {
            return (Object) COLLECTION_ENTRY_STATE.invokeExact(entry);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static Object newQueryItem(long timestamp, List<?> results) {
        try {
            return (Object) NEW_QUERY_ITEM.invokeExact(timestamp, results);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long queryItemTimestamp(Object item) {
        try {
            return (long) QUERY_ITEM_TIMESTAMP.invokeExact(item);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static List<?> queryItemResults(Object item) {
        try {
            return (List<?>) QUERY_ITEM_RESULTS.invokeExact(item);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- resolution, package-private so tests can prove the failure messages ----

    static MethodHandle constructor(Class<?> owner, Class<?>... parameterTypes) {
        try {
            Constructor<?> c = owner.getDeclaredConstructor(parameterTypes);
            c.setAccessible(true);
            return MethodHandles.lookup().unreflectConstructor(c);
        } catch (NoSuchMethodException e) {
            throw shapeChanged(owner, "a constructor " + names(parameterTypes),
                    "constructors " + Arrays.stream(owner.getDeclaredConstructors())
                            .map(c -> names(c.getParameterTypes()))
                            .collect(Collectors.joining(", ")), e);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw shapeChanged(owner, "an accessible constructor " + names(parameterTypes), e.toString(), e);
        }
    }

    static MethodHandle fieldGetter(Class<?> owner, String name, Class<?> type) {
        Field f;
        try {
            f = owner.getDeclaredField(name);
        } catch (NoSuchFieldException e) {
            throw shapeChanged(owner, "a field " + type.getName() + " " + name,
                    "fields " + Arrays.stream(owner.getDeclaredFields())
                            .map(d -> d.getType().getName() + " " + d.getName())
                            .collect(Collectors.joining(", ")), e);
        }
        if (f.getType() != type) {
            throw shapeChanged(owner, "a field " + type.getName() + " " + name,
                    "a field " + f.getType().getName() + " " + name, null);
        }
        try {
            f.setAccessible(true);
            return MethodHandles.lookup().unreflectGetter(f);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw shapeChanged(owner, "an accessible field " + name, e.toString(), e);
        }
    }

    /**
     * The nested record {@code simpleName} of {@code outer}, checked to have exactly the given
     * components. Found among the declared classes, never by loading a class by name.
     */
    static Class<?> recordClass(Class<?> outer, String simpleName, String[] componentNames,
            Class<?>[] componentTypes) {
        Class<?> found = Arrays.stream(outer.getDeclaredClasses())
                .filter(c -> c.getSimpleName().equals(simpleName))
                .findFirst()
                .orElseThrow(() -> shapeChanged(outer, "a nested record " + simpleName,
                        "nested classes " + Arrays.stream(outer.getDeclaredClasses())
                                .map(Class::getSimpleName).collect(Collectors.toList()), null));
        String expected = "record " + simpleName + describeComponents(componentNames, componentTypes);
        if (!found.isRecord()) {
            throw shapeChanged(outer, expected, "a class that is not a record", null);
        }
        RecordComponent[] components = found.getRecordComponents();
        String[] names = Arrays.stream(components).map(RecordComponent::getName).toArray(String[]::new);
        Class<?>[] types = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
        if (!Arrays.equals(names, componentNames) || !Arrays.equals(types, componentTypes)) {
            throw shapeChanged(outer, expected, "record " + simpleName + describeComponents(names, types), null);
        }
        return found;
    }

    static MethodHandle recordAccessor(Class<?> record, int index) {
        RecordComponent component = record.getRecordComponents()[index];
        try {
            Method accessor = component.getAccessor();
            accessor.setAccessible(true);
            return MethodHandles.lookup().unreflect(accessor);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw shapeChanged(record, "an accessible accessor " + component.getName() + "()", e.toString(), e);
        }
    }

    static IllegalStateException shapeChanged(Class<?> owner, String expected, String found, Throwable cause) {
        return new IllegalStateException("Hibernate ORM " + Version.getVersionString()
                + " changed the shape of " + owner.getName() + ": the tiered cache codec expects "
                + expected + " but found " + found
                + "; the codec (dev.tieredjpa.cache.internal.codec) must be updated for this Hibernate version",
                cause);
    }

    private static String names(Class<?>[] types) {
        return Arrays.stream(types).map(Class::getSimpleName).collect(Collectors.joining(", ", "(", ")"));
    }

    private static String describeComponents(String[] names, Class<?>[] types) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < names.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(types[i].getSimpleName()).append(' ').append(names[i]);
        }
        return sb.append(')').toString();
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("unexpected checked exception from a Hibernate cache constructor", t);
    }
}
