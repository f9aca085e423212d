package dev.tieredjpa.cache.internal.codec;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * What one region's L2 values may contain, beyond the plain values every region accepts: the enum
 * classes its entities and collections map, a schema fingerprint per entity name and per
 * collection role, and whether it holds query results. Built once per region by the region
 * factory from the persisters mapped to it; immutable and thread-safe.
 *
 * <pre>{@code
 * CodecSchema schema = CodecSchema.builder()
 *         .entity("dev.tieredjpa.domain.Product",
 *                 CodecSchema.fingerprint(persister.getPropertyNames(), typeNamesOf(persister)))
 *         .allowEnum(ProductStatus.class)
 *         .build();
 * }</pre>
 *
 * <p>The schema holds the allowed enum {@code Class} objects themselves, so decoding an enum
 * looks its class name up in this schema and never loads a class by name: bytes naming any other
 * class are refused before anything is loaded or initialized.
 */
public final class CodecSchema {

    private static final CodecSchema PLAIN_VALUES = builder().build();

    private final Map<String, Class<?>> enumClasses;
    private final Map<String, Map<String, Enum<?>>> enumConstants;
    private final Map<String, Integer> entityFingerprints;
    private final Map<String, Integer> collectionFingerprints;
    private final boolean queryResults;

    private CodecSchema(Builder b) {
        Map<String, Map<String, Enum<?>>> constants = new HashMap<>();
        for (Class<?> enumClass : b.enumClasses.values()) {
            Map<String, Enum<?>> byName = new HashMap<>();
            for (Object constant : enumClass.getEnumConstants()) {
                Enum<?> e = (Enum<?>) constant;
                byName.put(e.name(), e);
            }
            constants.put(enumClass.getName(), Collections.unmodifiableMap(byName));
        }
        this.enumClasses = Collections.unmodifiableMap(new TreeMap<>(b.enumClasses));
        this.enumConstants = Collections.unmodifiableMap(constants);
        this.entityFingerprints = Collections.unmodifiableMap(new TreeMap<>(b.entityFingerprints));
        this.collectionFingerprints = Collections.unmodifiableMap(new TreeMap<>(b.collectionFingerprints));
        this.queryResults = b.queryResults;
    }

