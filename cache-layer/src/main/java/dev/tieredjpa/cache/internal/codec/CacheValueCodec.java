package dev.tieredjpa.cache.internal.codec;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
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
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.UUID;

import org.hibernate.bytecode.enhance.spi.LazyPropertyInitializer;
import org.hibernate.cache.spi.entry.CacheEntry;
import org.hibernate.cache.spi.entry.CollectionCacheEntry;
import org.hibernate.cache.spi.entry.ReferenceCacheEntryImpl;
import org.hibernate.cache.spi.entry.StandardCacheEntryImpl;
import org.hibernate.collection.spi.PersistentCollection;
import org.hibernate.property.access.internal.PropertyAccessStrategyBackRefImpl;

/**
 * The bytes of every value the cache layer stores in Redis (promise 7, "safe bytes"): a compact,
 * versioned binary format that reads back only a closed set of types, instantiates no class named
 * in the bytes, and refuses everything else with an {@link UndecodableValueException}, which the
 * caller counts as a miss. One codec per region, built over that region's {@link CodecSchema};
 * immutable and thread-safe.
 *
 * <h2>Format, version 1</h2>
 *
 * <pre>
 * bytes        = MAGIC 0xCA, VERSION 0x01, top, and nothing after it
 * top          = 0x40 entity-name:str fingerprint:i32 version:value count:uvar value*count
 *                                                  StandardCacheEntryImpl (state is a Serializable[])
 *              | 0x41 0x00 state:value             CollectionCacheEntry, region with several roles
 *              | 0x41 0x01 fingerprint:i32 state:value  CollectionCacheEntry, region with one role
 *              | 0x42 timestamp:zlong (0x01 | 0x22 ...)  QueryResultsCacheImpl.CacheItem, results null or a list
 *              | value
 * value        = 0x01 null | 0x02 true | 0x03 false
 *              | 0x04 byte:i8 | 0x05 short:i16 | 0x06 int:zint | 0x07 long:zlong
 *              | 0x08 float:i32 (raw bits) | 0x09 double:i64 (raw bits) | 0x0A char:u16
 *              | 0x0B str (well-formed UTF-16) | 0x0C count:uvar u16*count (a String with lone surrogates)
 *              | 0x0D BigInteger:bigint | 0x0E BigDecimal: scale:zint unscaled:bigint
 *              | 0x0F byte[]: count:uvar bytes | 0x10 char[]: count:uvar u16*count
 *              | 0x11 UUID: msb:i64 lsb:i64
 *              | 0x12 Instant: seconds:zlong nanos:uvar | 0x18 Duration: seconds:zlong nanos:uvar
 *              | 0x13 LocalDate: epochDay:zlong | 0x14 LocalTime: nanoOfDay:uvar
 *              | 0x15 LocalDateTime: epochDay:zlong nanoOfDay:uvar
 *              | 0x16 OffsetDateTime: epochDay:zlong nanoOfDay:uvar offsetSeconds:zint
 *              | 0x17 ZonedDateTime: epochDay:zlong nanoOfDay:uvar offsetSeconds:zint zoneId:str
 *                (read back at the same instant, in the zone)
 *              | 0x19 java.util.Date: millis:zlong | 0x1B java.sql.Date: millis:zlong
 *              | 0x1C java.sql.Time: millis:zlong | 0x1A java.sql.Timestamp: millis:zlong nanos:uvar
 *              | 0x1D enum: class-name:str constant-name:str   (class must be in the schema)
 *              | 0x20 Object[]: count:uvar value*count | 0x21 Serializable[]: count:uvar value*count
 *              | 0x22 List (read as ArrayList): count:uvar value*count
 *              | 0x30 LazyPropertyInitializer.UNFETCHED_PROPERTY
 *              | 0x31 PropertyAccessStrategyBackRefImpl.UNKNOWN
 * str          = count:uvar UTF-8 bytes (malformed UTF-8 is refused)
 * bigint       = count:uvar (count &gt;= 1) two's-complement big-endian bytes
 * i8..i64, u16 = fixed width, big-endian; uvar = unsigned LEB128 varint in its shortest form;
 * zint, zlong  = ZigZag then LEB128
 * </pre>
 *
 * <p>Exact classes are kept: {@code Object[]} and {@code Serializable[]} are distinct tags (Hibernate
 * casts disassembled state to {@code Serializable[]}), and {@code java.util.Date} and its three
 * {@code java.sql} subclasses decode to themselves, a {@code Timestamp} with its nanos. A
 * {@code BigDecimal} keeps its scale. Marker singletons decode to the same instance.
 *
 * <h2>Why hostile bytes cannot hurt</h2>
 *
 * <p>Decoding never loads a class by name: an enum's class name is looked up among the
 * {@code Class} objects the schema holds, and entries are built through constructors resolved once
 * (see {@link HibernateCacheShapes}). Every count is checked against the bytes that remain before
 * anything of that size is allocated (each element takes at least one byte), nesting of arrays and
 * lists is limited to {@value #MAX_DEPTH} levels on both sides, and a value must end exactly at the
 * last byte. Entries carry the schema fingerprint of their entity (or single collection role): an
 * entry written before a mapping change decodes as "stale" and so becomes a miss.
 *
 * <p>Hibernate cache values outside the set are refused on encode with the setting to change:
 * structured entries (maps: set {@code hibernate.cache.use_structured_entries=false}) and reference
 * entries ({@code hibernate.cache.use_reference_entries=false}).
 */
