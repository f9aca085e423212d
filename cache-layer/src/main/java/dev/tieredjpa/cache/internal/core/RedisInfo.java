package dev.tieredjpa.cache.internal.core;

import dev.tieredjpa.cache.internal.resilience.CircuitBreaker;
import dev.tieredjpa.cache.stats.RedisSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis's memory figures for the statistics: {@code INFO memory} and {@code INFO stats} in one read-only
 * script call, at most once a second, never while the breaker is open, waiting at most half a second for
 * the answer. Best effort: a failed read says "down" and keeps the last figures. It goes around the
 * breaker (a statistics read neither opens nor closes it).
 */
final class RedisInfo {

    private static final Logger log = LoggerFactory.getLogger(RedisInfo.class);
    private static final Duration MAX_AGE = Duration.ofSeconds(1);
    private static final Duration TIMEOUT = Duration.ofMillis(500);
    private static final String SCRIPT = "return redis.call('INFO', 'memory') .. redis.call('INFO', 'stats')";

    /** The last figures read, and whether the last try was answered. */
    private record Figures(boolean answered, long used, long max, long evicted, Instant readAt) {
        static final Figures NONE = new Figures(false, -1, -1, -1, null);
    }

    private final RedissonClient redisson;
    private final CircuitBreaker breaker;
    private final Memo<Figures> figures;
    private volatile Figures last = Figures.NONE;

    RedisInfo(RedissonClient redisson, CircuitBreaker breaker) {
        this.redisson = redisson;
        this.breaker = breaker;
        this.figures = new Memo<>(this::read, MAX_AGE);
    }

    RedisSnapshot snapshot() {
        Figures now = figures.get();
        boolean closed = breaker.allowsCalls();
        return new RedisSnapshot(now.answered() && closed,
                closed ? RedisSnapshot.BreakerState.CLOSED : RedisSnapshot.BreakerState.OPEN,
                now.used(), now.max(), now.evicted(), now.readAt());
    }

    private Figures read() {
        Figures previous = last;
        if (!breaker.allowsCalls()) {
            return new Figures(false, previous.used(), previous.max(), previous.evicted(), previous.readAt());
        }
        try {
            Object answer = redisson.getScript(StringCodec.INSTANCE)
                    .evalAsync(RScript.Mode.READ_ONLY, SCRIPT, RScript.ReturnType.VALUE)
                    .toCompletableFuture()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            String info = String.valueOf(answer);
            Figures read = new Figures(true, field(info, "used_memory"), field(info, "maxmemory"), field(info, "evicted_keys"),
                    Instant.now());
            last = read;
            return read;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.debug("Redis's INFO did not answer for the statistics", e);
        }
        return new Figures(false, previous.used(), previous.max(), previous.evicted(), previous.readAt());
    }

    /** The number after {@code name:} at the start of a line of INFO's answer; -1 when there is none. */
    static long field(String info, String name) {
        String prefix = name + ":";
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(prefix)) {
                try {
                    return Long.parseLong(line.substring(prefix.length()).trim());
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }
}
