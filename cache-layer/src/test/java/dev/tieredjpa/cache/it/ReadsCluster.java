package dev.tieredjpa.cache.it;

import com.zaxxer.hikari.HikariDataSource;
import dev.tieredjpa.testsupport.TestDatabase;
import dev.tieredjpa.testsupport.TestDatabases;
import dev.tieredjpa.testsupport.TestRedis;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Nodes for the read-policy tests (stale-if-error, negative cache, multi-get): like {@link Cluster} (a fresh
 * database, a Redis key prefix of their own, the first node creates the schema), but every node reaches the
 * database through an {@link OutageDataSource} (the test can take the database away) and, in front of it, a
 * counter of the queries that read the {@code items} table, counted at the JDBC boundary: what the database
 * really receives from every node together.
 */
final class ReadsCluster implements AutoCloseable {

    private final TestDatabase database;
    private final HikariDataSource pool;
    private final OutageDataSource outage;
    private final CountingDataSource counting;
    private final List<Node> nodes = new ArrayList<>();

    private ReadsCluster(TestDatabase database, int nodeCount, Map<String, Object> settings) {
        this.database = database;
        this.pool = database.newDataSource(24);
        this.outage = new OutageDataSource(pool);
        this.counting = new CountingDataSource(outage);
        String keyPrefix = TestRedis.newKeyPrefix("reads");
        try {
            for (int i = 0; i < nodeCount; i++) {
                nodes.add(new Node(String.valueOf((char) ('a' + i)), counting, TestRedis.endpoint().url(), keyPrefix, i == 0, settings));
            }
        } catch (RuntimeException e) {
            nodes.forEach(Node::close);
            throw e;
        }
    }

    /** {@code nodeCount} nodes on a fresh database of this kind (skips the test when it cannot be had). */
    static ReadsCluster start(TestDatabases.Kind kind, int nodeCount, Map<String, Object> settings) {
        TestDatabase database = TestDatabases.create(kind);
        try {
            return new ReadsCluster(database, nodeCount, settings);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    Node node(int index) {
        return nodes.get(index);
    }

    /** The switch between the nodes and the database. */
    OutageDataSource outage() {
        return outage;
    }

    /** The real pool, past the switch and the counter: what the database holds. */
    HikariDataSource dataSource() {
        return pool;
    }

    /** Queries reading the {@code items} table that every node together sent to the database so far. */
    long itemSelects() {
        return counting.itemSelects.get();
    }

    @Override
    public void close() {
        nodes.forEach(Node::close);
        database.close();
    }

    /**
     * Counts executions of statements that select from {@code items}. A {@link HikariDataSource} only because
     * {@link Node}'s constructor takes one: it never starts a pool of its own.
     */
    private static final class CountingDataSource extends HikariDataSource {

        private final DataSource target;
        private final AtomicLong itemSelects = new AtomicLong();

        CountingDataSource(DataSource target) {
            this.target = Objects.requireNonNull(target, "target");
        }

        @Override
        public Connection getConnection() throws SQLException {
            return wrap(Connection.class, new ConnectionHandler(target.getConnection()));
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return wrap(Connection.class, new ConnectionHandler(target.getConnection(username, password)));
        }

        @Override
        public void close() {
            // Nothing of its own to close.
        }

        private static boolean selectsItems(String sql) {
            if (sql == null) {
                return false;
            }
            String text = sql.strip().toLowerCase(Locale.ROOT);
            return text.startsWith("select") && text.matches("(?s).*\\bfrom\\s+items\\b.*");
        }

        private static <T> T wrap(Class<T> type, InvocationHandler handler) {
            return type.cast(Proxy.newProxyInstance(ReadsCluster.class.getClassLoader(), new Class<?>[] {type}, handler));
        }

        private static Object call(Object target, Method method, Object[] args) throws Throwable {
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }

        private final class ConnectionHandler implements InvocationHandler {
            private final Connection target;

            ConnectionHandler(Connection target) {
                this.target = target;
            }

            @Override
            public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
                switch (method.getName()) {
                    case "equals":
                        if (method.getParameterCount() == 1) {
                            return proxy == args[0];
                        }
                        break;
                    case "hashCode":
                        if (method.getParameterCount() == 0) {
                            return System.identityHashCode(proxy);
                        }
                        break;
                    default:
                        break;
                }
                Object result = call(target, method, args);
                if (result instanceof Statement statement && Statement.class.isAssignableFrom(method.getReturnType())) {
                    String sql = args != null && args.length > 0 && args[0] instanceof String text ? text : null;
                    return wrap(method.getReturnType(), new StatementHandler(statement, (Connection) proxy, sql));
                }
                return result;
            }
        }

        private final class StatementHandler implements InvocationHandler {
            private final Statement target;
            private final Connection connection;
            private final String sql;

            StatementHandler(Statement target, Connection connection, String sql) {
                this.target = target;
                this.connection = connection;
                this.sql = sql;
            }

            @Override
            public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
                String name = method.getName();
                if (name.equals("getConnection")) {
                    return connection;
                }
                if (name.equals("equals") && method.getParameterCount() == 1) {
                    return proxy == args[0];
                }
                if (name.equals("hashCode") && method.getParameterCount() == 0) {
                    return System.identityHashCode(proxy);
                }
                if (name.equals("executeQuery") || name.equals("execute")) {
                    String statementSql = sql != null ? sql : args != null && args.length > 0 && args[0] instanceof String text ? text : null;
                    if (selectsItems(statementSql)) {
                        itemSelects.incrementAndGet();
                    }
                }
                return call(target, method, args);
            }
        }
    }
}
