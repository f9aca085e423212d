package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tieredjpa.cache.internal.codec.CacheValueCodec;
import dev.tieredjpa.cache.internal.codec.CodecSchema;
import dev.tieredjpa.cache.internal.l2.EntrySnapshot;
import dev.tieredjpa.testsupport.TestDatabases;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.api.RScript;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * Promise 7, "safe bytes", through the Hibernate face: whatever sits in the {@code d} field of an L2 entry of
 * {@code items}, a read on a node with no L1 copy treats a value it cannot decode into the region's own entry
 * as a miss (the entity loads from the database, right), counts it, and removes it or replaces it with the
 * fresh load. Nothing named in the bytes is ever loaded or instantiated.
 *
 * <p>Counted once, as a decode failure ({@code decodeFailures}, the meter {@code tiered.cache.decode.failures}),
 * and not also as an entry repair ({@code l2.repairs}): the entry around the bytes is the library's own, and
 * only the node that reads the bytes can tell that they do not decode.
 */
class HostileL2ValuesTest {

    private static final String ITEM_KEY = "dev.tieredjpa.cache.it.Item#";
    private static final AtomicLong IDS = new AtomicLong();

    /** Flipped by {@link HostileGadget}'s static initializer: proof that the class was initialized. */
    static final AtomicBoolean HOSTILE_GADGET_INITIALIZED = new AtomicBoolean();

    private static Cluster cluster;
    private static Node a;
    private static Node b;

