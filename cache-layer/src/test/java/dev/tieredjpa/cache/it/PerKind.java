package dev.tieredjpa.cache.it;

import dev.tieredjpa.testsupport.TestDatabases;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One fixture per database kind for a test class, started on first use (so a kind that cannot run here is
 * skipped by its own tests, not by the whole class) and closed together at the end.
 */
final class PerKind<T extends AutoCloseable> implements AutoCloseable {

    private final Function<TestDatabases.Kind, T> start;
    private final Map<TestDatabases.Kind, T> started = new EnumMap<>(TestDatabases.Kind.class);

    PerKind(Function<TestDatabases.Kind, T> start) {
        this.start = start;
    }

    synchronized T get(TestDatabases.Kind kind) {
        return started.computeIfAbsent(kind, start);
    }

    @Override
    public synchronized void close() throws Exception {
        List<Exception> failures = new ArrayList<>();
        for (T fixture : started.values()) {
            try {
                fixture.close();
            } catch (Exception e) {
                failures.add(e);
            }
        }
        started.clear();
        if (!failures.isEmpty()) {
            Exception first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }
}
