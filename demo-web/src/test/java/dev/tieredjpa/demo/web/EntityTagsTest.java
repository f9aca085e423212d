package dev.tieredjpa.demo.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The API's entity tags: their form, list digests and If-None-Match matching. */
class EntityTagsTest {

    private static final String TAG = EntityTags.of("product", 5, 3);

    @Test
    void of_entity_isStrongAndNamesTypeIdAndVersion() {
        assertThat(TAG).isEqualTo("\"product-5-v3\"");
    }

    @Test
    void ofList_sameMembersInSameOrder_sameTag_otherwiseAnother() {
        String tag = EntityTags.ofList("product", List.of("\"product-1-v0\"", "\"product-2-v4\""));

        assertThat(EntityTags.ofList("product", List.of("\"product-1-v0\"", "\"product-2-v4\""))).isEqualTo(tag);
        assertThat(tag).startsWith("\"product-list-").endsWith("\"").hasSize("\"product-list-\"".length() + 22);
        assertThat(EntityTags.ofList("product", List.of("\"product-1-v0\"", "\"product-2-v5\""))).as("a member moved on")
                .isNotEqualTo(tag);
        assertThat(EntityTags.ofList("product", List.of("\"product-2-v4\"", "\"product-1-v0\""))).as("another order")
                .isNotEqualTo(tag);
        assertThat(EntityTags.ofList("product", List.of("\"product-1-v0\""))).as("a member fewer").isNotEqualTo(tag);
    }

    @ParameterizedTest(name = "If-None-Match: {0}")
    @ValueSource(strings = {"\"product-5-v3\"", "W/\"product-5-v3\"", "*", " \"product-5-v2\" , \"product-5-v3\"",
            "\"product-5-v2\",W/\"product-5-v3\"", "\"a,b\", \"product-5-v3\""})
    void noneMatchNames_headerNamingTheTag_matches(String header) {
        assertThat(EntityTags.noneMatchNames(header, TAG)).isTrue();
    }

    @ParameterizedTest(name = "If-None-Match: {0}")
    @ValueSource(strings = {"", "  ", "\"product-5-v2\"", "\"product-5-v33\"", "\"product-5-v\"", "product-5-v3",
            "\"product-5-v3", "\"product-15-v3\"", "W/ \"product-5-v3\"", "\"user-5-v3\""})
    void noneMatchNames_headerNotNamingTheTag_doesNotMatch(String header) {
        assertThat(EntityTags.noneMatchNames(header, TAG)).isFalse();
    }

    @Test
    void noneMatchNames_noHeader_doesNotMatch() {
        assertThat(EntityTags.noneMatchNames(null, TAG)).isFalse();
    }

    @Test
    void versionOf_tagOfThisEntity_isItsVersion_bareVersionIsNotATag() {
        assertThat(EntityTags.versionOf("\"product-5-v3\"", "product", 5, "If-Match")).hasValue(3);
        assertThat(EntityTags.versionOf("W/\"product-5-v3\"", "product", 5, "If-Match")).hasValue(3);
        assertThat(EntityTags.versionOf("\"3\"", "product", 5, "If-Match")).isEqualTo(OptionalLong.empty());
    }

    @Test
    void versionOf_tagOfAnotherEntity_isRefusedNamingTheHeader() {
        assertThatThrownBy(() -> EntityTags.versionOf("\"product-6-v3\"", "product", 5, "If-Match"))
                .isInstanceOf(ApiError.class)
                .hasMessage("If-Match names product 6, not this product 5: \"product-6-v3\"")
                .extracting(e -> ((ApiError) e).field()).isEqualTo("If-Match");
        assertThatThrownBy(() -> EntityTags.versionOf("\"user-5-v3\"", "product", 5, "If-Match"))
                .isInstanceOf(ApiError.class)
                .hasMessageStartingWith("If-Match names user 5, not this product 5");
    }
}
