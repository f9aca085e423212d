package dev.tieredjpa.cache.it;

import com.zaxxer.hikari.HikariDataSource;
import dev.tieredjpa.devservices.DatabaseEndpoint;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node in a JVM of its own, for the tests that kill one with SIGKILL: a {@link Node} on the database,
 * Redis and key prefix named by its arguments. Its work is its Visit flusher ({@link WriteBehindDurabilityTest})
 * and, with {@code update-item}, one write-through update of that Item ({@link JvmKilledMidTransactionTest}).
 * The test starts it with {@link #command}, watches its stdout, and kills it.
 *
 * <p>So that the test can kill it in the middle of a transaction, every transaction that writes the table
 * {@code slow-table} stops twice for {@code pause-ms}: after its statements were sent and before its commit
 * (the database holds them uncommitted), and after its commit, before Hibernate's after-completion work
 * (for the flusher: before it acknowledges; for an update: before the L2 put, the unlock and the
 * invalidation). Each stop is announced on stdout first:
 * <pre>
 *   NODE-MAIN ready &lt;node&gt;
 *   NODE-MAIN before-commit &lt;n&gt;   (n counts the transactions that wrote the table, from 1)
 *   NODE-MAIN committed &lt;n&gt;
 * </pre>
 *
 * <p>Arguments, {@code name=value}: {@code db-url}, {@code db-user}, {@code redis-url},
 * {@code key-prefix}, {@code node}, {@code batch-size}, {@code pause-ms}, {@code max-seconds} (it exits by
 * itself after that, or as soon as the JVM that started it is gone, so that a failed test leaves no
 * node behind); optional {@code slow-table} (default {@code visits}), {@code update-item} (an Item id) and
 * {@code lock-ttl}. The database password comes in the environment variable {@value #PASSWORD_VARIABLE}.
 */
public final class NodeMain {

    static final String MARK = "NODE-MAIN ";
    /** The environment variable that carries the database password (kept off the command line). */
    static final String PASSWORD_VARIABLE = "NODE_DB_PASSWORD";

    private NodeMain() {
    }

    /** The command line that runs a NodeMain with these arguments on this JVM's java and class path. */
    static List<String> command(Map<String, String> arguments) {
        return command(arguments, List.of());
    }

    /** {@link #command(Map)}, with more options for the JVM (system properties, say). */
    static List<String> command(Map<String, String> arguments, List<String> jvmOptions) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), NodeMain.class.getName()));
        arguments.forEach((name, value) -> command.add(name + "=" + value));
        return command;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> arguments = new HashMap<>();
        for (String arg : args) {
            int equals = arg.indexOf('=');
            if (equals < 1) {
                throw new IllegalArgumentException("arguments are name=value, but one was '" + arg + "'");
            }
            arguments.put(arg.substring(0, equals), arg.substring(equals + 1));
        }
        long pauseMillis = Long.parseLong(required(arguments, "pause-ms"));
        long deadline = System.nanoTime() + Long.parseLong(required(arguments, "max-seconds")) * 1_000_000_000L;
        DatabaseEndpoint endpoint = new DatabaseEndpoint(required(arguments, "db-url"), required(arguments, "db-user"),
                System.getenv().getOrDefault(PASSWORD_VARIABLE, ""), "parent-test");
        HikariDataSource pool = endpoint.dataSource("flusher-main", 4);
        SlowCommitDataSource slow = new SlowCommitDataSource(pool, pauseMillis, arguments.getOrDefault("slow-table", "visits"));
        Map<String, Object> settings = new HashMap<>(Map.of("tiered-cache.entity.Visit.batch-size", required(arguments, "batch-size")));
        if (arguments.containsKey("lock-ttl")) {
            settings.put("tiered-cache.l2.lock-ttl", arguments.get("lock-ttl"));
        }
        String name = required(arguments, "node");
        Node node = new Node(name, slow, required(arguments, "redis-url"), required(arguments, "key-prefix"), false, settings);
        announce("ready " + name + " pid=" + ProcessHandle.current().pid());
        if (arguments.containsKey("update-item")) {
            long id = Long.parseLong(arguments.get("update-item"));
            Thread writer = new Thread(() -> {
                node.inTransactionDo(em -> em.find(Item.class, id).setName("written by " + name));
                announce("updated " + id);
            }, "update-item");
            writer.setDaemon(true);
            writer.start();
        }

        var parent = ProcessHandle.current().parent();
        while (System.nanoTime() < deadline && parent.map(ProcessHandle::isAlive).orElse(false)) {
            Thread.sleep(100);
        }
        announce("exiting: " + (System.nanoTime() >= deadline ? "max-seconds reached" : "the parent JVM is gone"));
        node.close();
        pool.close();
        System.exit(0);
    }

    private static String required(Map<String, String> arguments, String name) {
        String value = arguments.get(name);
        if (value == null) {
            throw new IllegalArgumentException("argument " + name + "=... is missing; got " + arguments.keySet());
        }
        return value;
    }

    static void announce(String line) {
        // One write per line, flushed: the parent reads it while this JVM is alive.
        synchronized (System.out) {
            System.out.println(MARK + line);
            System.out.flush();
        }
    }

    /** Connections whose commit of a transaction that wrote the table pauses before and after, announced. */
    static final class SlowCommitDataSource extends HikariDataSource {

        private final HikariDataSource target;
        private final long pauseMillis;
        private final String table;
        private final AtomicInteger transactions = new AtomicInteger();

        SlowCommitDataSource(HikariDataSource target, long pauseMillis, String table) {
            this.target = target;
            this.pauseMillis = pauseMillis;
            this.table = table;
        }

        @Override
        public Connection getConnection() throws SQLException {
            Connection connection = target.getConnection();
            return (Connection) Proxy.newProxyInstance(NodeMain.class.getClassLoader(), new Class<?>[] {Connection.class},
                    new SlowCommit(connection));
        }

        @Override
        public void close() {
            // the target is closed by main
        }

        private final class SlowCommit implements InvocationHandler {
            private final Connection target;
            private boolean wroteTable;

            SlowCommit(Connection target) {
                this.target = target;
            }

            @Override
            public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
                String name = method.getName();
                if (name.equals("equals") && method.getParameterCount() == 1) {
                    return proxy == args[0];
                }
                if (name.equals("hashCode") && method.getParameterCount() == 0) {
                    return System.identityHashCode(proxy);
                }
                if (name.startsWith("prepare") && args != null && args[0] instanceof String sql) {
                    String text = sql.stripLeading().toLowerCase(Locale.ROOT);
                    wroteTable |= text.contains(table) && (text.startsWith("insert") || text.startsWith("merge")
                            || text.startsWith("update") || text.startsWith("delete"));
                }
                if (name.equals("commit") && wroteTable) {
                    wroteTable = false;
                    int n = transactions.incrementAndGet();
                    announce("before-commit " + n);
                    Thread.sleep(pauseMillis);
                    invoke(method, args);
                    announce("committed " + n);
                    Thread.sleep(pauseMillis);
                    return null;
                }
                if (name.equals("rollback") || name.equals("close")) {
                    wroteTable = false;
                }
                return invoke(method, args);
            }

            private Object invoke(Method method, Object[] args) throws Throwable {
                try {
                    return method.invoke(target, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }
        }
    }
}