    /** A schema for regions that hold plain values only (the direct face, timestamps, natural ids). */
    public static CodecSchema plainValues() {
        return PLAIN_VALUES;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A fingerprint of an entity's or collection's cached layout: CRC-32 over the UTF-8 bytes of
     * the count, then each property name and type name in order, each preceded by its byte
     * length. Stable across JVMs and runs; it changes when a property is added, removed, renamed,
     * reordered or retyped, so that entries written under the old layout decode as misses.
     *
     * @param propertyNames the persister's property names, in state-array order
     * @param typeNames a name per property for its type (for example {@code Type.getName()} or
     *                  the returned class name), in the same order
     * @throws IllegalArgumentException if an argument or element is null or the lengths differ
     */
    public static int fingerprint(String[] propertyNames, String[] typeNames) {
        if (propertyNames == null) {
            throw new IllegalArgumentException("propertyNames must not be null");
        }
        if (typeNames == null) {
            throw new IllegalArgumentException("typeNames must not be null");
        }
        if (propertyNames.length != typeNames.length) {
            throw new IllegalArgumentException("propertyNames and typeNames must have the same length, but had "
                    + propertyNames.length + " and " + typeNames.length);
        }
        CRC32 crc = new CRC32();
        update(crc, Integer.toString(propertyNames.length));
        for (int i = 0; i < propertyNames.length; i++) {
            if (propertyNames[i] == null) {
                throw new IllegalArgumentException("propertyNames[" + i + "] must not be null");
            }
            if (typeNames[i] == null) {
                throw new IllegalArgumentException("typeNames[" + i + "] must not be null");
            }
            update(crc, propertyNames[i]);
            update(crc, typeNames[i]);
        }
        return (int) crc.getValue();
    }

    private static void update(CRC32 crc, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        int n = bytes.length;
        crc.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
        crc.update(bytes);
    }

    // ---- what the codec asks ----

    boolean allowsEnum(Class<?> enumClass) {
        return enumClasses.get(enumClass.getName()) == enumClass;
    }

    boolean allowsEnumClassName(String className) {
        return enumConstants.containsKey(className);
    }

    /** The constant, or null when the (allowed) class has no constant of that name. */
    Enum<?> enumConstant(String className, String constantName) {
        Map<String, Enum<?>> byName = enumConstants.get(className);
        return byName == null ? null : byName.get(constantName);
    }

    /** The entity's fingerprint, or null when the entity is not mapped to this region. */
    Integer entityFingerprint(String entityName) {
        return entityFingerprints.get(entityName);
    }

    boolean allowsCollections() {
        return !collectionFingerprints.isEmpty();
    }

    /**
     * The fingerprint collection entries carry: that of the region's role when it has exactly one
     * ({@code CollectionCacheEntry} does not say its role, so with several there is none to carry).
     */
    OptionalInt collectionFingerprint() {
        return collectionFingerprints.size() == 1
                ? OptionalInt.of(collectionFingerprints.values().iterator().next())
                : OptionalInt.empty();
    }

    boolean allowsQueryResults() {
        return queryResults;
    }

    /** The allowed enum class names, sorted; for messages and {@link #toString()}. */
    public Set<String> enumClassNames() {
        return enumClasses.keySet();
    }

    /** Entity name to fingerprint, sorted by name. */
    public Map<String, Integer> entityFingerprints() {
        return entityFingerprints;
    }

    /** Collection role to fingerprint, sorted by role. */
    public Map<String, Integer> collectionFingerprints() {
        return collectionFingerprints;
    }

    public boolean queryResults() {
        return queryResults;
    }

    @Override
    public String toString() {
        return "CodecSchema{enums=" + enumClasses.keySet()
                + ", entities=" + hex(entityFingerprints)
                + ", collections=" + hex(collectionFingerprints)
                + ", queryResults=" + queryResults + '}';
    }

    private static Map<String, String> hex(Map<String, Integer> fingerprints) {
        Map<String, String> out = new LinkedHashMap<>();
        fingerprints.forEach((k, v) -> out.put(k, String.format("%08x", v)));
        return out;
    }

    /** Builds a {@link CodecSchema}; each method checks its argument and names it in the message. */
    public static final class Builder {

        private final Map<String, Class<?>> enumClasses = new HashMap<>();
        private final Map<String, Integer> entityFingerprints = new HashMap<>();
        private final Map<String, Integer> collectionFingerprints = new HashMap<>();
        private boolean queryResults;

        private Builder() {
        }

        /**
         * Allows constants of {@code enumClass} in this region's values.
         *
         * @throws IllegalArgumentException if it is null, not an enum class (a constant's own
         *         class with a body is not: pass {@code getDeclaringClass()}), or another class of
         *         the same name was already allowed
         */
        public Builder allowEnum(Class<? extends Enum<?>> enumClass) {
            if (enumClass == null) {
                throw new IllegalArgumentException("enumClass must not be null");
            }
            if (!enumClass.isEnum()) {
                throw new IllegalArgumentException("enumClass must be an enum class, but was " + enumClass.getName()
                        + " (for a constant with a body, pass its getDeclaringClass())");
            }
            Class<?> previous = enumClasses.putIfAbsent(enumClass.getName(), enumClass);
            if (previous != null && previous != enumClass) {
                throw new IllegalArgumentException("enumClass " + enumClass.getName()
                        + " was already allowed from another class loader");
            }
            return this;
        }

        /**
         * Maps the entity {@code entityName} to this region with the fingerprint its entries carry.
         *
         * @throws IllegalArgumentException if the name is null or blank, or already mapped with a
         *         different fingerprint
         */
        public Builder entity(String entityName, int fingerprint) {
            put(entityFingerprints, "entityName", entityName, fingerprint);
            return this;
        }

        /**
         * Maps the collection {@code role} to this region. With exactly one role mapped, collection
         * entries carry its fingerprint; with several, they carry none.
         *
         * @throws IllegalArgumentException if the role is null or blank, or already mapped with a
         *         different fingerprint
         */
        public Builder collection(String role, int fingerprint) {
            put(collectionFingerprints, "role", role, fingerprint);
            return this;
        }

        /** Allows query results ({@code QueryResultsCacheImpl.CacheItem}) in this region. */
        public Builder queryResults() {
            this.queryResults = true;
            return this;
        }

        public CodecSchema build() {
            return new CodecSchema(this);
        }

        private static void put(Map<String, Integer> map, String argument, String name, int fingerprint) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException(argument + " must not be blank, but was "
                        + (name == null ? "null" : "'" + name + "'"));
            }
            Integer previous = map.putIfAbsent(name, fingerprint);
            if (previous != null && previous != fingerprint) {
                throw new IllegalArgumentException(argument + " '" + name + "' is already mapped with fingerprint "
                        + String.format("%08x", previous) + ", but was given " + String.format("%08x", fingerprint));
            }
        }

        @Override
        public String toString() {
            return "CodecSchema.Builder{enums=" + new TreeMap<>(enumClasses).keySet()
                    + ", entities=" + hex(new TreeMap<>(entityFingerprints))
                    + ", collections=" + hex(new TreeMap<>(collectionFingerprints))
                    + ", queryResults=" + queryResults + '}';
        }
    }

    static String hexFingerprint(int fingerprint) {
        return String.format("%08x", fingerprint);
    }
}