public final class CacheValueCodec {

    static final byte MAGIC = (byte) 0xCA;
    static final byte FORMAT_VERSION = 1;
    /** Deepest nesting of arrays and lists inside a value, on encode and decode alike. */
    static final int MAX_DEPTH = 32;

    static final int NULL = 0x01;
    static final int TRUE = 0x02;
    static final int FALSE = 0x03;
    static final int BYTE = 0x04;
    static final int SHORT = 0x05;
    static final int INT = 0x06;
    static final int LONG = 0x07;
    static final int FLOAT = 0x08;
    static final int DOUBLE = 0x09;
    static final int CHAR = 0x0A;
    static final int STRING = 0x0B;
    static final int STRING_UTF16 = 0x0C;
    static final int BIG_INTEGER = 0x0D;
    static final int BIG_DECIMAL = 0x0E;
    static final int BYTE_ARRAY = 0x0F;
    static final int CHAR_ARRAY = 0x10;
    static final int UUID_TAG = 0x11;
    static final int INSTANT = 0x12;
    static final int LOCAL_DATE = 0x13;
    static final int LOCAL_TIME = 0x14;
    static final int LOCAL_DATE_TIME = 0x15;
    static final int OFFSET_DATE_TIME = 0x16;
    static final int ZONED_DATE_TIME = 0x17;
    static final int DURATION = 0x18;
    static final int UTIL_DATE = 0x19;
    static final int SQL_TIMESTAMP = 0x1A;
    static final int SQL_DATE = 0x1B;
    static final int SQL_TIME = 0x1C;
    static final int ENUM = 0x1D;
    static final int OBJECT_ARRAY = 0x20;
    static final int SERIALIZABLE_ARRAY = 0x21;
    static final int LIST = 0x22;
    static final int UNFETCHED_PROPERTY = 0x30;
    static final int BACKREF_UNKNOWN = 0x31;
    static final int ENTITY_ENTRY = 0x40;
    static final int COLLECTION_ENTRY = 0x41;
    static final int QUERY_RESULTS = 0x42;

    private static final int NANOS_PER_SECOND = 1_000_000_000;

    /** Exact class to tag, for the leaf types and arrays whose class alone decides the tag. */
    private static final Map<Class<?>, Integer> EXACT_TAGS = exactTags();

    static {
        // Resolve Hibernate's non-public constructors now, so a changed shape fails at start-up.
        HibernateCacheShapes.verify();
    }

    private final CodecSchema schema;

    public CacheValueCodec(CodecSchema schema) {
        this.schema = Objects.requireNonNull(schema, "schema");
    }

    public CodecSchema schema() {
        return schema;
    }

    // ================================================================ encode

    /**
     * Encodes a value of the closed set.
     *
     * @throws UnencodableValueException if the value, or anything inside it, is outside the closed
     *         set or not allowed by this codec's schema; the message says where and why
     */
    public byte[] encode(Object value) {
        ByteSink out = new ByteSink(64);
        out.writeByte(MAGIC);
        out.writeByte(FORMAT_VERSION);
        if (value != null && value.getClass() == HibernateCacheShapes.STANDARD_ENTRY) {
            writeEntityEntry(out, (StandardCacheEntryImpl) value);
        } else if (value != null && value.getClass() == HibernateCacheShapes.COLLECTION_ENTRY) {
            writeCollectionEntry(out, (CollectionCacheEntry) value);
        } else if (value != null && value.getClass() == HibernateCacheShapes.QUERY_ITEM) {
            writeQueryResults(out, value);
        } else {
            writeValue(out, value, 0);
        }
        return out.toByteArray();
    }

