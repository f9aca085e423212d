package dev.tieredjpa.cache.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tieredjpa.cache.internal.codec.CodecFixtures.Color;
import dev.tieredjpa.cache.internal.codec.CodecFixtures.Shape;
import org.junit.jupiter.api.Test;

class CodecSchemaTest {

    private static final String[] NAMES = {"name", "price"};
    private static final String[] TYPES = {"string", "big_decimal"};

    @Test
    void fingerprint_sameLayout_isStableAcrossCallsAndJvms() {
        assertThat(CodecSchema.fingerprint(NAMES, TYPES)).isEqualTo(CodecSchema.fingerprint(NAMES.clone(), TYPES.clone()));
        // CRC-32 of [len]"2" [len]"name" [len]"string" [len]"price" [len]"big_decimal" (4-byte big-endian
        // lengths), computed independently with Python's zlib.crc32. It must never change: if it did, every
        // L2 entry written by another node or an older build would decode as stale.
        assertThat(CodecSchema.fingerprint(NAMES, TYPES)).isEqualTo(0xe4419383);
    }

    @Test
    void fingerprint_addedRenamedRetypedOrReorderedProperty_differs() {
        int base = CodecSchema.fingerprint(NAMES, TYPES);

        assertThat(CodecSchema.fingerprint(new String[] {"name", "price", "weight"},
                new String[] {"string", "big_decimal", "integer"})).isNotEqualTo(base);
        assertThat(CodecSchema.fingerprint(new String[] {"title", "price"}, TYPES)).isNotEqualTo(base);
        assertThat(CodecSchema.fingerprint(NAMES, new String[] {"string", "double"})).isNotEqualTo(base);
        assertThat(CodecSchema.fingerprint(new String[] {"price", "name"},
                new String[] {"big_decimal", "string"})).isNotEqualTo(base);
    }

    @Test
    void fingerprint_boundaryShiftBetweenNameAndType_differs() {
        assertThat(CodecSchema.fingerprint(new String[] {"ab"}, new String[] {"c"}))
                .isNotEqualTo(CodecSchema.fingerprint(new String[] {"a"}, new String[] {"bc"}));
    }

    @Test
    void fingerprint_lengthsDiffer_throws() {
        assertThatThrownBy(() -> CodecSchema.fingerprint(NAMES, new String[] {"string"}))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("propertyNames and typeNames must have the same length, but had 2 and 1");
    }

    @Test
    void fingerprint_nullElement_throwsNamingIt() {
        assertThatThrownBy(() -> CodecSchema.fingerprint(NAMES, new String[] {"string", null}))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("typeNames[1] must not be null");
        assertThatThrownBy(() -> CodecSchema.fingerprint(null, TYPES))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("propertyNames must not be null");
    }

    @Test
    void allowEnum_constantBodyClass_throwsPointingToDeclaringClass() {
        @SuppressWarnings("unchecked")
        Class<? extends Enum<?>> bodyClass = (Class<? extends Enum<?>>) Shape.CIRCLE.getClass();

        assertThatThrownBy(() -> CodecSchema.builder().allowEnum(bodyClass))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("enumClass must be an enum class, but was " + bodyClass.getName()
                        + " (for a constant with a body, pass its getDeclaringClass())");
    }

    @Test
    void allowEnum_null_throws() {
        assertThatThrownBy(() -> CodecSchema.builder().allowEnum(null))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("enumClass must not be null");
    }

    @Test
    void entity_blankName_throws() {
        assertThatThrownBy(() -> CodecSchema.builder().entity(" ", 1))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("entityName must not be blank, but was ' '");
    }

    @Test
    void entity_sameNameWithOtherFingerprint_throws() {
        assertThatThrownBy(() -> CodecSchema.builder().entity("dev.Product", 1).entity("dev.Product", 2))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("entityName 'dev.Product' is already mapped with fingerprint 00000001, but was given 00000002");
    }

    @Test
    void collection_nullRole_throws() {
        assertThatThrownBy(() -> CodecSchema.builder().collection(null, 1))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("role must not be blank, but was null");
    }

    @Test
    void collectionFingerprint_oneRole_isThatRolesFingerprint_severalRoles_isEmpty() {
        assertThat(CodecSchema.builder().collection("a", 5).build().collectionFingerprint()).hasValue(5);
        assertThat(CodecSchema.builder().collection("a", 5).collection("b", 6).build().collectionFingerprint())
                .isEmpty();
    }

    @Test
    void toString_printsEveryField() {
        CodecSchema schema = CodecSchema.builder()
                .allowEnum(Color.class).entity("dev.Product", 0xAB).collection("dev.User.sessions", 0x1234)
                .queryResults().build();

        assertThat(schema).hasToString("CodecSchema{enums=[" + Color.class.getName() + "],"
                + " entities={dev.Product=000000ab}, collections={dev.User.sessions=00001234}, queryResults=true}");
    }

    @Test
    void plainValues_allowsNoEnumsEntitiesCollectionsOrQueries() {
        assertThat(CodecSchema.plainValues()).hasToString(
                "CodecSchema{enums=[], entities={}, collections={}, queryResults=false}");
    }
}
