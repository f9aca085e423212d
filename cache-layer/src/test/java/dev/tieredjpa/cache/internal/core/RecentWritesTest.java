package dev.tieredjpa.cache.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The window of writes re-asserted after a failover: what it keeps, what it forgets, and its bound. */
class RecentWritesTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final RecentWrites writes = new RecentWrites(now::get);

    @Test
    void keepsTheWritesOfTheWindow_andForgetsOlderOnes() {
        writes.record("items", "a", 1);
        now.addAndGet(RecentWrites.WINDOW_NANOS / 2);
        writes.record("items", "b", 4);

        assertThat(writes.withinWindow()).extracting(RecentWrites.Write::keyText).containsExactly("a", "b");
        now.addAndGet(RecentWrites.WINDOW_NANOS / 2 + 1);
        assertThat(writes.withinWindow()).extracting(RecentWrites.Write::keyText, RecentWrites.Write::deadUpTo)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("b", 4L));
    }

    @Test
    void pastTheBound_theOverflowingRegionIsToBeClearedWhole_onceAndOnlyWithinTheWindow() {
        for (int i = 0; i <= RecentWrites.MAX_ENTRIES; i++) {
            writes.record("items", "k" + i, i);
        }
        assertThat(writes.withinWindow()).hasSize(RecentWrites.MAX_ENTRIES);
        assertThat(writes.takeOverflowedRegions()).containsExactly("items");
        assertThat(writes.takeOverflowedRegions()).isEmpty();

        writes.record("items", "more", 1); // overflows again
        now.addAndGet(RecentWrites.WINDOW_NANOS + 1);
        assertThat(writes.takeOverflowedRegions()).as("an overflow older than the window").isEmpty();
        assertThat(writes.withinWindow()).isEmpty();
    }
}