    private void writeEntityEntry(ByteSink out, StandardCacheEntryImpl entry) {
        String entityName = entry.getSubclass();
        Integer fingerprint = entityName == null ? null : schema.entityFingerprint(entityName);
        if (fingerprint == null) {
            throw new UnencodableValueException("entity '" + entityName + "' is not mapped to this region (mapped: "
                    + schema.entityFingerprints().keySet() + ")");
        }
        Serializable[] state = entry.getDisassembledState();
        if (state == null) {
            throw new UnencodableValueException("the cache entry of entity '" + entityName + "' has no state");
        }
        out.writeByte(ENTITY_ENTRY);
        writeUtf8(out, entityName);
        out.writeInt(fingerprint);
        try {
            writeValue(out, entry.getVersion(), 1);
        } catch (UnencodableValueException e) {
            throw e.at("version");
        }
        out.writeVarInt(state.length);
        for (int i = 0; i < state.length; i++) {
            try {
                writeValue(out, state[i], 1);
            } catch (UnencodableValueException e) {
                throw e.at("[" + i + "]").at("state");
            }
        }
    }

    private void writeCollectionEntry(ByteSink out, CollectionCacheEntry entry) {
        if (!schema.allowsCollections()) {
            throw new UnencodableValueException(
                    "collection entries are not allowed in this region: its schema maps no collection role");
        }
        out.writeByte(COLLECTION_ENTRY);
        OptionalInt fingerprint = schema.collectionFingerprint();
        if (fingerprint.isPresent()) {
            out.writeByte(1);
            out.writeInt(fingerprint.getAsInt());
        } else {
            out.writeByte(0);
        }
        try {
            writeValue(out, HibernateCacheShapes.collectionEntryState(entry), 1);
        } catch (UnencodableValueException e) {
            throw e.at("state");
        }
    }

    private void writeQueryResults(ByteSink out, Object item) {
        if (!schema.allowsQueryResults()) {
            throw new UnencodableValueException(
                    "query results are not allowed in this region: its schema does not allow queryResults()");
        }
        out.writeByte(QUERY_RESULTS);
        out.writeZigZagLong(HibernateCacheShapes.queryItemTimestamp(item));
        List<?> results = HibernateCacheShapes.queryItemResults(item);
        if (results == null) {
            out.writeByte(NULL);
            return;
        }
        try {
            writeList(out, results, 1);
        } catch (UnencodableValueException e) {
            throw e.at("results");
        }
    }

    private void writeValue(ByteSink out, Object value, int depth) {
        if (value == null) {
            out.writeByte(NULL);
            return;
        }
        if (value == LazyPropertyInitializer.UNFETCHED_PROPERTY) {
            out.writeByte(UNFETCHED_PROPERTY);
            return;
        }
        if (value == PropertyAccessStrategyBackRefImpl.UNKNOWN) {
            out.writeByte(BACKREF_UNKNOWN);
            return;
        }
        Integer tag = EXACT_TAGS.get(value.getClass());
        if (tag != null) {
            writeTagged(out, tag, value, depth);
        } else if (value instanceof Enum<?> constant) {
            writeEnum(out, constant);
        } else if (value instanceof List<?> list && !(value instanceof PersistentCollection)) {
            writeList(out, list, depth);
        } else {
            throw new UnencodableValueException(whyUnencodable(value));
        }
    }

