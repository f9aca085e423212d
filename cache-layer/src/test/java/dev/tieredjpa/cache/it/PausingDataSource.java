package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * A data source over another (a cluster's pool) that stops one chosen thread at one chosen point of its
 * JDBC work until the test lets it go: the way to force an interleaving through real Hibernate, with
 * latches and no sleeps.
 *
 * <p>It is a {@link HikariDataSource} only because {@link Node}'s constructor takes one: no pool of its own
 * is ever started; every connection is borrowed from the target and wrapped (connection, statement and
 * result set, by {@link Proxy}). Threads that are not armed pass straight through.
 *
 * <p>The points (see {@link Pause}):
 * <ul>
 *   <li>{@link Pause#atRowOf}: right after {@code ResultSet.next()} returned {@code true} for a statement
 *       whose SQL contains a fragment. The driver then holds the row (PostgreSQL and H2 both materialize the
 *       result of such a query, and read it from one statement snapshot), so what the reader will see is
 *       fixed; Hibernate has not processed the row yet. Not later: Hibernate 7 puts an entity into the
 *       second-level cache while it processes its row ({@code StandardRowReader.readRow ->
 *       EntityInitializerImpl.initializeEntityInstance -> updateCaches -> putFromLoad}), before it asks for
 *       the next one, so a pause at the {@code next()} that returns {@code false} would come after the put.</li>
 *   <li>{@link Pause#afterCommit}: right after {@code Connection.commit()} returned: the database has the
 *       transaction; Hibernate has not yet run its after-completion work ({@code afterInsert},
 *       {@code afterUpdate}, {@code unlockItem}).</li>
 * </ul>
 */
final class PausingDataSource extends HikariDataSource {

    private final DataSource target;
    private final ThreadLocal<Pause> armed = new ThreadLocal<>();

    PausingDataSource(DataSource target) {
        this.target = Objects.requireNonNull(target, "target");
    }

    /** The calling thread stops at {@code pause}'s point the next time it gets there (once). */
    void arm(Pause pause) {
        armed.set(Objects.requireNonNull(pause, "pause"));
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
        // Nothing of its own to close: the target belongs to the cluster.
    }

    @Override
    public String toString() {
        return "PausingDataSource{" + target + "}";
    }

    private void stopIfArmed(Pause.Point point, String sql) {
        Pause pause = armed.get();
        if (pause != null && pause.matches(point, sql)) {
            armed.remove();
            pause.stopHere();
        }
    }

    private static <T> T wrap(Class<T> type, InvocationHandler handler) {
        return type.cast(Proxy.newProxyInstance(PausingDataSource.class.getClassLoader(), new Class<?>[] {type}, handler));
    }

    /** Delegates every call; a proxy is equal only to itself (Hibernate keys maps by statement and result set). */
    private abstract static class Delegating implements InvocationHandler {
        final Object target;

        Delegating(Object target) {
            this.target = target;
        }

        @Override
        public final Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            int arity = method.getParameterCount();
            if (method.getName().equals("equals") && arity == 1) {
                return proxy == args[0];
            }
            if (method.getName().equals("hashCode") && arity == 0) {
                return System.identityHashCode(proxy);
            }
            if (method.getName().equals("toString") && arity == 0) {
                return "paused-" + target;
            }
            Object result;
            try {
                result = method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            return after(proxy, method, args, result);
        }

        abstract Object after(Object proxy, Method method, Object[] args, Object result) throws Throwable;
    }

    private final class ConnectionHandler extends Delegating {
        ConnectionHandler(Connection target) {
            super(target);
        }

        @Override
        Object after(Object proxy, Method method, Object[] args, Object result) {
            if (method.getName().equals("commit")) {
                stopIfArmed(Pause.Point.COMMITTED, null);
                return result;
            }
            if (result instanceof Statement && Statement.class.isAssignableFrom(method.getReturnType())) {
                String sql = args != null && args.length > 0 && args[0] instanceof String text ? text : null;
                return wrap(method.getReturnType(), new StatementHandler((Statement) result, (Connection) proxy, sql));
            }
            return result;
        }
    }

    private final class StatementHandler extends Delegating {
        private final Connection connection;
        private final String sql;

        StatementHandler(Statement target, Connection connection, String sql) {
            super(target);
            this.connection = connection;
            this.sql = sql;
        }

        @Override
        Object after(Object proxy, Method method, Object[] args, Object result) {
            if (method.getName().equals("getConnection")) {
                return connection;
            }
            if (result instanceof ResultSet resultSet) {
                String query = sql != null ? sql : args != null && args.length > 0 && args[0] instanceof String text ? text : null;
                return wrap(ResultSet.class, new ResultSetHandler(resultSet, (Statement) proxy, query));
            }
            return result;
        }
    }

    private final class ResultSetHandler extends Delegating {
        private final Statement statement;
        private final String sql;

        ResultSetHandler(ResultSet target, Statement statement, String sql) {
            super(target);
            this.statement = statement;
            this.sql = sql;
        }

        @Override
        Object after(Object proxy, Method method, Object[] args, Object result) {
            if (method.getName().equals("getStatement")) {
                return statement;
            }
            if (method.getName().equals("next") && Boolean.TRUE.equals(result)) {
                stopIfArmed(Pause.Point.ROW_READ, sql);
            }
            return result;
        }
    }

    /**
     * One stop of one thread: the thread that reaches the point waits there until {@link #release()};
     * the test waits for it with {@link #awaitReached()}. Release it in a {@code finally}, so that a failed
     * assertion does not leave the thread hanging (it gives up by itself after 30 s).
     */
    static final class Pause {

        enum Point { ROW_READ, COMMITTED }

        private final Point point;
        private final String sqlFragment;
        private final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        private Pause(Point point, String sqlFragment) {
            this.point = point;
            this.sqlFragment = sqlFragment;
        }

        /** Stops after the first row of a query whose SQL contains {@code sqlFragment} (case-insensitive) was read. */
        static Pause atRowOf(String sqlFragment) {
            return new Pause(Point.ROW_READ, sqlFragment.toLowerCase(Locale.ROOT));
        }

        /** Stops right after the database committed the thread's transaction. */
        static Pause afterCommit() {
            return new Pause(Point.COMMITTED, null);
        }

        /** Waits (at most 10 s) until the armed thread stands at the point. */
        void awaitReached() throws InterruptedException {
            assertThat(reached.await(10, TimeUnit.SECONDS))
                    .as("the armed thread reached its pause point (%s %s)", point, sqlFragment == null ? "" : sqlFragment)
                    .isTrue();
        }

        void release() {
            released.countDown();
        }

        boolean matches(Point at, String sql) {
            return at == point && (sqlFragment == null || (sql != null && sql.toLowerCase(Locale.ROOT).contains(sqlFragment)));
        }

        void stopHere() {
            reached.countDown();
            try {
                if (!released.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("Paused thread was never released (" + point + ")");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Paused thread interrupted (" + point + ")", e);
            }
        }
    }
}
