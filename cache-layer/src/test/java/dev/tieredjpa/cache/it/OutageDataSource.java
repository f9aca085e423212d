package dev.tieredjpa.cache.it;

import com.zaxxer.hikari.HikariDataSource;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * A data source over another (a cluster's pool) that a test can take "down": while down, a new connection
 * is refused, and a connection already held fails at its next statement or commit, each time with a
 * {@link SQLTransientConnectionException} (SQL state {@code 08001} / {@code 08006}), which is what a JDBC
 * driver throws when the server is unreachable. Rollback and close still reach the real connection, so the
 * pool stays sound and the database keeps nothing of a failed transaction.
 *
 * <p>It also counts, at the JDBC boundary, the row writes sent to the {@code visits} table (each
 * {@code addBatch}, {@code executeUpdate} or {@code execute} of a statement whose SQL writes {@code visits}),
 * which is what the database really receives, whatever Hibernate's statistics say.
 *
 * <p>Like {@link PausingDataSource}, it is a {@link HikariDataSource} only because {@link Node}'s constructor
 * takes one: it never starts a pool of its own.
 */
final class OutageDataSource extends HikariDataSource {

    private static final Set<String> WRITES = Set.of("addBatch", "executeUpdate", "executeLargeUpdate", "execute");

    private final DataSource target;
    private volatile boolean down;
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong visitRowWrites = new AtomicLong();

    OutageDataSource(DataSource target) {
        this.target = Objects.requireNonNull(target, "target");
    }

    /** From now on every connection attempt and every statement fails as if the server were unreachable. */
    void goDown() {
        down = true;
    }

    /** The database answers again. */
    void comeBack() {
        down = false;
    }

    boolean isDown() {
        return down;
    }

    /** Connection attempts, statements and commits refused while down, so far. */
    long refused() {
        return refused.get();
    }

    /** Row writes ({@code insert}, {@code update}, {@code merge}) sent to the {@code visits} table, so far. */
    long visitRowWrites() {
        return visitRowWrites.get();
    }

    @Override
    public Connection getConnection() throws SQLException {
        failIfDown("08001", "connect");
        return wrap(Connection.class, new ConnectionHandler(target.getConnection()));
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        failIfDown("08001", "connect");
        return wrap(Connection.class, new ConnectionHandler(target.getConnection(username, password)));
    }

    @Override
    public void close() {
        // Nothing of its own to close: the target belongs to the cluster.
    }

    @Override
    public String toString() {
        return "OutageDataSource{" + (down ? "DOWN" : "up") + ", " + target + "}";
    }

    private void failIfDown(String sqlState, String what) throws SQLTransientConnectionException {
        if (down) {
            refused.incrementAndGet();
            throw new SQLTransientConnectionException("Database unreachable (test outage): cannot " + what, sqlState);
        }
    }

    private static <T> T wrap(Class<T> type, InvocationHandler handler) {
        return type.cast(Proxy.newProxyInstance(OutageDataSource.class.getClassLoader(), new Class<?>[] {type}, handler));
    }

    private static boolean writesVisits(String sql) {
        if (sql == null) {
            return false;
        }
        String text = sql.stripLeading().toLowerCase(Locale.ROOT);
        return text.contains("visits") && (text.startsWith("insert") || text.startsWith("update") || text.startsWith("merge"));
    }

    private static Object call(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static Object identity(Object proxy, Method method, Object[] args, Object target) {
        return switch (method.getName()) {
            case "equals" -> method.getParameterCount() == 1 ? proxy == args[0] : null;
            case "hashCode" -> method.getParameterCount() == 0 ? System.identityHashCode(proxy) : null;
            case "toString" -> method.getParameterCount() == 0 ? "outage-" + target : null;
            default -> null;
        };
    }

    private final class ConnectionHandler implements InvocationHandler {
        private final Connection target;

        ConnectionHandler(Connection target) {
            this.target = target;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            Object own = identity(proxy, method, args, target);
            if (own != null) {
                return own;
            }
            String name = method.getName();
            if (name.startsWith("prepare") || name.equals("createStatement") || name.equals("commit")) {
                failIfDown("08006", name);
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
            Object own = identity(proxy, method, args, target);
            if (own != null) {
                return own;
            }
            String name = method.getName();
            if (name.equals("getConnection")) {
                return connection;
            }
            if (name.startsWith("execute") || name.equals("addBatch")) {
                failIfDown("08006", name);
            }
            if (WRITES.contains(name)) {
                String statementSql = sql != null ? sql : args != null && args.length > 0 && args[0] instanceof String text ? text : null;
                if (writesVisits(statementSql)) {
                    visitRowWrites.incrementAndGet();
                }
            }
            return call(target, method, args);
        }
    }
}
