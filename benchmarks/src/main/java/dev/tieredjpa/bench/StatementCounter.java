package dev.tieredjpa.bench;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * Counts the SQL statements a node sends to the database: each {@code execute*} call, and each statement
 * of a JDBC batch. Wraps the node's pool, so it sees exactly what crosses to the database.
 */
final class StatementCounter {

    private final LongAdder statements = new LongAdder();

    long count() {
        return statements.sum();
    }

    DataSource wrap(DataSource pool) {
        return proxy(DataSource.class, pool);
    }

    private <T> T proxy(Class<T> type, T target) {
        InvocationHandler handler = (proxy, method, args) -> {
            countIfExecution(method, args);
            Object result = invoke(method, target, args);
            if (result instanceof Connection connection && method.getReturnType() == Connection.class) {
                return proxy(Connection.class, connection);
            }
            if (result instanceof Statement statement && Statement.class.isAssignableFrom(method.getReturnType())) {
                @SuppressWarnings("unchecked")
                Class<Statement> returned = (Class<Statement>) method.getReturnType();
                return proxy(returned, statement);
            }
            return result;
        };
        return type.cast(Proxy.newProxyInstance(StatementCounter.class.getClassLoader(), new Class<?>[] {type}, handler));
    }

    private void countIfExecution(Method method, Object[] args) {
        if (!(Statement.class.isAssignableFrom(method.getDeclaringClass()))) {
            return;
        }
        String name = method.getName();
        if (name.equals("addBatch")) {
            statements.increment();
        } else if (name.startsWith("execute") && !name.equals("executeBatch")) {
            statements.increment();
        }
    }

    private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
