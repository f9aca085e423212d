package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tieredjpa.cache.TieredRegionFactory;
import dev.tieredjpa.cache.WritePolicy;
import dev.tieredjpa.testsupport.TestDatabases;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Per-entity policies: properties override the defaults, and every bad property stops start-up, named. */
class PolicyConfigTest {

    @Test
    void start_withEntityOverrides_appliesThemPerEntity() {
        try (Cluster cluster = Cluster.start(TestDatabases.Kind.H2, 1, dev.tieredjpa.testsupport.TestRedis.endpoint().url(), Map.of(
                "tiered-cache.entity.Item.l2-ttl", "5m",
                "tiered-cache.entity.Item.l1-max-entries", "123",
                "tiered-cache.entity.Note.write-policy", "read_only"))) {
            var policies = factory(cluster.node(0)).policies();

            assertThat(policies.of(Item.class).l2Ttl()).isEqualTo(Duration.ofMinutes(5));
            assertThat(policies.of(Item.class).l1MaxEntries()).isEqualTo(123);
            assertThat(policies.of(Item.class).writePolicy()).isEqualTo(WritePolicy.WRITE_THROUGH);
            assertThat(policies.of(Note.class).writePolicy()).isEqualTo(WritePolicy.READ_ONLY);
            assertThat(policies.of("Note")).contains(policies.of(Note.class));
        }
    }

    static Stream<Arguments> badProperties() {
        return Stream.of(
                Arguments.of("tiered-cache.entity.Itme.l2-ttl", "5m",
                        "tiered-cache.entity.Itme.l2-ttl names no entity of this persistence unit; known entities: [Country, Item, Note, Visit]"),
                Arguments.of("tiered-cache.entity.Item.l2-tll", "5m",
                        "tiered-cache.entity.Item.l2-tll is not a setting; allowed: [batch-size, early-refresh-beta, l1-max-entries, "
                                + "l1-ttl, l2-ttl, max-queue-length, max-retries, negative-ttl, stale-if-error, write-behind-delay, "
                                + "write-behind-durability, write-policy]"),
                Arguments.of("tiered-cache.entity.Visit.write-behind-durability", "disk",
                        "tiered-cache.entity.Visit.write-behind-durability must be one of [REPLICA, MEMORY], but was disk"),
                Arguments.of("tiered-cache.entity.Item.write-policy", "SOMETIMES",
                        "tiered-cache.entity.Item.write-policy must be one of [WRITE_THROUGH, WRITE_BEHIND, READ_ONLY], but was SOMETIMES"),
                Arguments.of("tiered-cache.entity.Item.l2-ttl", "-5s",
                        "tiered-cache.entity.Item.l2-ttl must be a duration (e.g. 30s, 500ms, 10m), but was -5s"),
                Arguments.of("tiered-cache.entity.Item.batch-size", "0",
                        "tiered-cache.entity.Item.batch-size must be a positive whole number, but was 0"),
                Arguments.of("tiered-cache.l2.tll", "5m", "Unknown setting tiered-cache.l2.tll"),
                Arguments.of("tiered-cache.write-behind.replica-wait", "0ms",
                        "tiered-cache.write-behind.replica-wait must be"),
                Arguments.of("tiered-cache.l1.ttl", "soon",
                        "tiered-cache.l1.ttl must be a duration (e.g. 30s, 500ms, 10m), but was soon"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("badProperties")
    void start_withBadProperty_failsNamingIt(String key, String value, String message) {
        assertThatThrownBy(() -> Cluster.start(TestDatabases.Kind.H2, 1, dev.tieredjpa.testsupport.TestRedis.endpoint().url(),
                Map.of(key, value)).close())
                .satisfies(e -> assertThat(rootCause(e)).isInstanceOf(IllegalArgumentException.class)
                        .message().startsWith(message));
    }

    private static Throwable rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root;
    }

    private static TieredRegionFactory factory(Node node) {
        return (TieredRegionFactory) node.emf().unwrap(SessionFactoryImplementor.class).getCache().getRegionFactory();
    }
}
