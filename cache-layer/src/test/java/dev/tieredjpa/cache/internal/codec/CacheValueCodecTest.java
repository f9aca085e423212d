package dev.tieredjpa.cache.internal.codec;

import static dev.tieredjpa.cache.internal.codec.CodecFixtures.PRODUCT;
import static dev.tieredjpa.cache.internal.codec.CodecFixtures.PRODUCT_FINGERPRINT;
import static dev.tieredjpa.cache.internal.codec.CodecFixtures.USER_SESSIONS;
import static dev.tieredjpa.cache.internal.codec.CodecFixtures.assertSameValue;
import static dev.tieredjpa.cache.internal.codec.CodecFixtures.fullSchema;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Serializable;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.tieredjpa.cache.internal.codec.CodecFixtures.Color;
import dev.tieredjpa.cache.internal.codec.CodecFixtures.Shape;
import org.hibernate.bytecode.enhance.spi.LazyPropertyInitializer;
import org.hibernate.cache.spi.entry.CollectionCacheEntry;
import org.hibernate.cache.spi.entry.ReferenceCacheEntryImpl;
import org.hibernate.cache.spi.entry.StandardCacheEntryImpl;
import org.hibernate.collection.spi.PersistentBag;
import org.hibernate.property.access.internal.PropertyAccessStrategyBackRefImpl;
import org.hibernate.sql.results.jdbc.internal.CachedJdbcValuesMetadata;
import org.hibernate.type.BasicType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CacheValueCodecTest {

    private final CacheValueCodec codec = new CacheValueCodec(fullSchema());

    static Stream<Arguments> plainValues() {
        return CodecFixtures.everyPlainValue().stream()
                .map(v -> Arguments.of(v == null ? "null" : v.getClass().getSimpleName() + " " + render(v), v));
    }

    private static String render(Object v) {
        return v instanceof Object[] a ? Arrays.deepToString(a) : String.valueOf(v);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("plainValues")
    void decode_encodedPlainValue_returnsEqualValueOfSameClass(String label, Object value) {
        byte[] bytes = codec.encode(value);

        assertThat(bytes[0]).isEqualTo(CacheValueCodec.MAGIC);
        assertThat(bytes[1]).isEqualTo(CacheValueCodec.FORMAT_VERSION);
        assertSameValue(codec.decode(bytes), value);
    }

    @Test
    void decode_encodedRichNestedValue_returnsEqualValueOfSameClasses() {
        Object[] value = CodecFixtures.richValue();

        assertSameValue(codec.decode(codec.encode(value)), value);
    }

    @Test
    void decode_serializableArrayAndObjectArray_keepTheirComponentTypes() {
        Object[] value = {new Serializable[] {"a"}, new Object[] {"a"}};

        Object[] decoded = (Object[]) codec.decode(codec.encode(value));

        assertThat(decoded.getClass()).isEqualTo(Object[].class);
        assertThat(decoded[0].getClass()).isEqualTo(Serializable[].class);
        assertThat(decoded[1].getClass()).isEqualTo(Object[].class);
    }

    @Test
    void decode_bigDecimalWithTrailingZeros_keepsScale() {
        BigDecimal decoded = (BigDecimal) codec.decode(codec.encode(new BigDecimal("19.900")));

        assertThat(decoded.scale()).isEqualTo(3);
        assertThat(decoded.toPlainString()).isEqualTo("19.900");
    }

    @Test
    void decode_timestampWithNanos_keepsClassAndNanos() {
        Timestamp t = Timestamp.valueOf("2024-02-29 12:34:56.123456789");

        Object decoded = codec.decode(codec.encode(t));

        assertThat(decoded).isExactlyInstanceOf(Timestamp.class);
        assertThat(((Timestamp) decoded).getNanos()).isEqualTo(123_456_789);
        assertThat(decoded).isEqualTo(t);
    }

    @Test
    void decode_markerSingletons_returnsTheSameInstances() {
        Serializable[] state = {LazyPropertyInitializer.UNFETCHED_PROPERTY, PropertyAccessStrategyBackRefImpl.UNKNOWN};

        Serializable[] decoded = (Serializable[]) codec.decode(codec.encode(state));

        assertThat(decoded[0]).isSameAs(LazyPropertyInitializer.UNFETCHED_PROPERTY);
        assertThat(decoded[1]).isSameAs(PropertyAccessStrategyBackRefImpl.UNKNOWN);
    }

    @Test
    void decode_enumConstantWithBody_returnsTheConstant() {
        assertThat(codec.decode(codec.encode(Shape.CIRCLE))).isSameAs(Shape.CIRCLE);
    }

    @Test
    void decode_immutableList_returnsArrayList() {
        Object decoded = codec.decode(codec.encode(List.of(1, "two")));

        assertThat(decoded).isExactlyInstanceOf(ArrayList.class).isEqualTo(List.of(1, "two"));
    }

    @Test
    void encode_smallInteger_takesFourBytes() {
        assertThat(codec.encode(42)).hasSize(4);
        assertThat(codec.encode(42L)).hasSize(4);
        assertThat(codec.encode("id")).hasSize(6);
    }

    // ---------------------------------------------------------------- Hibernate entries

    @Test
    void decode_encodedStandardCacheEntry_returnsEntryWithSameStateSubclassAndVersion() {
        Serializable[] state = {
            "A handy widget", "Widget", new BigDecimal("19.90"), "W-1", Instant.parse("2024-05-01T10:00:00.000001Z"),
            null, LazyPropertyInitializer.UNFETCHED_PROPERTY, new Object[] {"embedded", 3, Color.RED}, 42L};
        StandardCacheEntryImpl entry = HibernateCacheShapes.newStandardEntry(state, PRODUCT, 7L);

        Object decoded = codec.decode(codec.encode(entry));

        assertThat(decoded).isExactlyInstanceOf(StandardCacheEntryImpl.class);
        StandardCacheEntryImpl back = (StandardCacheEntryImpl) decoded;
        assertThat(back.getSubclass()).isEqualTo(PRODUCT);
        assertThat(back.getVersion()).isEqualTo(7L);
        assertThat(back.isReferenceEntry()).isFalse();
        assertSameValue(back.getDisassembledState(), state);
    }

    @Test
    void decode_standardCacheEntryWithNullVersionAndEmptyState_returnsSame() {
        StandardCacheEntryImpl entry = HibernateCacheShapes.newStandardEntry(new Serializable[0], PRODUCT, null);

        StandardCacheEntryImpl back = (StandardCacheEntryImpl) codec.decode(codec.encode(entry));

        assertThat(back.getVersion()).isNull();
        assertThat(back.getDisassembledState()).isEmpty();
        assertThat(back.getDisassembledState().getClass()).isEqualTo(Serializable[].class);
    }

    @Test
    void decode_standardCacheEntryWithTimestampVersion_keepsVersionNanos() {
        Timestamp version = Timestamp.valueOf("2024-01-01 00:00:00.000000001");
        StandardCacheEntryImpl entry = HibernateCacheShapes.newStandardEntry(new Serializable[] {"x"}, PRODUCT, version);

        StandardCacheEntryImpl back = (StandardCacheEntryImpl) codec.decode(codec.encode(entry));

        assertSameValue(back.getVersion(), version);
    }

    @Test
    void decode_encodedCollectionCacheEntry_returnsEntryWithSameState() {
        Serializable[] state = {1L, 2L, null, 3L};
        CollectionCacheEntry entry = HibernateCacheShapes.newCollectionEntry(state);

        Object decoded = codec.decode(codec.encode(entry));

        assertThat(decoded).isExactlyInstanceOf(CollectionCacheEntry.class);
        assertSameValue(((CollectionCacheEntry) decoded).getState(), state);
    }

    @Test
    void decode_collectionEntryInRegionWithSeveralRoles_returnsEntryWithoutFingerprint() {
        CacheValueCodec shared = new CacheValueCodec(CodecSchema.builder()
                .collection(USER_SESSIONS, 1).collection("dev.tieredjpa.domain.User.roles", 2).build());
        CollectionCacheEntry entry = HibernateCacheShapes.newCollectionEntry(new Serializable[] {"a", "b"});

        byte[] bytes = shared.encode(entry);

        assertThat(bytes[3]).as("fingerprint flag").isZero();
        assertSameValue(((CollectionCacheEntry) shared.decode(bytes)).getState(), new Serializable[] {"a", "b"});
    }

    @Test
    void decode_encodedQueryCacheItem_returnsItemWithSameTimestampAndRows() {
        List<Object> results = new ArrayList<>(Arrays.asList(
                new Object[] {1L, "Widget", new BigDecimal("19.90")}, new Object[] {2L, null, null}, 2));
        Object item = HibernateCacheShapes.newQueryItem(1_714_557_600_123L, results);

        Object decoded = codec.decode(codec.encode(item));

        assertThat(decoded.getClass()).isEqualTo(HibernateCacheShapes.QUERY_ITEM);
        assertThat(HibernateCacheShapes.queryItemTimestamp(decoded)).isEqualTo(1_714_557_600_123L);
        assertSameValue(HibernateCacheShapes.queryItemResults(decoded), results);
    }

    @Test
    void decode_queryCacheItemWithEmptyResults_returnsEmptyArrayList() {
        Object item = HibernateCacheShapes.newQueryItem(5L, List.of());

        Object decoded = codec.decode(codec.encode(item));

        assertThat(HibernateCacheShapes.queryItemResults(decoded)).isExactlyInstanceOf(ArrayList.class).isEmpty();
    }

    // ---------------------------------------------------------------- encode refusals

    @Test
    void encode_hashMap_throwsNamingStructuredEntriesSetting() {
        assertThatThrownBy(() -> codec.encode(new HashMap<>(Map.of("_subclass", PRODUCT))))
                .isExactlyInstanceOf(UnencodableValueException.class)
                .hasMessage("a java.util.HashMap is not encodable: maps are outside the closed set (an entity region"
                        + " receives one when hibernate.cache.use_structured_entries=true; set it to false)");
    }

    @Test
    void encode_referenceCacheEntry_throwsNamingReferenceEntriesSetting() {
        assertThatThrownBy(() -> codec.encode(new ReferenceCacheEntryImpl("entity", null)))
                .isExactlyInstanceOf(UnencodableValueException.class)
                .hasMessage("a org.hibernate.cache.spi.entry.ReferenceCacheEntryImpl is not encodable: reference"
                        + " entries hold the entity instance itself (set hibernate.cache.use_reference_entries=false)");
    }

    @Test
    void encode_mapInsideEntityState_throwsWithPathToIt() {
        StandardCacheEntryImpl entry = HibernateCacheShapes.newStandardEntry(
                new Serializable[] {"a", new Object[] {1, new HashMap<>()}}, PRODUCT, 1L);

        assertThatThrownBy(() -> codec.encode(entry))
                .isExactlyInstanceOf(UnencodableValueException.class)
                .hasMessageStartingWith("at state[1][1]: a java.util.HashMap is not encodable");
    }

    @Test
    void encode_unknownObjectInQueryResults_throwsWithPathToIt() {
        CachedJdbcValuesMetadata metadata = new CachedJdbcValuesMetadata(
                new String[] {"id"}, new BasicType<?>[] {null}, null);
        Object item = HibernateCacheShapes.newQueryItem(1L, List.of(metadata, new Object[] {1L}, 1));

        assertThatThrownBy(() -> codec.encode(item))
                .isExactlyInstanceOf(UnencodableValueException.class)
                .hasMessage("at results[0]: a org.hibernate.sql.results.jdbc.internal.CachedJdbcValuesMetadata"
                        + " is not encodable: it is outside the codec's closed set of types");
    }

    @Test
    void encode_enumClassNotInSchema_throwsNamingAllowedEnums() {
        CacheValueCodec colorsOnly = new CacheValueCodec(CodecSchema.builder().allowEnum(Color.class).build());

        assertThatThrownBy(() -> colorsOnly.encode(new Object[] {Shape.SQUARE}))
                .isExactlyInstanceOf(UnencodableValueException.class)
                .hasMessage("at [0]: enum class " + Shape.class.getName() + " is not allowed in this region (allowed: ["
                        + Color.class.getName() + "])");
    }

    @Test
    void encode_entityNotInSchema_throwsNamingMappedEntities() {
        StandardCacheEntryImpl entry = HibernateCacheShapes.newStandardEntry(new Serializable[0], "dev.Other", 1L);

        assertThatThrownBy(() -> codec.encode(entry))
                .isExactlyInstanceOf(UnencodableValueException.class)
                .hasMessage("entity 'dev.Other' is not mapped to this region (mapped: [" + PRODUCT + "])");
    }

    @Test
    void encode_collectionEntryInRegionWithoutRoles_throws() {
        CacheValueCodec plain = new CacheValueCodec(CodecSchema.plainValues());

        assertThatThrownBy(() -> plain.encode(HibernateCacheShapes.newCollectionEntry(new Serializable[0])))
                .isExactlyInstanceOf(UnencodableValueException.class)
                .hasMessage("collection entries are not allowed in this region: its schema maps no collection role");
    }

    @Test
    void encode_queryItemInRegionWithoutQueryResults_throws() {
        CacheValueCodec plain = new CacheValueCodec(CodecSchema.plainValues());

        assertThatThrownBy(() -> plain.encode(HibernateCacheShapes.newQueryItem(1L, List.of())))
                .isExactlyInstanceOf(UnencodableValueException.class)
                .hasMessage("query results are not allowed in this region: its schema does not allow queryResults()");
    }

    @Test
    void encode_cacheEntryNestedInArray_throws() {
        StandardCacheEntryImpl entry = HibernateCacheShapes.newStandardEntry(new Serializable[0], PRODUCT, 1L);

        assertThatThrownBy(() -> codec.encode(new Object[] {entry}))
                .isExactlyInstanceOf(UnencodableValueException.class)
                .hasMessage("at [0]: a org.hibernate.cache.spi.entry.StandardCacheEntryImpl may only be the"
                        + " top-level value, not nested inside another value");
    }

    @Test
    void encode_typedArray_throwsNamingTheAllowedArrays() {
        assertThatThrownBy(() -> codec.encode(new String[] {"a"}))
                .isExactlyInstanceOf(UnencodableValueException.class)
                .hasMessage("a java.lang.String[] is not encodable: of arrays only Object[], Serializable[], byte[]"
                        + " and char[] are");
    }

    @Test
    void encode_persistentCollection_throwsWithoutTouchingIt() {
        assertThatThrownBy(() -> codec.encode(new PersistentBag<>()))
                .isExactlyInstanceOf(UnencodableValueException.class)
                .hasMessage("a org.hibernate.collection.spi.PersistentBag is not encodable: a Hibernate collection"
                        + " is cached as the state of its CollectionCacheEntry, never itself");
    }

    @Test
    void encode_arbitrarySerializable_throws() {
        assertThatThrownBy(() -> codec.encode(new StringBuilder("x")))
                .isExactlyInstanceOf(UnencodableValueException.class)
                .hasMessage("a java.lang.StringBuilder is not encodable: it is outside the codec's closed set of types");
    }

    @Test
    void encode_arrayContainingItself_throwsInsteadOfOverflowingTheStack() {
        Object[] cycle = new Object[1];
        cycle[0] = cycle;

        assertThatThrownBy(() -> codec.encode(cycle))
                .isExactlyInstanceOf(UnencodableValueException.class)
                .hasMessageEndingWith("arrays and lists are nested deeper than 32 levels (does the value contain itself?)");
    }

    @Test
    void encode_nestingAtTheLimit_roundTrips() {
        Object value = "leaf";
        for (int i = 0; i < CacheValueCodec.MAX_DEPTH; i++) {
            value = new Object[] {value};
        }

        assertSameValue(codec.decode(codec.encode(value)), value);
    }

    @Test
    void new_nullSchema_throws() {
        assertThatThrownBy(() -> new CacheValueCodec(null))
                .isExactlyInstanceOf(NullPointerException.class)
                .hasMessage("schema");
    }
}
