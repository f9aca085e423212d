package dev.tieredjpa.cache.internal.l2;

import dev.tieredjpa.cache.DedicatedRedis;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tieredjpa.testsupport.TestRedis;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RBatch;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisNode;
import org.redisson.api.redisnode.RedisNodes;
import org.redisson.client.RedisException;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * What needs a Redis of its own, where no other test or process sends commands: counting the commands a
 * call costs, and {@code SCRIPT FLUSH}, which on a shared server would pull the scripts from under
 * everyone else's feet.
 */
class RedisEntryStoreDedicatedServerTest {

    private static final String REGION = "dev.tieredjpa.domain.User";
    private static final Duration TTL = Duration.ofSeconds(30);
    private static final Set<String> INSIDE_SCRIPTS_OR_CLIENT =
            // "type": every entry script checks that the key is a hash of its own before it reads it
            Set.of("evalsha", "time", "type", "hgetall", "hset", "hdel", "pexpire", "pttl", "ping", "info");

    private static DedicatedRedis dedicated;
    private static RedissonClient redisson;

    /** Every call made on the client, and on any batch it creates, by method name. */
    private final List<String> calls = new ArrayList<>();
    private RedisEntryStore store;

    @BeforeAll
    static void startServer() {
        dedicated = DedicatedRedis.start("l2-dedicated-test");
        redisson = dedicated.client();
    }

    @AfterAll
    static void stopServer() {
        if (dedicated != null) {
            dedicated.close();
        }
    }

    @BeforeEach
    void newStore() {
        store = new RedisEntryStore(recording(RedissonClient.class, redisson), TestRedis.newKeyPrefix("dedicated"),
                TTL, TTL, TTL);
    }

    @Test
    void getAll_twentyKeys_oneBatchOfOneEvalshaPerKey() {
        List<String> keys = IntStream.range(0, 20).mapToObj(Integer::toString).toList();
        for (int i = 0; i < 10; i++) {
            store.put(REGION, keys.get(i), i, bytes("v" + i), TTL);
        }
        store.getAll(REGION, List.of("warm-up"), null); // the first call loads the script
        calls.clear();
        Map<String, Long> before = commandCalls();

        List<Lookup> lookups = store.getAll(REGION, keys, "R");

        Map<String, Long> after = commandCalls();
        assertThat(lookups).hasSize(20);
        assertThat(lookups.subList(0, 10)).allMatch(Lookup.Hit.class::isInstance);
        assertThat(lookups.subList(10, 20)).containsOnly(new Lookup.Miss(true, "R"));
        // the client side: one batch, sent once; no call outside it
        assertThat(calls).containsExactly("createBatch", "batch.getScript", "batch.execute");
        // the server side: exactly one EVALSHA per key, and nothing else from the store
        assertThat(delta(before, after, "evalsha")).isEqualTo(20);
        assertThat(otherCommands(before, after)).isEmpty();
    }

    @Test
    void get_oneKey_oneEvalsha() {
        store.get(REGION, "warm-up", null);
        Map<String, Long> before = commandCalls();

        store.get(REGION, "1", "R");

        Map<String, Long> after = commandCalls();
        assertThat(delta(before, after, "evalsha")).isEqualTo(1);
        assertThat(otherCommands(before, after)).isEmpty();
    }

