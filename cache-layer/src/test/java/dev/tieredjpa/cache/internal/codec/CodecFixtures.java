package dev.tieredjpa.cache.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.hibernate.bytecode.enhance.spi.LazyPropertyInitializer;
import org.hibernate.property.access.internal.PropertyAccessStrategyBackRefImpl;

/** Values, schemas, a raw-bytes writer and a deep "same value, same classes" assertion for the codec tests. */
final class CodecFixtures {

    enum Color { RED, GREEN }

    enum Shape {
        CIRCLE {
            @Override
            int corners() {
                return 0;
            }
        },
        SQUARE;

        int corners() {
            return 4;
        }
    }

    static final String PRODUCT = "dev.tieredjpa.domain.Product";
    static final String USER_SESSIONS = "dev.tieredjpa.domain.User.sessions";
    static final String[] PRODUCT_PROPERTIES = {"description", "name", "price", "sku", "updatedAt", "version"};
    static final String[] PRODUCT_TYPES = {"string", "string", "big_decimal", "string", "instant", "long"};
    static final int PRODUCT_FINGERPRINT = CodecSchema.fingerprint(PRODUCT_PROPERTIES, PRODUCT_TYPES);

    private CodecFixtures() {
    }

    /** A schema allowing everything the tests encode: both enums, Product, one collection role, query results. */
    static CodecSchema fullSchema() {
        return CodecSchema.builder()
                .allowEnum(Color.class)
                .allowEnum(Shape.class)
                .entity(PRODUCT, PRODUCT_FINGERPRINT)
                .collection(USER_SESSIONS, 0x5E55_1045)
                .queryResults()
                .build();
    }

    /** One of every plain type, each case a value that must round-trip to an equal value of the same class. */
    static List<Object> everyPlainValue() {
        Timestamp withNanos = Timestamp.valueOf("2024-02-29 12:34:56.123456789");
        Timestamp beforeEpoch = new Timestamp(-1500);
        beforeEpoch.setNanos(987_654_321);
        return Arrays.asList(
                null, true, false,
                (byte) -5, (byte) 127, (short) -300, Short.MAX_VALUE,
                0, -1, 63, -64, 1_000_000, Integer.MIN_VALUE, Integer.MAX_VALUE,
                0L, -1L, 1_700_000_000_000L, Long.MIN_VALUE, Long.MAX_VALUE,
                1.5f, -0.0f, Float.NaN, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                2.25d, -0.0d, Double.NaN, Double.MAX_VALUE,
                'x', '\u00e9', '\uD800',
                "", "plain ascii", "h\u00e9llo w\u00f6rld \u20ac \uD834\uDD1E", "lone \uD800 surrogate", "\uDC00",
                BigInteger.ZERO, new BigInteger("-123456789012345678901234567890"),
                new BigDecimal("19.90"), new BigDecimal("1E+5"), new BigDecimal("-0.000"), BigDecimal.ONE,
                new byte[0], new byte[] {1, -2, 127, -128},
                new char[0], new char[] {'a', '\uDC00', '\uFFFF'},
                new UUID(0x0123456789ABCDEFL, 0xFEDCBA9876543210L),
                Instant.parse("2024-02-29T12:34:56.123456789Z"), Instant.EPOCH, Instant.MIN, Instant.MAX,
                Instant.ofEpochSecond(-1, 999_999_999),
                LocalDate.of(2024, 2, 29), LocalDate.MIN, LocalDate.MAX,
                LocalTime.MIDNIGHT, LocalTime.MAX, LocalTime.of(13, 14, 15, 16),
                LocalDateTime.of(2024, 2, 29, 23, 59, 59, 1), LocalDateTime.MIN, LocalDateTime.MAX,
                OffsetDateTime.of(2024, 2, 29, 8, 0, 0, 5, ZoneOffset.ofHoursMinutes(5, 30)),
                OffsetDateTime.MIN, OffsetDateTime.MAX,
                ZonedDateTime.of(2024, 7, 1, 9, 30, 0, 0, ZoneId.of("Europe/Paris")),
                // the second 02:30 of the night the clocks go back: only the offset tells it from the first
                ZonedDateTime.ofLocal(LocalDateTime.of(2023, 10, 29, 2, 30), ZoneId.of("Europe/Paris"),
                        ZoneOffset.ofHours(1)),
                ZonedDateTime.of(2024, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC),
                ZonedDateTime.of(2024, 1, 1, 0, 0, 0, 0, ZoneId.of("UTC")),
                Duration.ZERO, Duration.ofSeconds(-5, 7), Duration.ofDays(400).plusNanos(1),
                new java.util.Date(1_700_000_000_123L), new java.util.Date(-1L),
                withNanos, beforeEpoch, new Timestamp(0),
                java.sql.Date.valueOf("2024-01-02"), java.sql.Time.valueOf("10:11:12"),
                Color.GREEN, Shape.CIRCLE, Shape.SQUARE,
                LazyPropertyInitializer.UNFETCHED_PROPERTY, PropertyAccessStrategyBackRefImpl.UNKNOWN,
                new Object[0], new Serializable[0],
                new Object[] {null, 1, "a", new Serializable[] {"b", null, 2L}, new Object[] {}},
                new Serializable[] {null, new Object[] {Color.RED, null}, new Serializable[0]},
                new ArrayList<>(), new ArrayList<>(Arrays.asList(null, 1L, new Object[] {"row", 2}, List.of("x"))));
    }