    @BeforeAll
    static void start() {
        cluster = Cluster.start(TestDatabases.Kind.H2, 2);
        a = cluster.node(0);
        b = cluster.node(1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void randomBytes_readAsMissCountedAndReplacedByTheDatabaseLoad() {
        Random random = new Random(7);
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            byte[] noise = new byte[1 + random.nextInt(200)];
            random.nextBytes(noise);
            noise[0] = (byte) (noise[0] == (byte) 0xCA ? 0 : noise[0]);
            payloads.add(noise);
        }
        // past the magic and format bytes, so that the decoder itself has to refuse
        for (int i = 0; i < 15; i++) {
            byte[] noise = new byte[3 + random.nextInt(200)];
            random.nextBytes(noise);
            noise[0] = (byte) 0xCA;
            noise[1] = 0x01;
            if (i % 3 == 0) {
                noise[2] = 0x40; // an entity entry, then noise
            }
            payloads.add(noise);
        }
        payloads.add(new byte[0]);
        for (byte[] payload : payloads) {
            long id = insertItem();
            readsAsMiss(id, payload, "random bytes " + hex(payload));
        }
    }

    @Test
    void itemEntryTruncatedExtendedOrOfAnOlderSchema_readAsMiss() {
        long truncated = insertItem();
        byte[] original = l2Data("items", ITEM_KEY + truncated);
        readsAsMiss(truncated, Arrays.copyOf(original, original.length - 1), "the entry without its last byte");

        long extended = insertItem();
        byte[] extendedEntry = l2Data("items", ITEM_KEY + extended);
        readsAsMiss(extended, Arrays.copyOf(extendedEntry, extendedEntry.length + 1), "the entry with a trailing byte");

        // 0xCA 0x01 0x40, the entity name (one length byte and its UTF-8), then the schema fingerprint
        long olderSchema = insertItem();
        byte[] entry = l2Data("items", ITEM_KEY + olderSchema);
        int fingerprintAt = 3 + 1 + "dev.tieredjpa.cache.it.Item".getBytes(StandardCharsets.UTF_8).length;
        assertThat(new String(entry, 4, fingerprintAt - 4, StandardCharsets.UTF_8)).isEqualTo("dev.tieredjpa.cache.it.Item");
        entry[fingerprintAt] ^= (byte) 0xFF;
        readsAsMiss(olderSchema, entry, "the entry written under another schema fingerprint");
    }

    @Test
    void anotherEntitysValidEntry_readAsMiss() {
        long noteId = IDS.incrementAndGet();
        a.inTransactionDo(em -> em.persist(new Note(noteId, "a note, not an item")));
        byte[] noteEntry = l2Data("notes", "dev.tieredjpa.cache.it.Note#" + noteId);
        assertThat(noteEntry).as("a's insert put the note into L2").isNotNull();

        long id = insertItem();
        readsAsMiss(id, noteEntry, "a valid entry of entity Note (region notes)");
    }

    @Test
    void validEncodingOfAPlainString_readAsMiss() {
        byte[] aString = new CacheValueCodec(CodecSchema.plainValues()).encode("not an item entry");
        long id = insertItem();
        readsAsMiss(id, aString, "a valid encoding of a String");
    }

    @Test
    void validEncodingOfAnotherRegionsValue_readAsMiss() {
        // what the natural-id region item-codes holds: an id, a Long, in the codec's format
        byte[] aLong = new CacheValueCodec(CodecSchema.plainValues()).encode(42L);
        long id = insertItem();
        readsAsMiss(id, aLong, "a valid encoding of a Long (what a natural-id region stores)");
    }

    @Test
    void javaSerializedObject_readAsMissAndItsClassIsNeverInitialized() throws Exception {
        byte[] gadget = serializedHostileGadget();
        assertThat(gadget[0]).isEqualTo((byte) 0xAC);
        assertThat(gadget[1]).isEqualTo((byte) 0xED);
        long id = insertItem();

        readsAsMiss(id, gadget, "a Java serialization stream of " + HostileGadget.class.getName());

        assertThat(HOSTILE_GADGET_INITIALIZED).as("the gadget class was initialized by the read").isFalse();
        // the bytes are live: Java deserialization would have built the gadget (and run its static initializer)
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(gadget))) {
            assertThat(in.readObject().getClass().getName()).isEqualTo(HostileGadget.class.getName());
        }
        assertThat(HOSTILE_GADGET_INITIALIZED).isTrue();
    }

    /**
     * The story for one planted value: b has no L1 copy of the item, its L2 entry holds {@code planted};
     * b's read is a miss that loads from the database, is counted, and leaves L2 without the planted bytes.
     */
    private static void readsAsMiss(long id, byte[] planted, String what) {
        String keyText = ITEM_KEY + id;
        byte[] original = l2Data("items", keyText);
        assertThat(original).as("a's insert put #%d into L2", id).isNotNull();
        assertThat(b.runtime().regions().get("items").peekL1(keyText)).as("b's L1 copy of #%d", id).isNull();
        plant(keyText, planted);
        assertThat(l2Data("items", keyText)).isEqualTo(planted);
        long decodeFailures = b.regionStats("items").decodeFailures();
        long repairs = a.regionStats("items").l2Repairs() + b.regionStats("items").l2Repairs();
        long l2Hits = b.regionStats("items").l2Hits();
        long statements = b.statements();

        // L2 value undecodable: a miss; DB load
        Item item = b.find(Item.class, id);

        assertThat(item).as("#%d read over %s", id, what).isNotNull();
        assertThat(item.getCode()).isEqualTo("I-" + id);
        assertThat(item.getName()).isEqualTo("v0");
        assertThat(item.getVersion()).isZero();
        assertThat(b.statements()).as("database statements for the read over %s", what).isEqualTo(statements + 1);
        assertThat(b.regionStats("items").decodeFailures()).as("decode failures after %s", what).isEqualTo(decodeFailures + 1);
        assertThat(a.regionStats("items").l2Repairs() + b.regionStats("items").l2Repairs())
                .as("entry repairs after %s (the data field is the codec's to judge)", what).isEqualTo(repairs);
        assertThat(b.regionStats("items").l2Hits()).isEqualTo(l2Hits);
        EntrySnapshot after = a.runtime().store().inspect("items", keyText);
        assertThat(after.data()).as("L2 data of #%d after reading %s", id, what).isNotEqualTo(planted);
        if (after.hasData()) {
            // replaced by the fresh load, which encodes the same state as a's insert did
            assertThat(after.data()).isEqualTo(original);
            assertThat(after.version()).isZero();
        }
        // L1 hit on b now, the right value
        assertThat(b.find(Item.class, id).getName()).isEqualTo("v0");
        assertThat(b.statements()).isEqualTo(statements + 1);
    }

    private static long insertItem() {
        long id = IDS.incrementAndGet();
        a.inTransactionDo(em -> em.persist(new Item(id, "I-" + id, "v0", new BigDecimal("1.00"))));
        return id;
    }

    private static byte[] l2Data(String region, String keyText) {
        return a.runtime().store().inspect(region, keyText).data();
    }

    /** Overwrites the data field of one L2 entry, keeping every other field and its TTL. */
    private static void plant(String keyText, byte[] data) {
        String key = cluster.keyPrefix() + "items:" + keyText;
        Object replaced = cluster.redis().getScript(ByteArrayCodec.INSTANCE).eval(RScript.Mode.READ_WRITE,
                "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end redis.call('HSET', KEYS[1], 'd', ARGV[1]) return 1",
                RScript.ReturnType.LONG, List.of(key), (Object) data);
        assertThat(replaced).as("L2 entry %s exists", key).isEqualTo(1L);
    }

    /**
     * A Java serialization stream of a {@link HostileGadget}, made without ever initializing that class: a
     * {@link HarmlessDecoy} (same shape, name of the same length) is serialized, and its class name rewritten.
     */
    private static byte[] serializedHostileGadget() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new HarmlessDecoy());
        }
        byte[] stream = bytes.toByteArray();
        byte[] from = HarmlessDecoy.class.getName().getBytes(StandardCharsets.UTF_8);
        byte[] to = HostileGadget.class.getName().getBytes(StandardCharsets.UTF_8);
        assertThat(to).hasSameSizeAs(from);
        int at = indexOf(stream, from);
        assertThat(at).isPositive();
        System.arraycopy(to, 0, stream, at, to.length);
        return stream;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String hex(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, 8); i++) {
            text.append(String.format("%02x", bytes[i] & 0xFF));
        }
        return text + (bytes.length > 8 ? "... (" + bytes.length + " bytes)" : "");
    }

    /** A class that says when it is initialized. Never touched by this test except through {@code HostileGadget.class}. */
    static final class HostileGadget implements Serializable {
        private static final long serialVersionUID = 1L;

        static {
            HOSTILE_GADGET_INITIALIZED.set(true);
        }

        int payload = 7;
    }

    /** {@link HostileGadget}'s twin, serialized in its place. */
    static final class HarmlessDecoy implements Serializable {
        private static final long serialVersionUID = 1L;

        int payload = 7;
    }
}
