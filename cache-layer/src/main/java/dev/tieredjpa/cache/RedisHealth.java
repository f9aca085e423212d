package dev.tieredjpa.cache;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/** One look at whether Redis answers, and how fast: what a health endpoint shows. */
public record RedisHealth(boolean up, long latencyMicros, String error) {

    /** Asks Redis for a PING through {@code client}, waiting at most {@code timeout}. Never throws. */
    public static RedisHealth check(RedissonClient client, Duration timeout) {
        long start = System.nanoTime();
        try {
            Object answer = client.getScript(StringCodec.INSTANCE)
                    .evalAsync(RScript.Mode.READ_ONLY, "return redis.call('PING')['ok']", RScript.ReturnType.VALUE)
                    .toCompletableFuture()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            long micros = (System.nanoTime() - start) / 1_000;
            return "PONG".equals(String.valueOf(answer))
                    ? new RedisHealth(true, micros, null)
                    : new RedisHealth(false, micros, "unexpected answer to PING: " + answer);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return down(start, "interrupted");
        } catch (TimeoutException e) {
            return down(start, "no answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            return down(start, String.valueOf(e.getCause().getMessage()));
        } catch (RuntimeException e) {
            return down(start, String.valueOf(e.getMessage()));
        }
    }

    private static RedisHealth down(long start, String error) {
        return new RedisHealth(false, (System.nanoTime() - start) / 1_000, error);
    }
}
