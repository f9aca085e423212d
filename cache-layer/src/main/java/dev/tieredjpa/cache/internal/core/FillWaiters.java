package dev.tieredjpa.cache.internal.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The readers of this JVM that wait for another node's load of a key to land in L2. Woken by the message
 * that node publishes when its put lands (or by any change of the key); every wait is bounded, and the
 * waiter looks at L2 again when it wakes, whether a message came or not.
 */
final class FillWaiters {

    private final ConcurrentHashMap<String, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();

    /** Registers interest before asking L2, so a message that comes between the ask and the wait is not lost. */
    CompletableFuture<Void> register(String region, String keyText) {
        return waiting.computeIfAbsent(id(region, keyText), k -> new CompletableFuture<>());
    }

    /** Waits up to {@code millis} for the key's message; answers whether one came. */
    static boolean await(CompletableFuture<Void> signal, long millis) {
        try {
            signal.get(Math.max(1, millis), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception timedOut) {
            return false;
        }
    }

    void done(String region, String keyText, CompletableFuture<Void> signal) {
        waiting.remove(id(region, keyText), signal);
    }

    void wake(String region, String keyText) {
        CompletableFuture<Void> signal = waiting.remove(id(region, keyText));
        if (signal != null) {
            signal.complete(null);
        }
    }

    void wakeRegion(String region) {
        String prefix = region + '\u0000';
        for (String id : waiting.keySet()) {
            if (id.startsWith(prefix)) {
                wakeId(id);
            }
        }
    }

    void wakeAll() {
        waiting.keySet().forEach(this::wakeId);
    }

    private void wakeId(String id) {
        CompletableFuture<Void> signal = waiting.remove(id);
        if (signal != null) {
            signal.complete(null);
        }
    }

    private static String id(String region, String keyText) {
        return region + '\u0000' + keyText;
    }
}