    private void writeTagged(ByteSink out, int tag, Object v, int depth) {
        switch (tag) {
            case TRUE -> out.writeByte((Boolean) v ? TRUE : FALSE);
            case BYTE -> {
                out.writeByte(BYTE);
                out.writeByte((Byte) v);
            }
            case SHORT -> {
                out.writeByte(SHORT);
                out.writeShort((Short) v);
            }
            case INT -> {
                out.writeByte(INT);
                out.writeZigZagInt((Integer) v);
            }
            case LONG -> {
                out.writeByte(LONG);
                out.writeZigZagLong((Long) v);
            }
            case FLOAT -> {
                out.writeByte(FLOAT);
                out.writeInt(Float.floatToRawIntBits((Float) v));
            }
            case DOUBLE -> {
                out.writeByte(DOUBLE);
                out.writeLong(Double.doubleToRawLongBits((Double) v));
            }
            case CHAR -> {
                out.writeByte(CHAR);
                out.writeShort((Character) v);
            }
            case STRING -> writeString(out, (String) v);
            case BIG_INTEGER -> {
                out.writeByte(BIG_INTEGER);
                writeBigInteger(out, (BigInteger) v);
            }
            case BIG_DECIMAL -> {
                BigDecimal d = (BigDecimal) v;
                out.writeByte(BIG_DECIMAL);
                out.writeZigZagInt(d.scale());
                writeBigInteger(out, d.unscaledValue());
            }
            case BYTE_ARRAY -> {
                byte[] bytes = (byte[]) v;
                out.writeByte(BYTE_ARRAY);
                out.writeVarInt(bytes.length);
                out.writeBytes(bytes);
            }
            case CHAR_ARRAY -> {
                char[] chars = (char[]) v;
                out.writeByte(CHAR_ARRAY);
                out.writeVarInt(chars.length);
                for (char c : chars) {
                    out.writeShort(c);
                }
            }
            case UUID_TAG -> {
                UUID u = (UUID) v;
                out.writeByte(UUID_TAG);
                out.writeLong(u.getMostSignificantBits());
                out.writeLong(u.getLeastSignificantBits());
            }
            case INSTANT -> {
                Instant i = (Instant) v;
                out.writeByte(INSTANT);
                out.writeZigZagLong(i.getEpochSecond());
                out.writeVarInt(i.getNano());
            }
            case LOCAL_DATE -> {
                out.writeByte(LOCAL_DATE);
                out.writeZigZagLong(((LocalDate) v).toEpochDay());
            }
            case LOCAL_TIME -> {
                out.writeByte(LOCAL_TIME);
                out.writeVarLong(((LocalTime) v).toNanoOfDay());
            }
            case LOCAL_DATE_TIME -> {
                out.writeByte(LOCAL_DATE_TIME);
                writeLocalDateTime(out, (LocalDateTime) v);
            }
            case OFFSET_DATE_TIME -> {
                OffsetDateTime o = (OffsetDateTime) v;
                out.writeByte(OFFSET_DATE_TIME);
                writeLocalDateTime(out, o.toLocalDateTime());
                out.writeZigZagInt(o.getOffset().getTotalSeconds());
            }
            case ZONED_DATE_TIME -> {
                ZonedDateTime z = (ZonedDateTime) v;
                out.writeByte(ZONED_DATE_TIME);
                writeLocalDateTime(out, z.toLocalDateTime());
                out.writeZigZagInt(z.getOffset().getTotalSeconds());
                writeUtf8(out, z.getZone().getId());
            }
            case DURATION -> {
                Duration d = (Duration) v;
                out.writeByte(DURATION);
                out.writeZigZagLong(d.getSeconds());
                out.writeVarInt(d.getNano());
            }
            case UTIL_DATE, SQL_DATE, SQL_TIME -> {
                out.writeByte(tag);
                out.writeZigZagLong(((java.util.Date) v).getTime());
            }
            case SQL_TIMESTAMP -> {
                java.sql.Timestamp t = (java.sql.Timestamp) v;
                out.writeByte(SQL_TIMESTAMP);
                out.writeZigZagLong(t.getTime());
                out.writeVarInt(t.getNanos());
            }
            case OBJECT_ARRAY, SERIALIZABLE_ARRAY -> {
                Object[] array = (Object[]) v;
                checkDepth(depth);
                out.writeByte(tag);
                out.writeVarInt(array.length);
                for (int i = 0; i < array.length; i++) {
                    try {
                        writeValue(out, array[i], depth + 1);
                    } catch (UnencodableValueException e) {
                        throw e.at("[" + i + "]");
                    }
                }
            }
            default -> throw new AssertionError("no writer for tag " + tagName(tag));
        }
    }

    private void writeList(ByteSink out, List<?> list, int depth) {
        checkDepth(depth);
        int size = list.size();
        out.writeByte(LIST);
        out.writeVarInt(size);
        int i = 0;
        for (Object element : list) {
            if (i == size) {
                break;
            }
            try {
                writeValue(out, element, depth + 1);
            } catch (UnencodableValueException e) {
                throw e.at("[" + i + "]");
            }
            i++;
        }
        if (i != size) {
            throw new UnencodableValueException("the " + list.getClass().getName() + " changed size while encoding");
        }
    }

    private void writeEnum(ByteSink out, Enum<?> constant) {
        Class<?> enumClass = constant.getDeclaringClass();
        if (!schema.allowsEnum(enumClass)) {
            throw new UnencodableValueException("enum class " + enumClass.getName()
                    + " is not allowed in this region (allowed: " + schema.enumClassNames() + ")");
        }
        out.writeByte(ENUM);
        writeUtf8(out, enumClass.getName());
        writeUtf8(out, constant.name());
    }

    private static void writeString(ByteSink out, String s) {
        if (isWellFormedUtf16(s)) {
            out.writeByte(STRING);
            writeUtf8(out, s);
        } else {
            out.writeByte(STRING_UTF16);
            out.writeVarInt(s.length());
            for (int i = 0; i < s.length(); i++) {
                out.writeShort(s.charAt(i));
            }
        }
    }

