package dev.tieredjpa.cache.internal.codec;

import static dev.tieredjpa.cache.internal.codec.CodecFixtures.PRODUCT;
import static dev.tieredjpa.cache.internal.codec.CodecFixtures.PRODUCT_FINGERPRINT;
import static dev.tieredjpa.cache.internal.codec.CodecFixtures.PRODUCT_PROPERTIES;
import static dev.tieredjpa.cache.internal.codec.CodecFixtures.PRODUCT_TYPES;
import static dev.tieredjpa.cache.internal.codec.CodecFixtures.USER_SESSIONS;
import static dev.tieredjpa.cache.internal.codec.CodecFixtures.fullSchema;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.tieredjpa.cache.internal.codec.CodecFixtures.Color;
import dev.tieredjpa.cache.internal.codec.CodecFixtures.RawBytes;
import org.junit.jupiter.api.Test;

/**
 * Promise 7, "safe bytes": whatever Redis hands back, decode returns a value of the closed set or
 * throws {@link UndecodableValueException} saying why; it never deserializes, never loads a class
 * named in the bytes and never allocates beyond a small multiple of the input.
 */
class CacheValueCodecHostileBytesTest {

    private static final int SEEDS = 3_000;

    private final CacheValueCodec codec = new CacheValueCodec(fullSchema());

    // ---------------------------------------------------------------- header

    @Test
    void decode_emptyInput_throws() {
        assertThatThrownBy(() -> codec.decode(new byte[0]))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("empty input: expected at least the 2 header bytes");
    }

    @Test
    void decode_wrongMagic_throws() {
        assertThatThrownBy(() -> codec.decode(new byte[] {0x00, 0x01, 0x01}))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("not a tiered-cache value: first byte is 0x00, expected the magic byte 0xCA");
    }

    @Test
    void decode_unknownFormatVersion_throws() {
        assertThatThrownBy(() -> codec.decode(new byte[] {CacheValueCodec.MAGIC, 2, CacheValueCodec.NULL}))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("unsupported format version 2: this codec reads version 1");
    }

    @Test
    void decode_magicWithoutVersion_throws() {
        assertThatThrownBy(() -> codec.decode(new byte[] {CacheValueCodec.MAGIC}))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("truncated input: the format version byte is missing");
    }

    @Test
    void decode_headerWithoutValue_throws() {
        assertThatThrownBy(() -> codec.decode(RawBytes.header().bytes()))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("truncated input: value tag needs 1 bytes but only 0 remain (at offset 2)");
    }

    // ---------------------------------------------------------------- Java serialization

    /** Set if Java serialization ever reads a {@link Tripwire}: proof that decode did not deserialize. */
    static final AtomicBoolean TRIPWIRE_DESERIALIZED = new AtomicBoolean();

