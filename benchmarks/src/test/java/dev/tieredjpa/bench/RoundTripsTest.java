package dev.tieredjpa.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The round trips our cache promises, counted as the commands its Redis client sends: none for an L1 hit
 * or for opening a session, none for clearing L1, exactly one for an L2 hit, on the entity face and on the
 * direct face. Redisson's region factory is counted for the record only. Counts, not times: a slow machine
 * cannot fail this.
 */
class RoundTripsTest {

    private static Services services;
    private static List<RedisRoundTrips.Count> counts;
    private static final Results RESULTS = new Results();
    private static final String DIRECT = Peer.TIERED.label() + " direct";

    @BeforeAll
    static void measure() {
        services = Services.start(Services.Db.H2, 100);
        counts = RedisRoundTrips.measure(RESULTS, services);
        counts.forEach(count -> System.out.println("round trips: " + count));
    }

    @AfterAll
    static void stop() {
        if (services != null) {
            services.close();
        }
    }

    @Test
    void anL1HitFindMakesNoRoundTrip() {
        assertCalls("find (L1 hit)", 0);
    }

    @Test
    void openingAndClosingASessionMakesNoRoundTrip() {
        assertCalls("session open", 0);
    }

    @Test
    void clearingL1MakesNoRoundTrip() {
        assertCalls("L1 clear", 0);
    }

    @Test
    void anL2HitFindMakesExactlyOneRoundTrip() {
        assertCalls("find (L2 hit)", 1);
    }

    @Test
    void theDirectFaceMakesNoRoundTripOnAnL1HitAndOneOnAnL2Hit() {
        assertCalls(DIRECT, "get (L1 hit)", 0);
        assertCalls(DIRECT, "get (L2 hit)", 1);
    }

    @Test
    void redissonsRegionFactoryIsRecordedNotJudged() {
        assertThat(counts).anyMatch(c -> c.peer().equals(Peer.REDISSON.label()) && c.operation().equals("find (hit)"));
        assertThat(RESULTS.rows("roundTrips")).hasSize(counts.size())
                .allSatisfy(row -> assertThat(row).containsKeys("peer", "operation", "redisCallsPerOp"));
    }

    private static void assertCalls(String operation, double expected) {
        assertCalls(Peer.TIERED.label(), operation, expected);
    }

    private static void assertCalls(String peer, String operation, double expected) {
        RedisRoundTrips.Count count = counts.stream()
                .filter(c -> c.peer().equals(peer) && c.operation().equals(operation))
                .findFirst().orElseThrow();
        assertThat(count.redisCallsPerOp())
                .as("Redis commands per %s (commands sent: %s)", operation, count.commands())
                .isEqualTo(expected);
    }
}