    private static void writeUtf8(ByteSink out, String s) {
        byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeVarInt(bytes.length);
        out.writeBytes(bytes);
    }

    private static void writeBigInteger(ByteSink out, BigInteger value) {
        byte[] bytes = value.toByteArray();
        out.writeVarInt(bytes.length);
        out.writeBytes(bytes);
    }

    private static void writeLocalDateTime(ByteSink out, LocalDateTime t) {
        out.writeZigZagLong(t.toLocalDate().toEpochDay());
        out.writeVarLong(t.toLocalTime().toNanoOfDay());
    }

    private static void checkDepth(int depth) {
        if (depth >= MAX_DEPTH) {
            throw new UnencodableValueException("arrays and lists are nested deeper than " + MAX_DEPTH
                    + " levels (does the value contain itself?)");
        }
    }

    /** A lone surrogate would not survive UTF-8; such strings take the UTF-16 tag. */
    private static boolean isWellFormedUtf16(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 == n || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static String whyUnencodable(Object value) {
        Class<?> c = value.getClass();
        String name = c.getName();
        if (value instanceof PersistentCollection) {
            return "a " + name + " is not encodable: a Hibernate collection is cached as the state of its"
                    + " CollectionCacheEntry, never itself";
        }
        if (value instanceof Map) {
            return "a " + name + " is not encodable: maps are outside the closed set (an entity region receives one"
                    + " when hibernate.cache.use_structured_entries=true; set it to false)";
        }
        if (value instanceof ReferenceCacheEntryImpl) {
            return "a " + name + " is not encodable: reference entries hold the entity instance itself"
                    + " (set hibernate.cache.use_reference_entries=false)";
        }
        if (c == HibernateCacheShapes.STANDARD_ENTRY || c == HibernateCacheShapes.COLLECTION_ENTRY
                || c == HibernateCacheShapes.QUERY_ITEM) {
            return "a " + name + " may only be the top-level value, not nested inside another value";
        }
        if (value instanceof CacheEntry) {
            return "a " + name + " is not encodable: of Hibernate's CacheEntry kinds only "
                    + StandardCacheEntryImpl.class.getName() + " is";
        }
        if (name.startsWith("org.hibernate.cache.spi.support.AbstractReadWriteAccess$")) {
            return "a " + name + " is not encodable: Hibernate's read-write access wrappers (Item, SoftLockImpl)"
                    + " are outside the closed set; regions backed by this codec store the entry itself";
        }
        if (c.isArray()) {
            return "a " + c.getComponentType().getName() + "[] is not encodable: of arrays only Object[],"
                    + " Serializable[], byte[] and char[] are";
        }
        return "a " + name + " is not encodable: it is outside the codec's closed set of types";
    }

    // ================================================================ decode

    /**
     * Decodes bytes written by {@link #encode(Object)} under the same format version and schema.
     *
     * @throws NullPointerException if {@code bytes} is null
     * @throws UndecodableValueException if the bytes are not exactly one value of the closed set
     *         that this region's schema allows; the message says what was wrong and where
     */
    public Object decode(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length == 0) {
            throw new UndecodableValueException("empty input: expected at least the 2 header bytes");
        }
        if (bytes[0] != MAGIC) {
            if (bytes.length >= 2 && bytes[0] == (byte) 0xAC && bytes[1] == (byte) 0xED) {
                throw new UndecodableValueException(
                        "refused a Java serialization stream (starts with 0xACED): it is never deserialized");
            }
            throw new UndecodableValueException(String.format(
                    "not a tiered-cache value: first byte is 0x%02X, expected the magic byte 0x%02X",
                    bytes[0] & 0xFF, MAGIC & 0xFF));
        }
        if (bytes.length < 2) {
            throw new UndecodableValueException("truncated input: the format version byte is missing");
        }
        if (bytes[1] != FORMAT_VERSION) {
            throw new UndecodableValueException("unsupported format version " + (bytes[1] & 0xFF)
                    + ": this codec reads version " + FORMAT_VERSION);
        }
        ByteSource in = new ByteSource(bytes, 2);
        int tag = in.readUnsignedByte("value tag");
        Object value = switch (tag) {
            case ENTITY_ENTRY -> readEntityEntry(in);
            case COLLECTION_ENTRY -> readCollectionEntry(in);
            case QUERY_RESULTS -> readQueryResults(in);
            default -> readTagged(in, tag, in.position() - 1, 0);
        };
        if (in.remaining() != 0) {
            throw new UndecodableValueException("trailing bytes: the value ends at offset " + in.position()
                    + " but the input has " + in.remaining() + " more");
        }
        return value;
    }

