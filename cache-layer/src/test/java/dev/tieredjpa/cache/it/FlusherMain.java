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
 * A write-behind flusher in a JVM of its own, for {@link WriteBehindDurabilityTest}: a {@link Node} on the
 * database, Redis and key prefix named by its arguments, whose only work is its Visit flusher. The test
 * starts it with {@link #command}, watches its stdout, and kills it with SIGKILL.
 *
 * <p>So that the test can kill it in the middle of a batch, every transaction that writes visits stops
 * twice for {@code pause-ms}: after its statements were sent and before its commit (the database holds the
 * batch uncommitted), and after its commit, before the flusher acknowledges (the database has the batch, the
 * stream still holds its records). Each stop is announced on stdout first:
 * <pre>
 *   FLUSHER-MAIN ready &lt;node&gt;
 *   FLUSHER-MAIN before-commit &lt;n&gt;   (n counts the transactions that wrote visits, from 1)
 *   FLUSHER-MAIN committed &lt;n&gt;
 * </pre>
 *
 * <p>Arguments, {@code name=value}: {@code db-url}, {@code db-user}, {@code redis-url},
 * {@code key-prefix}, {@code node}, {@code batch-size}, {@code pause-ms}, {@code max-seconds} (it exits by
 * itself after that, or as soon as the JVM that started it is gone, so that a failed test leaves no
 * flusher behind). The database password comes in the environment variable {@value #PASSWORD_VARIABLE}.
 */
public final class FlusherMain {

    static final String MARK = "FLUSHER-MAIN ";
    /** The environment variable that carries the database password (kept off the command line). */
    static final String PASSWORD_VARIABLE = "FLUSHER_DB_PASSWORD";

    private FlusherMain() {
    }

    /** The command line that runs a FlusherMain with these arguments on this JVM's java and class path. */
    static List<String> command(Map<String, String> arguments) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), FlusherMain.class.getName()));
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
        SlowCommitDataSource slow = new SlowCommitDataSource(pool, pauseMillis);
        Map<String, Object> settings = Map.of("tiered-cache.entity.Visit.batch-size", required(arguments, "batch-size"));
        String name = required(arguments, "node");
        Node node = new Node(name, slow, required(arguments, "redis-url"), required(arguments, "key-prefix"), false, settings);
        announce("ready " + name + " pid=" + ProcessHandle.current().pid());

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

    /** Connections whose commit of a transaction that wrote visits pauses before and after, announced. */
    static final class SlowCommitDataSource extends HikariDataSource {

        private final HikariDataSource target;
        private final long pauseMillis;
        private final AtomicInteger transactions = new AtomicInteger();

        SlowCommitDataSource(HikariDataSource target, long pauseMillis) {
            this.target = target;
            this.pauseMillis = pauseMillis;
        }

        @Override
        public Connection getConnection() throws SQLException {
            Connection connection = target.getConnection();
            return (Connection) Proxy.newProxyInstance(FlusherMain.class.getClassLoader(), new Class<?>[] {Connection.class},
                    new SlowCommit(connection));
        }

        @Override
        public void close() {
            // the target is closed by main
        }

        private final class SlowCommit implements InvocationHandler {
            private final Connection target;
            private boolean wroteVisits;

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
                    wroteVisits |= text.contains("visits") && (text.startsWith("insert") || text.startsWith("merge")
                            || text.startsWith("update") || text.startsWith("delete"));
                }
                if (name.equals("commit") && wroteVisits) {
                    wroteVisits = false;
                    int n = transactions.incrementAndGet();
                    announce("before-commit " + n);
                    Thread.sleep(pauseMillis);
                    invoke(method, args);
                    announce("committed " + n);
                    Thread.sleep(pauseMillis);
                    return null;
                }
                if (name.equals("rollback") || name.equals("close")) {
                    wroteVisits = false;
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