    /** A value using every tag, nested: the subject of the truncation and mutation tests. */
    static Object[] richValue() {
        List<Object> all = everyPlainValue();
        Object[] out = new Object[all.size() + 1];
        for (int i = 0; i < all.size(); i++) {
            out[i] = all.get(i);
        }
        out[all.size()] = all;
        return out;
    }

    /**
     * Asserts {@code actual} is {@code expected} after a round trip: the same class at every level
     * (Serializable[] vs Object[], Timestamp vs Date, lists read back as ArrayList), equal leaves
     * (BigDecimal.equals includes the scale, Timestamp.equals the nanos), the same marker instances.
     */
    static void assertSameValue(Object actual, Object expected) {
        assertSameValue(actual, expected, "value");
    }

    private static void assertSameValue(Object actual, Object expected, String path) {
        if (expected == null) {
            assertThat(actual).as(path).isNull();
            return;
        }
        assertThat(actual).as(path).isNotNull();
        if (expected == LazyPropertyInitializer.UNFETCHED_PROPERTY
                || expected == PropertyAccessStrategyBackRefImpl.UNKNOWN
                || expected instanceof Enum<?>) {
            assertThat(actual).as(path).isSameAs(expected);
            return;
        }
        if (expected instanceof List<?> expectedList) {
            assertThat(actual.getClass()).as(path + " class").isEqualTo(ArrayList.class);
            List<?> actualList = (List<?>) actual;
            assertThat(actualList).as(path + " size").hasSameSizeAs(expectedList);
            for (int i = 0; i < expectedList.size(); i++) {
                assertSameValue(actualList.get(i), expectedList.get(i), path + "[" + i + "]");
            }
            return;
        }
        assertThat(actual.getClass()).as(path + " class").isEqualTo(expected.getClass());
        if (expected instanceof Object[] expectedArray) {
            Object[] actualArray = (Object[]) actual;
            assertThat(actualArray.length).as(path + " length").isEqualTo(expectedArray.length);
            for (int i = 0; i < expectedArray.length; i++) {
                assertSameValue(actualArray[i], expectedArray[i], path + "[" + i + "]");
            }
        } else if (expected instanceof byte[] bytes) {
            assertThat((byte[]) actual).as(path).isEqualTo(bytes);
        } else if (expected instanceof char[] chars) {
            assertThat((char[]) actual).as(path).isEqualTo(chars);
        } else if (expected instanceof Timestamp t) {
            assertThat(((Timestamp) actual).getNanos()).as(path + " nanos").isEqualTo(t.getNanos());
            assertThat(actual).as(path).isEqualTo(expected);
        } else if (expected instanceof BigDecimal d) {
            assertThat(((BigDecimal) actual).scale()).as(path + " scale").isEqualTo(d.scale());
            assertThat(actual).as(path).isEqualTo(expected);
        } else {
            assertThat(actual).as(path).isEqualTo(expected);
        }
    }

    /** Writes raw format bytes, for inputs the encoder would never produce. */
    static final class RawBytes {
        private final ByteSink sink = new ByteSink(16);

        static RawBytes header() {
            return new RawBytes().u8(CacheValueCodec.MAGIC).u8(CacheValueCodec.FORMAT_VERSION);
        }

        RawBytes u8(int b) {
            sink.writeByte(b);
            return this;
        }

        RawBytes i32(int v) {
            sink.writeInt(v);
            return this;
        }

        RawBytes uvar(int v) {
            sink.writeVarInt(v);
            return this;
        }

        RawBytes zlong(long v) {
            sink.writeZigZagLong(v);
            return this;
        }

        RawBytes str(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            sink.writeVarInt(bytes.length);
            sink.writeBytes(bytes);
            return this;
        }

        byte[] bytes() {
            return sink.toByteArray();
        }
    }
}