    private StandardCacheEntryImpl readEntityEntry(ByteSource in) {
        int start = in.position() - 1;
        String entityName = in.readUtf8("entity name");
        int written = in.readInt("entity fingerprint");
        Integer expected = schema.entityFingerprint(entityName);
        if (expected == null) {
            throw in.error(start, "entity '" + entityName + "' is not mapped to this region (mapped: "
                    + schema.entityFingerprints().keySet() + ")");
        }
        if (expected != written) {
            throw in.error(start, "stale entry for entity '" + entityName + "': written with schema fingerprint "
                    + CodecSchema.hexFingerprint(written) + ", but the region's is "
                    + CodecSchema.hexFingerprint(expected) + " (the entity's mapping changed)");
        }
        Object version = readValue(in, 1);
        int count = in.readLength("entity state", 1);
        Serializable[] state = new Serializable[count];
        for (int i = 0; i < count; i++) {
            state[i] = serializable(in, readValue(in, 1));
        }
        return HibernateCacheShapes.newStandardEntry(state, entityName, version);
    }

    private CollectionCacheEntry readCollectionEntry(ByteSource in) {
        int start = in.position() - 1;
        if (!schema.allowsCollections()) {
            throw in.error(start, "collection entries are not allowed in this region: its schema maps no collection role");
        }
        int flag = in.readUnsignedByte("collection fingerprint flag");
        OptionalInt written = switch (flag) {
            case 0 -> OptionalInt.empty();
            case 1 -> OptionalInt.of(in.readInt("collection fingerprint"));
            default -> throw in.error(start + 1, "invalid collection fingerprint flag " + flag);
        };
        OptionalInt expected = schema.collectionFingerprint();
        if (!written.equals(expected)) {
            throw in.error(start, "stale collection entry: written with schema fingerprint " + describe(written)
                    + ", but the region's is " + describe(expected) + " (the collection's mapping changed)");
        }
        return HibernateCacheShapes.newCollectionEntry(serializable(in, readValue(in, 1)));
    }

    private Object readQueryResults(ByteSource in) {
        int start = in.position() - 1;
        if (!schema.allowsQueryResults()) {
            throw in.error(start, "query results are not allowed in this region: its schema does not allow queryResults()");
        }
        long timestamp = in.readZigZagLong("query results timestamp");
        int tagOffset = in.position();
        int tag = in.readUnsignedByte("query results tag");
        List<?> results = switch (tag) {
            case NULL -> null;
            case LIST -> readList(in, 1);
            default -> throw in.error(tagOffset, "query results must be a list, but the tag is " + tagName(tag));
        };
        return HibernateCacheShapes.newQueryItem(timestamp, results);
    }

    private Object readValue(ByteSource in, int depth) {
        int offset = in.position();
        return readTagged(in, in.readUnsignedByte("value tag"), offset, depth);
    }