    @Test
    void everyOperation_afterScriptFlush_reloadsScriptAndAnswers() {
        store.put(REGION, "1", 1, bytes("v1"), TTL);
        store.put(REGION, "2", 2, bytes("v2"), TTL);

        redisson.getScript().scriptFlush(); // what a Redis restart without persistence does to scripts
        assertThat(redisson.getScript().scriptExists(EntryScripts.GET.sha())).containsExactly(false);

        assertThat(store.get(REGION, "1", null)).isEqualTo(new Lookup.Hit(1, bytes("v1")));
        assertThat(redisson.getScript().scriptExists(EntryScripts.GET.sha())).containsExactly(true);

        redisson.getScript().scriptFlush();
        assertThat(store.getAll(REGION, List.of("2", "1"), null))
                .containsExactly(new Lookup.Hit(2, bytes("v2")), new Lookup.Hit(1, bytes("v1")));

        redisson.getScript().scriptFlush();
        assertThat(store.put(REGION, "1", 3, bytes("v3"), TTL)).isEqualTo(PutOutcome.STORED);

        redisson.getScript().scriptFlush();
        store.invalidateAll(REGION, List.of("1", "2"), -1);
        assertThat(store.inspect(REGION, "1").tombstoneVersion()).isEqualTo(3);
        assertThat(store.inspect(REGION, "2").tombstoneVersion()).isEqualTo(2);
    }

    @Test
    void evalSha_afterScriptFlushWithoutLuaScript_redissonThrowsNoScript() {
        // proves that the recovery above is LuaScript's doing, not Redisson's
        EntryScripts.INSPECT.load(redisson);
        redisson.getScript().scriptFlush();

        assertThatThrownBy(() -> redisson.getScript(ByteArrayCodec.INSTANCE).evalSha("k", RScript.Mode.READ_WRITE,
                EntryScripts.INSPECT.sha(), RScript.ReturnType.LIST, List.of("k")))
                .isInstanceOf(RedisException.class)
                .satisfies(e -> assertThat(LuaScript.isNoScript(e)).isTrue());
    }

    @Test
    void load_scriptText_redisAgreesOnSha() {
        for (LuaScript script : List.of(EntryScripts.GET, EntryScripts.PUT_FROM_LOAD, EntryScripts.PUT,
                EntryScripts.LOCK, EntryScripts.RELEASE_AFTER_UPDATE, EntryScripts.RELEASE_AFTER_REMOVE,
                EntryScripts.RELEASE_AFTER_ROLLBACK, EntryScripts.INVALIDATE, EntryScripts.REMOVE,
                EntryScripts.CLEAR, EntryScripts.INSPECT)) {
            script.load(redisson); // throws if Redis computes another SHA-1 than LuaScript did
        }
        assertThat(redisson.getScript().scriptExists(EntryScripts.LOCK.sha())).containsExactly(true);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code INFO commandstats} as command name to calls. */
    private static Map<String, Long> commandCalls() {
        Map<String, String> stats = redisson.getRedisNodes(RedisNodes.SINGLE).getInstance()
                .info(RedisNode.InfoSection.COMMANDSTATS);
        Map<String, Long> calls = new java.util.HashMap<>();
        stats.forEach((name, value) -> {
            String callsField = value.split(",")[0]; // calls=12
            calls.put(name.replace("cmdstat_", ""), Long.parseLong(callsField.substring("calls=".length())));
        });
        return calls;
    }

    private static long delta(Map<String, Long> before, Map<String, Long> after, String command) {
        return after.getOrDefault(command, 0L) - before.getOrDefault(command, 0L);
    }

    /**
     * Commands run between two snapshots other than EVALSHA, the commands the scripts call inside it (which
     * Redis counts too) and what the client does on its own (PING, INFO).
     */
    private static List<String> otherCommands(Map<String, Long> before, Map<String, Long> after) {
        return after.keySet().stream()
                .filter(name -> !INSIDE_SCRIPTS_OR_CLIENT.contains(name))
                .filter(name -> delta(before, after, name) != 0)
                .toList();
    }

    private <T> T recording(Class<T> type, T target) {
        return recording(type, target, "");
    }

    @SuppressWarnings("unchecked")
    private <T> T recording(Class<T> type, T target, String scope) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() != Object.class) {
                calls.add(scope + method.getName());
            }
            Object result = invoke(method, target, args);
            if (result instanceof RBatch batch) {
                return recording(RBatch.class, batch, "batch.");
            }
            return result;
        };
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler);
    }

    private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
