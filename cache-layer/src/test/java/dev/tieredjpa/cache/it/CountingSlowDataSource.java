package dev.tieredjpa.cache.it;

import com.zaxxer.hikari.HikariDataSource;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.sql.DataSource;

/**
 * A data source over another that counts, at the JDBC boundary (what really reaches the database), the
 * statements whose SQL contains one fragment (e.g. {@code "from items"}: Hibernate's entity load), and can
 * make each of them slow: the calling thread sleeps {@link #delay} after the statement ran and before the
 * result goes back to Hibernate, so that concurrent readers of the same key really overlap the load.
 *
 * <p>It records when each such statement started and ended ({@link #loads()}). Like
 * {@link PausingDataSource} it is a {@link HikariDataSource} only because {@link Node} takes one; it starts
 * no pool of its own. Connections, statements and result sets are wrapped by {@link Proxy} (a result set's
 * {@code getStatement} and a statement's {@code getConnection} answer the wrappers).
 */
final class CountingSlowDataSource extends HikariDataSource {

    /** One counted statement: when it began executing and when its result went back (after the delay). */
    record Load(String thread, long startNanos, long endNanos) {
        long millis() {
            return TimeUnit.NANOSECONDS.toMillis(endNanos - startNanos);
        }
    }

    private final DataSource target;
    private final String described;
    private final Predicate<String> counted;
    private final List<Load> loads = new CopyOnWriteArrayList<>();
    private volatile long delayMillis;

    CountingSlowDataSource(DataSource target, String sqlFragment) {
        this(target, "containing " + sqlFragment, sql -> sql.toLowerCase(Locale.ROOT).contains(sqlFragment.toLowerCase(Locale.ROOT)));
    }

    /** Counts the statements whose SQL {@code counted} accepts ({@code described} names them in {@link #toString}). */
    CountingSlowDataSource(DataSource target, String described, Predicate<String> counted) {
        this.target = Objects.requireNonNull(target, "target");
        this.described = Objects.requireNonNull(described, "described");
        this.counted = Objects.requireNonNull(counted, "counted");
    }

    /** Every counted statement from now on takes at least this long. */
    void delay(long millis) {
        this.delayMillis = millis;
    }

    /** The counted statements so far (in the order they ended). */
    List<Load> loads() {
        return List.copyOf(loads);
    }

    int count() {
        return loads.size();
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

    @Override
    public String toString() {
        return "CountingSlowDataSource{" + described + " over " + target + "}";
    }

    private boolean counts(String sql) {
        return sql != null && counted.test(sql);
    }

    private static <T> T wrap(Class<T> type, InvocationHandler handler) {
        return type.cast(Proxy.newProxyInstance(CountingSlowDataSource.class.getClassLoader(), new Class<?>[] {type}, handler));
    }

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
                return "counted-" + target;
            }
            return call(proxy, method, args);
        }

        Object call(Object proxy, Method method, Object[] args) throws Throwable {
            Object result = delegate(method, args);
            return after(proxy, method, args, result);
        }

        final Object delegate(Method method, Object[] args) throws Throwable {
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }

        abstract Object after(Object proxy, Method method, Object[] args, Object result) throws Throwable;
    }

    private final class ConnectionHandler extends Delegating {
        ConnectionHandler(Connection target) {
            super(target);
        }

        @Override
        Object after(Object proxy, Method method, Object[] args, Object result) {
            if (result instanceof Statement && Statement.class.isAssignableFrom(method.getReturnType())) {
                String sql = args != null && args.length > 0 && args[0] instanceof String text ? text : null;
                return wrap(method.getReturnType(), new StatementHandler((Statement) result, (Connection) proxy, sql));
            }
            return result;
        }
    }

    private final class StatementHandler extends Delegating {
        private final Connection connection;
        private final String preparedSql;

        StatementHandler(Statement target, Connection connection, String preparedSql) {
            super(target);
            this.connection = connection;
            this.preparedSql = preparedSql;
        }

        @Override
        Object call(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            boolean executes = name.equals("executeQuery") || name.equals("execute");
            String sql = preparedSql != null ? preparedSql
                    : args != null && args.length > 0 && args[0] instanceof String text ? text : null;
            if (!executes || !counts(sql)) {
                return after(proxy, method, args, delegate(method, args));
            }
            long start = System.nanoTime();
            Object result = delegate(method, args);
            long delay = delayMillis;
            if (delay > 0) {
                Thread.sleep(delay);
            }
            loads.add(new Load(Thread.currentThread().getName(), start, System.nanoTime()));
            return after(proxy, method, args, result);
        }

        @Override
        Object after(Object proxy, Method method, Object[] args, Object result) {
            if (method.getName().equals("getConnection")) {
                return connection;
            }
            if (result instanceof ResultSet resultSet) {
                return wrap(ResultSet.class, new ResultSetHandler(resultSet, (Statement) proxy));
            }
            return result;
        }
    }

    private static final class ResultSetHandler extends Delegating {
        private final Statement statement;

        ResultSetHandler(ResultSet target, Statement statement) {
            super(target);
            this.statement = statement;
        }

        @Override
        Object after(Object proxy, Method method, Object[] args, Object result) {
            return method.getName().equals("getStatement") ? statement : result;
        }
    }
}