    private Object readTagged(ByteSource in, int tag, int offset, int depth) {
        try {
            return switch (tag) {
                case NULL -> null;
                case TRUE -> Boolean.TRUE;
                case FALSE -> Boolean.FALSE;
                case BYTE -> (byte) in.readUnsignedByte("byte");
                case SHORT -> in.readShort("short");
                case INT -> in.readZigZagInt("int");
                case LONG -> in.readZigZagLong("long");
                case FLOAT -> Float.intBitsToFloat(in.readInt("float"));
                case DOUBLE -> Double.longBitsToDouble(in.readLong("double"));
                case CHAR -> in.readChar("char");
                case STRING -> in.readUtf8("string");
                case STRING_UTF16 -> new String(readChars(in, "string"));
                case BIG_INTEGER -> readBigInteger(in, "BigInteger");
                case BIG_DECIMAL -> {
                    int scale = in.readZigZagInt("BigDecimal scale");
                    yield new BigDecimal(readBigInteger(in, "BigDecimal unscaled value"), scale);
                }
                case BYTE_ARRAY -> in.readBytes(in.readLength("byte[]", 1), "byte[]");
                case CHAR_ARRAY -> readChars(in, "char[]");
                case UUID_TAG -> new UUID(in.readLong("UUID"), in.readLong("UUID"));
                case INSTANT -> Instant.ofEpochSecond(in.readZigZagLong("Instant seconds"), readNanos(in, "Instant"));
                case DURATION -> Duration.ofSeconds(in.readZigZagLong("Duration seconds"), readNanos(in, "Duration"));
                case LOCAL_DATE -> LocalDate.ofEpochDay(in.readZigZagLong("LocalDate"));
                case LOCAL_TIME -> LocalTime.ofNanoOfDay(in.readVarLong("LocalTime"));
                case LOCAL_DATE_TIME -> readLocalDateTime(in);
                case OFFSET_DATE_TIME -> OffsetDateTime.of(readLocalDateTime(in), readOffset(in));
                case ZONED_DATE_TIME -> {
                    LocalDateTime local = readLocalDateTime(in);
                    ZoneOffset offsetAtWrite = readOffset(in);
                    ZoneId zone = ZoneId.of(in.readUtf8("ZonedDateTime zone"));
                    yield ZonedDateTime.ofInstant(local, offsetAtWrite, zone);
                }
                case UTIL_DATE -> new java.util.Date(in.readZigZagLong("Date"));
                case SQL_DATE -> new java.sql.Date(in.readZigZagLong("java.sql.Date"));
                case SQL_TIME -> new java.sql.Time(in.readZigZagLong("java.sql.Time"));
                case SQL_TIMESTAMP -> {
                    java.sql.Timestamp t = new java.sql.Timestamp(in.readZigZagLong("Timestamp"));
                    t.setNanos(readNanos(in, "Timestamp"));
                    yield t;
                }
                case ENUM -> readEnum(in, offset);
                case OBJECT_ARRAY -> {
                    checkDepth(in, offset, depth);
                    Object[] array = new Object[in.readLength("Object[]", 1)];
                    for (int i = 0; i < array.length; i++) {
                        array[i] = readValue(in, depth + 1);
                    }
                    yield array;
                }
                case SERIALIZABLE_ARRAY -> {
                    checkDepth(in, offset, depth);
                    Serializable[] array = new Serializable[in.readLength("Serializable[]", 1)];
                    for (int i = 0; i < array.length; i++) {
                        array[i] = serializable(in, readValue(in, depth + 1));
                    }
                    yield array;
                }
                case LIST -> readList(in, depth);
                case UNFETCHED_PROPERTY -> LazyPropertyInitializer.UNFETCHED_PROPERTY;
                case BACKREF_UNKNOWN -> PropertyAccessStrategyBackRefImpl.UNKNOWN;
                case ENTITY_ENTRY, COLLECTION_ENTRY, QUERY_RESULTS -> throw in.error(offset,
                        "a " + tagName(tag) + " may only be the top-level value, not nested inside another value");
                default -> throw in.error(offset, "unknown type tag " + tagName(tag));
            };
        } catch (DateTimeException e) {
            throw new UndecodableValueException("invalid " + tagName(tag) + " (at offset " + offset + "): "
                    + e.getMessage(), e);
        }
    }

