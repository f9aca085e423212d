package dev.tieredjpa.cache.internal.l2;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.redisson.api.BatchOptions;
import org.redisson.api.BatchResult;
import org.redisson.api.RBatch;
import org.redisson.api.RScript;
import org.redisson.api.RScriptAsync;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisNoScriptException;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Lua script, called by {@code EVALSHA} with every argument and every bulk reply as raw bytes
 * ({@link ByteArrayCodec}: no Java serialization, no Kryo, nothing is ever deserialized into an object).
 *
 * <p>The script's SHA-1 is computed here, so no Redis is needed to build one. A server that does not know
 * the script (the first call after its start, a restart, a {@code SCRIPT FLUSH}) answers {@code NOSCRIPT};
 * the script is then loaded with {@code SCRIPT LOAD} and the call retried once. So each server loads each
 * script once, and a script body never travels with an ordinary call.
 *
 * <p>Every call runs in {@link RScript.Mode#READ_WRITE} mode, which routes it to the master that owns the
 * key: the scripts that only read still need the newest data, never a replica's.
 *
 * <p>Public for the packages whose scripts work on L2 entries together with keys of their own (the
 * write-behind queue): they build them with {@link #onEntries}, on the same prelude as
 * {@link RedisEntryStore}'s, so there is one definition of the entry's fields and of its fence.
 */
public final class LuaScript {

    private static final Logger log = LoggerFactory.getLogger(LuaScript.class);

    private final String name;
    private final String source;
    private final String sha;

    /** A script of its own, which reads no entry (or reads it with plain commands). */
    public LuaScript(String name, String source) {
        this.name = Objects.requireNonNull(name, "name");
        this.source = Objects.requireNonNull(source, "source");
        this.sha = sha1Hex(source);
    }

    /**
     * A script that works on L2 entries: {@code body} runs after the entry prelude of {@link EntryScripts},
     * so it may call {@code open(k)} for each entry key it touches, then compose {@code sweepExpiredLocks},
     * {@code isLocked}, {@code fence}, {@code store}, {@code tombstone}, {@code dropData},
     * {@code dropLease}, {@code dropTombstone}, {@code unpin}, {@code pinOutlives} and {@code finish},
     * reading the entry's fields in the table {@code s} and the Redis clock in {@code now}. Its
     * {@code ARGV[1]} must be the tombstone TTL in milliseconds.
     */
    public static LuaScript onEntries(String name, String body) {
        Objects.requireNonNull(body, "body");
        return new LuaScript(name, "-- tiered-jpa L2 entries: " + name + "\n" + EntryScripts.PRELUDE + body);
    }

    public String name() {
        return name;
    }

    public String sha() {
        return sha;
    }

    /**
     * Runs the script on {@code keys} (routed by the first; in a Redis Cluster all must hash to one slot)
     * with {@code args}; one round trip unless Redis lost the script.
     */
    public <R> R eval(RedissonClient redisson, List<String> keys, RScript.ReturnType returnType, Object... args) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("keys must name at least one key, to route the " + name + " script by");
        }
        try {
            return evalOnce(redisson, keys, returnType, args);
        } catch (RuntimeException e) {
            if (!isNoScript(e)) {
                throw e;
            }
            load(redisson);
            return evalOnce(redisson, keys, returnType, args);
        }
    }

    /** A script's reply, and how many replicas confirmed the write ({@code WAIT}'s answer). */
    public record Replicated<R>(R reply, int replicas) {
    }

    /**
     * {@link #eval}, followed on the same connection by {@code WAIT replicas wait}: the reply comes with the
     * number of replicas that hold the script's writes, at most after {@code wait} (one round trip, in which
     * Redis waits for its replicas).
     */
    public <R> Replicated<R> evalAndWaitForReplicas(RedissonClient redisson, List<String> keys, RScript.ReturnType returnType,
                                                    int replicas, Duration wait, Object... args) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("keys must name at least one key, to route the " + name + " script by");
        }
        if (replicas < 1 || wait.toMillis() < 1) {
            throw new IllegalArgumentException("replicas and wait must be at least 1 and 1 ms, but were " + replicas + " and " + wait);
        }
        try {
            return evalAndWaitOnce(redisson, keys, returnType, replicas, wait, args);
        } catch (RuntimeException e) {
            if (!isNoScript(e)) {
                throw e;
            }
            load(redisson);
            return evalAndWaitOnce(redisson, keys, returnType, replicas, wait, args);
        }
    }

    @SuppressWarnings("unchecked")
    private <R> Replicated<R> evalAndWaitOnce(RedissonClient redisson, List<String> keys, RScript.ReturnType returnType,
                                              int replicas, Duration wait, Object[] args) {
        // Redisson sends the WAIT only for a batch it wraps in MULTI/EXEC; one script in it changes nothing.
        RBatch batch = redisson.createBatch(BatchOptions.defaults()
                .executionMode(BatchOptions.ExecutionMode.REDIS_WRITE_ATOMIC)
                .sync(replicas, wait));
        batch.getScript(ByteArrayCodec.INSTANCE)
                .evalShaAsync(keys.get(0), RScript.Mode.READ_WRITE, sha, returnType, List.<Object>copyOf(keys), args);
        BatchResult<?> result = batch.execute();
        return new Replicated<>((R) result.getResponses().get(0), result.getSyncedSlaves());
    }

    /** Runs the script on {@code key} (its only key) with {@code args}; one round trip unless Redis lost the script. */
    <R> R eval(RedissonClient redisson, String key, RScript.ReturnType returnType, Object... args) {
        return eval(redisson, List.of(key), returnType, args);
    }

    /**
     * Runs the script once per key, all calls in one Redisson batch: one round trip to each server involved
     * (a single server: one round trip in all). Results come back in the order of {@code keys}.
     */
    List<?> evalEach(RedissonClient redisson, List<String> keys, RScript.ReturnType returnType, List<Object[]> args) {
        if (keys.size() != args.size()) {
            throw new IllegalArgumentException("keys and args must be as many, but were " + keys.size() + " and " + args.size());
        }
        if (keys.isEmpty()) {
            return List.of();
        }
        try {
            return evalBatchOnce(redisson, keys, returnType, args);
        } catch (RuntimeException e) {
            if (!isNoScript(e)) {
                throw e;
            }
            load(redisson);
            return evalBatchOnce(redisson, keys, returnType, args);
        }
    }

    /** Loads the script into every master with {@code SCRIPT LOAD} and checks that Redis agrees on its SHA-1. */
    public void load(RedissonClient redisson) {
        String loaded = redisson.getScript(StringCodec.INSTANCE).scriptLoad(source);
        if (!sha.equalsIgnoreCase(loaded)) {
            throw new IllegalStateException(
                    "Redis answered SCRIPT LOAD of the " + name + " script with SHA-1 " + loaded + ", expected " + sha);
        }
        log.debug("Loaded the {} script into Redis as {}", name, sha);
    }

    private <R> R evalOnce(RedissonClient redisson, List<String> keys, RScript.ReturnType returnType, Object[] args) {
        return redisson.getScript(ByteArrayCodec.INSTANCE)
                .evalSha(keys.get(0), RScript.Mode.READ_WRITE, sha, returnType, List.<Object>copyOf(keys), args);
    }

    private List<?> evalBatchOnce(RedissonClient redisson, List<String> keys, RScript.ReturnType returnType,
                                  List<Object[]> args) {
        RBatch batch = redisson.createBatch(BatchOptions.defaults());
        RScriptAsync script = batch.getScript(ByteArrayCodec.INSTANCE);
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            script.evalShaAsync(key, RScript.Mode.READ_WRITE, sha, returnType, List.of(key), args.get(i));
        }
        BatchResult<?> result = batch.execute();
        return result.getResponses();
    }

    /** One script call of a mixed batch: a script, its one key, its arguments. */
    record Call(LuaScript script, String key, Object[] args) {
    }

    /**
     * Runs calls of different scripts in one Redisson batch (one round trip per server); replies in order.
     * Each call's reply is a {@code LONG}. A Redis that lost a script gets every script of the batch again.
     */
    static List<?> evalLongs(RedissonClient redisson, List<Call> calls) {
        if (calls.isEmpty()) {
            return List.of();
        }
        try {
            return evalLongsOnce(redisson, calls);
        } catch (RuntimeException e) {
            if (!isNoScript(e)) {
                throw e;
            }
            calls.stream().map(Call::script).distinct().forEach(s -> s.load(redisson));
            return evalLongsOnce(redisson, calls);
        }
    }

    private static List<?> evalLongsOnce(RedissonClient redisson, List<Call> calls) {
        RBatch batch = redisson.createBatch(BatchOptions.defaults());
        RScriptAsync script = batch.getScript(ByteArrayCodec.INSTANCE);
        for (Call call : calls) {
            script.evalShaAsync(call.key(), RScript.Mode.READ_WRITE, call.script().sha, RScript.ReturnType.LONG,
                    List.of(call.key()), call.args());
        }
        return batch.execute().getResponses();
    }

    static boolean isNoScript(Throwable e) {
        int depth = 0;
        for (Throwable t = e; t != null && depth < 16; t = t.getCause(), depth++) {
            if (t instanceof RedisNoScriptException) {
                return true;
            }
            String message = t.getMessage();
            if (message != null && message.startsWith("NOSCRIPT")) {
                return true;
            }
        }
        return false;
    }

    private static String sha1Hex(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-1, which every Java platform must have", e);
        }
    }

    @Override
    public String toString() {
        return "LuaScript{" + name + ", " + sha + "}";
    }
}