    static final class Tripwire implements Serializable {
        private static final long serialVersionUID = 1L;

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            TRIPWIRE_DESERIALIZED.set(true);
            in.defaultReadObject();
        }
    }

    @Test
    void decode_javaSerializedHashMap_throwsWithoutDeserializing() {
        HashMap<String, Object> map = new HashMap<>();
        map.put("_subclass", PRODUCT);
        map.put("payload", new Tripwire());
        byte[] javaSerialized = javaSerialize(map);

        assertThatThrownBy(() -> codec.decode(javaSerialized))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("refused a Java serialization stream (starts with 0xACED): it is never deserialized");
        assertThat(TRIPWIRE_DESERIALIZED).isFalse();
    }

    // ---------------------------------------------------------------- enums: checked before any class loading

    @Test
    void decode_enumOfNonexistentClass_throwsNotAllowedWithoutLoading() {
        byte[] bytes = RawBytes.header().u8(CacheValueCodec.ENUM).str("com.example.DoesNotExist").str("X").bytes();

        assertThatThrownBy(() -> codec.decode(bytes))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("enum class 'com.example.DoesNotExist' is not allowed in this region (allowed: ["
                        + CodecFixtures.Color.class.getName() + ", " + CodecFixtures.Shape.class.getName()
                        + "]) (at offset 2)")
                .hasNoCause();
    }

    /** Set by {@link NotAllowedEnum}'s static initializer; this test class never names that class literally. */
    static final AtomicBoolean NOT_ALLOWED_ENUM_INITIALIZED = new AtomicBoolean();

    enum NotAllowedEnum {
        A;

        static {
            NOT_ALLOWED_ENUM_INITIALIZED.set(true);
        }
    }

    @Test
    void decode_enumOfExistingClassNotInSchema_throwsWithoutInitializingIt() {
        String className = CacheValueCodecHostileBytesTest.class.getName() + "$NotAllowedEnum";
        byte[] bytes = RawBytes.header().u8(CacheValueCodec.ENUM).str(className).str("A").bytes();

        assertThatThrownBy(() -> codec.decode(bytes))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessageStartingWith("enum class '" + className + "' is not allowed in this region");
        assertThat(NOT_ALLOWED_ENUM_INITIALIZED).isFalse();
    }

    @Test
    void decode_enumWrittenByRegionThatAllowedIt_throwsInRegionThatDoesNot() {
        byte[] bytes = codec.encode(new Object[] {Color.RED});
        CacheValueCodec noEnums = new CacheValueCodec(CodecSchema.plainValues());

        assertThatThrownBy(() -> noEnums.decode(bytes))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("enum class '" + Color.class.getName() + "' is not allowed in this region (allowed: [])"
                        + " (at offset 4)");
    }

    @Test
    void decode_enumConstantThatNoLongerExists_throws() {
        byte[] bytes = RawBytes.header().u8(CacheValueCodec.ENUM).str(Color.class.getName()).str("PURPLE").bytes();

        assertThatThrownBy(() -> codec.decode(bytes))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("enum " + Color.class.getName() + " has no constant 'PURPLE' (at offset 2)");
    }

    // ---------------------------------------------------------------- schema fingerprints

    @Test
    void decode_entityEntryWrittenBeforeColumnWasAdded_throwsStale() {
        byte[] written = codec.encode(HibernateCacheShapes.newStandardEntry(
                new java.io.Serializable[] {"d", "n", null, "s", null, 1L}, PRODUCT, 1L));
        String[] properties = Arrays.copyOf(PRODUCT_PROPERTIES, PRODUCT_PROPERTIES.length + 1);
        String[] types = Arrays.copyOf(PRODUCT_TYPES, PRODUCT_TYPES.length + 1);
        properties[properties.length - 1] = "weight";
        types[types.length - 1] = "integer";
        int newFingerprint = CodecSchema.fingerprint(properties, types);
        CacheValueCodec afterMigration = new CacheValueCodec(CodecSchema.builder().entity(PRODUCT, newFingerprint).build());

        assertThatThrownBy(() -> afterMigration.decode(written))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("stale entry for entity '" + PRODUCT + "': written with schema fingerprint "
                        + String.format("%08x", PRODUCT_FINGERPRINT) + ", but the region's is "
                        + String.format("%08x", newFingerprint) + " (the entity's mapping changed) (at offset 2)");
    }

    @Test
    void decode_entityEntryOfEntityNotMappedToRegion_throws() {
        byte[] written = codec.encode(HibernateCacheShapes.newStandardEntry(new java.io.Serializable[0], PRODUCT, 1L));
        CacheValueCodec usersOnly = new CacheValueCodec(CodecSchema.builder().entity("dev.User", 1).build());

        assertThatThrownBy(() -> usersOnly.decode(written))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("entity '" + PRODUCT + "' is not mapped to this region (mapped: [dev.User]) (at offset 2)");
    }

    @Test
    void decode_collectionEntryWithStaleRoleFingerprint_throws() {
        byte[] written = codec.encode(HibernateCacheShapes.newCollectionEntry(new java.io.Serializable[] {1L}));
        CacheValueCodec changed = new CacheValueCodec(CodecSchema.builder().collection(USER_SESSIONS, 0x0BADF00D).build());

        assertThatThrownBy(() -> changed.decode(written))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("stale collection entry: written with schema fingerprint 5e551045, but the region's is"
                        + " 0badf00d (the collection's mapping changed) (at offset 2)");
    }

    @Test
    void decode_collectionEntryAfterRegionGainedSecondRole_throws() {
        byte[] written = codec.encode(HibernateCacheShapes.newCollectionEntry(new java.io.Serializable[] {1L}));
        CacheValueCodec twoRoles = new CacheValueCodec(CodecSchema.builder()
                .collection(USER_SESSIONS, 0x5E55_1045).collection("dev.User.roles", 7).build());

        assertThatThrownBy(() -> twoRoles.decode(written))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("stale collection entry: written with schema fingerprint 5e551045, but the region's is"
                        + " none (the collection's mapping changed) (at offset 2)");
    }

    @Test
    void decode_collectionEntryInRegionWithoutRoles_throws() {
        byte[] written = codec.encode(HibernateCacheShapes.newCollectionEntry(new java.io.Serializable[] {1L}));

        assertThatThrownBy(() -> new CacheValueCodec(CodecSchema.plainValues()).decode(written))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("collection entries are not allowed in this region: its schema maps no collection role"
                        + " (at offset 2)");
    }

    @Test
    void decode_queryResultsInRegionWithoutQueryResults_throws() {
        byte[] written = codec.encode(HibernateCacheShapes.newQueryItem(1L, List.of(1L)));

        assertThatThrownBy(() -> new CacheValueCodec(CodecSchema.plainValues()).decode(written))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("query results are not allowed in this region: its schema does not allow queryResults()"
                        + " (at offset 2)");
    }

    // ---------------------------------------------------------------- structure

    @Test
    void decode_validEncodingWithTrailingBytes_throws() {
        byte[] valid = codec.encode(List.of("a", 1L));
        byte[] withTrailing = Arrays.copyOf(valid, valid.length + 3);

        assertThatThrownBy(() -> codec.decode(withTrailing))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("trailing bytes: the value ends at offset " + valid.length + " but the input has 3 more");
    }

    @Test
    void decode_everyTruncationOfRichValue_throwsTruncated() {
        assertEveryTruncationThrows(codec.encode(CodecFixtures.richValue()));
    }

    @Test
    void decode_everyTruncationOfEntries_throwsTruncated() {
        assertEveryTruncationThrows(codec.encode(HibernateCacheShapes.newStandardEntry(
                new java.io.Serializable[] {"name", 1L, new Object[] {Color.GREEN, "x"}}, PRODUCT, 3L)));
        assertEveryTruncationThrows(codec.encode(HibernateCacheShapes.newCollectionEntry(
                new java.io.Serializable[] {1L, 2L})));
        assertEveryTruncationThrows(codec.encode(HibernateCacheShapes.newQueryItem(
                9L, List.of(new Object[] {1L, "a"}, 1))));
    }

    private void assertEveryTruncationThrows(byte[] valid) {
        for (int length = 0; length < valid.length; length++) {
            byte[] prefix = Arrays.copyOf(valid, length);
            int shown = length;
            assertThatThrownBy(() -> codec.decode(prefix))
                    .as("prefix of %d of %d bytes", shown, valid.length)
                    .isExactlyInstanceOf(UndecodableValueException.class)
                    .hasMessageMatching("(?s)(empty input|truncated input).*");
        }
    }

    @Test
    void decode_unknownTag_throws() {
        assertThatThrownBy(() -> codec.decode(RawBytes.header().u8(0x7F).bytes()))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("unknown type tag 0x7F (at offset 2)");
    }

    @Test
    void decode_hugeArrayLength_throwsBeforeAllocating() {
        byte[] bytes = RawBytes.header().u8(CacheValueCodec.OBJECT_ARRAY).uvar(Integer.MAX_VALUE).u8(1).bytes();

        assertThatThrownBy(() -> codec.decode(bytes))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("truncated input or corrupt length: Object[] length 2147483647 exceeds the 1 remaining"
                        + " bytes (at offset 3)");
    }

    @Test
    void decode_lengthAboveIntRange_throws() {
        byte[] bytes = RawBytes.header().u8(CacheValueCodec.LIST).uvar(-1).bytes();

        assertThatThrownBy(() -> codec.decode(bytes))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("truncated input or corrupt length: List length 4294967295 exceeds the 0 remaining bytes"
                        + " (at offset 3)");
    }

    @Test
    void decode_charArrayLengthNeedingMoreThanRemainingBytes_throws() {
        byte[] bytes = RawBytes.header().u8(CacheValueCodec.CHAR_ARRAY).uvar(3).u8(0).u8('a').u8(0).u8('b').u8(0).bytes();

        assertThatThrownBy(() -> codec.decode(bytes))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("truncated input or corrupt length: char[] length 3 exceeds the 5 remaining bytes (at offset 3)");
    }

    @Test
    void decode_nestingBeyondLimit_throws() {
        RawBytes raw = RawBytes.header();
        for (int i = 0; i < 10_000; i++) {
            raw.u8(CacheValueCodec.OBJECT_ARRAY).uvar(1);
        }
        byte[] bytes = raw.u8(CacheValueCodec.NULL).bytes();

        assertThatThrownBy(() -> codec.decode(bytes))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("arrays and lists are nested deeper than 32 levels (at offset " + (2 + 2 * 32) + ")");
    }

    @Test
    void decode_entryNestedInsideArray_throws() {
        byte[] bytes = RawBytes.header().u8(CacheValueCodec.OBJECT_ARRAY).uvar(1)
                .u8(CacheValueCodec.ENTITY_ENTRY).str(PRODUCT).i32(PRODUCT_FINGERPRINT).u8(CacheValueCodec.NULL).uvar(0)
                .bytes();

        assertThatThrownBy(() -> codec.decode(bytes))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("a StandardCacheEntryImpl (0x40) may only be the top-level value, not nested inside"
                        + " another value (at offset 4)");
    }

    @Test
    void decode_queryResultsThatAreNotAList_throws() {
        byte[] bytes = RawBytes.header().u8(CacheValueCodec.QUERY_RESULTS).zlong(1).u8(CacheValueCodec.OBJECT_ARRAY)
                .uvar(0).bytes();

        assertThatThrownBy(() -> codec.decode(bytes))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("query results must be a list, but the tag is Object[] (0x20) (at offset 4)");
    }

    @Test
    void decode_malformedUtf8_throws() {
        byte[] bytes = RawBytes.header().u8(CacheValueCodec.STRING).uvar(2).u8(0xC3).u8(0x28).bytes();

        assertThatThrownBy(() -> codec.decode(bytes))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("malformed UTF-8 in string at offset 4");
    }

    @Test
    void decode_overlongVarint_throws() {
        byte[] bytes = RawBytes.header().u8(CacheValueCodec.INT).u8(0x80).u8(0x00).bytes();

        assertThatThrownBy(() -> codec.decode(bytes))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("int varint is not in its shortest form (at offset 3)");
    }

    @Test
    void decode_varintOverflowingInt_throws() {
        byte[] bytes = RawBytes.header().u8(CacheValueCodec.INT).u8(0xFF).u8(0xFF).u8(0xFF).u8(0xFF).u8(0x7F).bytes();

        assertThatThrownBy(() -> codec.decode(bytes))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("int varint overflows 32 bits (at offset 3)");
    }

    @Test
    void decode_timestampNanosOutOfRange_throws() {
        byte[] bytes = RawBytes.header().u8(CacheValueCodec.SQL_TIMESTAMP).zlong(0).uvar(1_000_000_000).bytes();

        assertThatThrownBy(() -> codec.decode(bytes))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("Timestamp nanos 1000000000 are outside 0..999999999 (at offset 4)");
    }

    @Test
    void decode_localDateOutOfRange_throws() {
        byte[] bytes = RawBytes.header().u8(CacheValueCodec.LOCAL_DATE).zlong(Long.MAX_VALUE).bytes();

        assertThatThrownBy(() -> codec.decode(bytes))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessageStartingWith("invalid LocalDate (0x13) (at offset 2): ")
                .hasCauseInstanceOf(java.time.DateTimeException.class);
    }

    @Test
    void decode_unknownZoneId_throws() {
        byte[] bytes = RawBytes.header().u8(CacheValueCodec.ZONED_DATE_TIME).zlong(0).uvar(0).uvar(0)
                .str("Mars/Olympus_Mons").bytes();

        assertThatThrownBy(() -> codec.decode(bytes))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("invalid ZonedDateTime (0x17) (at offset 2): Unknown time-zone ID: Mars/Olympus_Mons");
    }

    @Test
    void decode_bigIntegerWithoutBytes_throws() {
        byte[] bytes = RawBytes.header().u8(CacheValueCodec.BIG_INTEGER).uvar(0).bytes();

        assertThatThrownBy(() -> codec.decode(bytes))
                .isExactlyInstanceOf(UndecodableValueException.class)
                .hasMessage("BigInteger has no bytes (at offset 3)");
    }

    @Test
    void decode_null_throwsNullPointer() {
        assertThatThrownBy(() -> codec.decode(null))
                .isExactlyInstanceOf(NullPointerException.class)
                .hasMessage("bytes");
    }

    // ---------------------------------------------------------------- fuzzing

    @Test
    void decode_randomGarbage_throwsUndecodableForEverySeed() {
        for (int seed = 0; seed < SEEDS; seed++) {
            Random random = new Random(seed);
            byte[] garbage = new byte[random.nextInt(200)];
            random.nextBytes(garbage);
            if (garbage.length > 0 && garbage[0] == CacheValueCodec.MAGIC) {
                garbage[0] = 0;
            }
            int shown = seed;
            assertThatThrownBy(() -> codec.decode(garbage))
                    .as("seed %d", shown)
                    .isExactlyInstanceOf(UndecodableValueException.class);
        }
    }

    @Test
    void decode_randomBodyAfterValidHeader_returnsValueOrThrowsUndecodable() {
        int refused = 0;
        for (int seed = 0; seed < SEEDS; seed++) {
            Random random = new Random(seed);
            byte[] body = new byte[1 + random.nextInt(200)];
            random.nextBytes(body);
            byte[] bytes = new byte[body.length + 2];
            bytes[0] = CacheValueCodec.MAGIC;
            bytes[1] = CacheValueCodec.FORMAT_VERSION;
            System.arraycopy(body, 0, bytes, 2, body.length);
            refused += decodeOrRefuse(bytes, "seed " + seed);
        }
        assertThat(refused).as("refused of %d", SEEDS).isGreaterThan(SEEDS * 9 / 10);
    }

    @Test
    void decode_mutatedValidEncodings_returnsValueOrThrowsUndecodable() {
        byte[][] valid = {
            codec.encode(CodecFixtures.richValue()),
            codec.encode(HibernateCacheShapes.newStandardEntry(
                    new java.io.Serializable[] {"name", 1L, new Object[] {Color.GREEN, "x"}}, PRODUCT, 3L)),
            codec.encode(HibernateCacheShapes.newQueryItem(9L, List.of(new Object[] {1L, "a"}, 1))),
        };
        for (int seed = 0; seed < SEEDS; seed++) {
            Random random = new Random(seed);
            byte[] bytes = valid[seed % valid.length].clone();
            int flips = 1 + random.nextInt(4);
            for (int i = 0; i < flips; i++) {
                bytes[2 + random.nextInt(bytes.length - 2)] = (byte) random.nextInt(256);
            }
            decodeOrRefuse(bytes, "seed " + seed);
        }
    }

    /** Decodes; returns 1 if refused with UndecodableValueException, 0 if a value came back; fails on anything else. */
    private int decodeOrRefuse(byte[] bytes, String label) {
        try {
            codec.decode(bytes);
            return 0;
        } catch (UndecodableValueException expected) {
            assertThat(expected.getMessage()).as(label).isNotBlank();
            return 1;
        } catch (Throwable t) {
            fail(label + ": decode threw " + t + " instead of UndecodableValueException for "
                    + Arrays.toString(bytes), t);
            return -1;
        }
    }

    private static byte[] javaSerialize(Object value) {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
             ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
