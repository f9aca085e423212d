package dev.tieredjpa.cache.it;

import dev.tieredjpa.cache.internal.resilience.CircuitBreaker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Watches the breakers and owed invalidations of a cluster's nodes every few milliseconds: records each
 * breaker transition with its time, and the most invalidations each node owed at once. For the story a
 * test tells about an outage, and its report.
 */
final class BreakerMonitor implements AutoCloseable {

    private final List<Node> nodes;
    private final long originNanos;
    private final Thread thread;
    private final Map<String, CircuitBreaker.State> last = new HashMap<>();
    private final Map<String, Integer> maxPending = new ConcurrentHashMap<>();
    final List<String> transitions = new CopyOnWriteArrayList<>();
    private final Map<String, List<long[]>> transitionTimes = new ConcurrentHashMap<>();
    private volatile boolean running = true;

    BreakerMonitor(List<Node> nodes) {
        this.nodes = nodes;
        this.originNanos = System.nanoTime();
        for (Node node : nodes) {
            last.put(node.name(), node.runtime().breaker().state());
        }
        this.thread = new Thread(this::watch, "breaker-monitor");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Milliseconds since this monitor started. */
    long now() {
        return (System.nanoTime() - originNanos) / 1_000_000;
    }

    int maxPending(Node node) {
        return maxPending.getOrDefault(node.name(), 0);
    }

    /** When (ms since start) {@code node}'s breaker last entered {@code state} at or after {@code sinceMillis}; -1 if not. */
    long enteredAt(Node node, CircuitBreaker.State state, long sinceMillis) {
        for (long[] t : transitionTimes.getOrDefault(node.name(), List.of())) {
            if (t[0] == state.ordinal() && t[1] >= sinceMillis) {
                return t[1];
            }
        }
        return -1;
    }

    void resetMaxPending() {
        maxPending.clear();
    }

    private void watch() {
        while (running) {
            for (Node node : nodes) {
                try {
                    CircuitBreaker.State state = node.runtime().breaker().state();
                    int pending = node.runtime().pending().size();
                    maxPending.merge(node.name(), pending, Math::max);
                    CircuitBreaker.State before = last.put(node.name(), state);
                    if (before != state) {
                        long at = now();
                        transitions.add(at + "ms " + node.name() + " " + before + "->" + state + " (pending " + pending + ")");
                        transitionTimes.computeIfAbsent(node.name(), n -> new CopyOnWriteArrayList<>())
                                .add(new long[] {state.ordinal(), at});
                    }
                } catch (RuntimeException closing) {
                    // the node is shutting down
                }
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    List<String> transitions() {
        return new ArrayList<>(transitions);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(2_000);
    }
}