    private List<Object> readList(ByteSource in, int depth) {
        int offset = in.position() - 1;
        checkDepth(in, offset, depth);
        int count = in.readLength("List", 1);
        List<Object> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            list.add(readValue(in, depth + 1));
        }
        return list;
    }

    private Enum<?> readEnum(ByteSource in, int offset) {
        String className = in.readUtf8("enum class name");
        if (!schema.allowsEnumClassName(className)) {
            throw in.error(offset, "enum class '" + className + "' is not allowed in this region (allowed: "
                    + schema.enumClassNames() + ")");
        }
        String constantName = in.readUtf8("enum constant name");
        Enum<?> constant = schema.enumConstant(className, constantName);
        if (constant == null) {
            throw in.error(offset, "enum " + className + " has no constant '" + constantName + "'");
        }
        return constant;
    }

    private static char[] readChars(ByteSource in, String what) {
        char[] chars = new char[in.readLength(what, 2)];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = in.readChar(what);
        }
        return chars;
    }

    private static BigInteger readBigInteger(ByteSource in, String what) {
        int offset = in.position();
        int length = in.readLength(what, 1);
        if (length == 0) {
            throw in.error(offset, what + " has no bytes");
        }
        return new BigInteger(in.readBytes(length, what));
    }

    private static int readNanos(ByteSource in, String what) {
        int offset = in.position();
        int nanos = in.readVarInt(what + " nanos");
        if (nanos < 0 || nanos >= NANOS_PER_SECOND) {
            throw in.error(offset, what + " nanos " + Integer.toUnsignedString(nanos) + " are outside 0..999999999");
        }
        return nanos;
    }

    private static LocalDateTime readLocalDateTime(ByteSource in) {
        LocalDate date = LocalDate.ofEpochDay(in.readZigZagLong("date"));
        LocalTime time = LocalTime.ofNanoOfDay(in.readVarLong("time"));
        return LocalDateTime.of(date, time);
    }

    private static ZoneOffset readOffset(ByteSource in) {
        return ZoneOffset.ofTotalSeconds(in.readZigZagInt("zone offset"));
    }

    private static void checkDepth(ByteSource in, int offset, int depth) {
        if (depth >= MAX_DEPTH) {
            throw in.error(offset, "arrays and lists are nested deeper than " + MAX_DEPTH + " levels");
        }
    }

    private static Serializable serializable(ByteSource in, Object value) {
        if (value == null || value instanceof Serializable) {
            return (Serializable) value;
        }
        // Unreachable with the current tags (every decoded value is Serializable); kept as a guard.
        throw in.error(in.position(), "a " + value.getClass().getName() + " cannot stand where a Serializable must");
    }

    private static String describe(OptionalInt fingerprint) {
        return fingerprint.isPresent() ? CodecSchema.hexFingerprint(fingerprint.getAsInt()) : "none";
    }

    static String tagName(int tag) {
        String name = switch (tag) {
            case NULL -> "null";
            case TRUE -> "true";
            case FALSE -> "false";
            case BYTE -> "Byte";
            case SHORT -> "Short";
            case INT -> "Integer";
            case LONG -> "Long";
            case FLOAT -> "Float";
            case DOUBLE -> "Double";
            case CHAR -> "Character";
            case STRING, STRING_UTF16 -> "String";
            case BIG_INTEGER -> "BigInteger";
            case BIG_DECIMAL -> "BigDecimal";
            case BYTE_ARRAY -> "byte[]";
            case CHAR_ARRAY -> "char[]";
            case UUID_TAG -> "UUID";
            case INSTANT -> "Instant";
            case LOCAL_DATE -> "LocalDate";
            case LOCAL_TIME -> "LocalTime";
            case LOCAL_DATE_TIME -> "LocalDateTime";
            case OFFSET_DATE_TIME -> "OffsetDateTime";
            case ZONED_DATE_TIME -> "ZonedDateTime";
            case DURATION -> "Duration";
            case UTIL_DATE -> "java.util.Date";
            case SQL_TIMESTAMP -> "java.sql.Timestamp";
            case SQL_DATE -> "java.sql.Date";
            case SQL_TIME -> "java.sql.Time";
            case ENUM -> "enum";
            case OBJECT_ARRAY -> "Object[]";
            case SERIALIZABLE_ARRAY -> "Serializable[]";
            case LIST -> "List";
            case UNFETCHED_PROPERTY -> "UNFETCHED_PROPERTY";
            case BACKREF_UNKNOWN -> "BackRef UNKNOWN";
            case ENTITY_ENTRY -> "StandardCacheEntryImpl";
            case COLLECTION_ENTRY -> "CollectionCacheEntry";
            case QUERY_RESULTS -> "query results CacheItem";
            default -> null;
        };
        String hex = String.format("0x%02X", tag);
        return name == null ? hex : name + " (" + hex + ")";
    }

    private static Map<Class<?>, Integer> exactTags() {
        Map<Class<?>, Integer> tags = new IdentityHashMap<>();
        tags.put(Boolean.class, TRUE);
        tags.put(Byte.class, BYTE);
        tags.put(Short.class, SHORT);
        tags.put(Integer.class, INT);
        tags.put(Long.class, LONG);
        tags.put(Float.class, FLOAT);
        tags.put(Double.class, DOUBLE);
        tags.put(Character.class, CHAR);
        tags.put(String.class, STRING);
        tags.put(BigInteger.class, BIG_INTEGER);
        tags.put(BigDecimal.class, BIG_DECIMAL);
        tags.put(byte[].class, BYTE_ARRAY);
        tags.put(char[].class, CHAR_ARRAY);
        tags.put(UUID.class, UUID_TAG);
        tags.put(Instant.class, INSTANT);
        tags.put(LocalDate.class, LOCAL_DATE);
        tags.put(LocalTime.class, LOCAL_TIME);
        tags.put(LocalDateTime.class, LOCAL_DATE_TIME);
        tags.put(OffsetDateTime.class, OFFSET_DATE_TIME);
        tags.put(ZonedDateTime.class, ZONED_DATE_TIME);
        tags.put(Duration.class, DURATION);
        tags.put(java.util.Date.class, UTIL_DATE);
        tags.put(java.sql.Timestamp.class, SQL_TIMESTAMP);
        tags.put(java.sql.Date.class, SQL_DATE);
        tags.put(java.sql.Time.class, SQL_TIME);
        tags.put(Object[].class, OBJECT_ARRAY);
        tags.put(Serializable[].class, SERIALIZABLE_ARRAY);
        return tags;
    }
}
