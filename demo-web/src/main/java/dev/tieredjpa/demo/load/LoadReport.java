package dev.tieredjpa.demo.load;

import java.time.Duration;
import java.util.Locale;

/**
 * Where a load run stands: what was sent and how it was answered, at one moment. Shares of reads are of
 * the reads answered with 200; {@code X-Cache} names the tier that answered each (on a response-cache hit,
 * the response cache's tier), {@code X-Response-Cache} whether the rendered answer was cached.
 *
 * @param elapsed        time since the first request was due
 * @param planned        requests the run will send in all ({@code rate * duration})
 * @param sent           requests sent so far
 * @param completed      requests answered (or failed) so far
 * @param reads          reads answered with 200
 * @param l1             reads whose {@code X-Cache} was L1
 * @param l2             ... L2
 * @param db             ... DB
 * @param stale          ... STALE
 * @param unknownTier    reads without a known {@code X-Cache}
 * @param responseHits   reads with {@code X-Response-Cache: HIT}
 * @param updates        updates answered with 200
 * @param conflicts      updates refused with 409 because another update of the product committed first
 * @param errors         other answers and failed requests
 * @param p50Micros      median latency, from when each request was due (so a backlog shows)
 * @param p99Micros      99th percentile latency, likewise
 * @param lastError      the last error's description, or null
 */
public record LoadReport(Duration elapsed, long planned, long sent, long completed, long reads, long l1, long l2, long db,
                         long stale, long unknownTier, long responseHits, long updates, long conflicts, long errors,
                         long p50Micros, long p99Micros, String lastError) {

    /** One line: progress, tier shares of reads, response-cache hit rate, latency and errors. */
    public String progressLine(Duration total) {
        return String.format(Locale.ROOT, "%5.1fs/%ss %7d/%d req | L1 %5.1f%% L2 %5.1f%% DB %5.1f%% STALE %4.1f%% | resp-cache hit %5.1f%%"
                        + " | p50 %s p99 %s | updates %d conflicts %d errors %d",
                elapsed.toMillis() / 1000.0, seconds(total), completed, planned, share(l1), share(l2), share(db), share(stale),
                share(responseHits), millis(p50Micros), millis(p99Micros), updates, conflicts, errors);
    }

    /** The closing summary, several lines. */
    public String summary() {
        double seconds = Math.max(elapsed.toMillis(), 1) / 1000.0;
        StringBuilder text = new StringBuilder()
                .append(String.format(Locale.ROOT, "%d requests in %.1f s (%.0f/s): %d reads, %d updates, %d conflicts, %d errors%n",
                        completed, seconds, completed / seconds, reads, updates, conflicts, errors))
                .append(String.format(Locale.ROOT, "reads by tier:  L1 %.1f%%  L2 %.1f%%  DB %.1f%%  STALE %.1f%%%s%n",
                        share(l1), share(l2), share(db), share(stale),
                        unknownTier == 0 ? "" : String.format(Locale.ROOT, "  (no X-Cache %.1f%%)", share(unknownTier))))
                .append(String.format(Locale.ROOT, "response cache: %.1f%% of reads were hits%n", share(responseHits)))
                .append(String.format(Locale.ROOT, "latency:        p50 %s  p99 %s%n", millis(p50Micros), millis(p99Micros)));
        if (lastError != null) {
            text.append("last error:     ").append(lastError).append(System.lineSeparator());
        }
        return text.toString();
    }

    /** The share of reads, in percent, that {@code count} is. */
    public double share(long count) {
        return reads == 0 ? 0 : 100.0 * count / reads;
    }

    private static String seconds(Duration total) {
        return total.toMillis() % 1000 == 0 ? Long.toString(total.toSeconds()) : String.format(Locale.ROOT, "%.1f", total.toMillis() / 1000.0);
    }

    private static String millis(long micros) {
        return String.format(Locale.ROOT, "%.2f ms", micros / 1000.0);
    }
}
