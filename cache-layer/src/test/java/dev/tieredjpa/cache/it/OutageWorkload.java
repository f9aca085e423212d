package dev.tieredjpa.cache.it;

import jakarta.persistence.OptimisticLockException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.hibernate.StaleStateException;

/**
 * Readers and version-checked writers on every node of a cluster, over items {@code 1..items} whose name is
 * always {@code "v" + version} (a writer sets the name of the version its commit creates). So a read is
 * consistent when the name matches the version, and stale when a newer version had already been committed
 * when the read started; the workload counts both, and every exception a caller saw, by kind.
 *
 * <p>Writers can be held at a gate ({@link #holdWriters()}), so a test can look at the tiers while no write
 * is in flight.
 */
final class OutageWorkload implements AutoCloseable {

    /** What one read or write saw; kept for the report. */
    record Failure(String node, String operation, long id, Throwable error) {
        @Override
        public String toString() {
            return node + " " + operation + " #" + id + ": " + error;
        }
    }

    private final List<Node> nodes;
    private final int items;
    private final long startNanos = System.nanoTime();
    private final List<Thread> threads = new ArrayList<>();
    private final ReentrantReadWriteLock writeGate = new ReentrantReadWriteLock();
    private volatile boolean readersRunning = true;
    private volatile boolean writersRunning = true;

    /** Highest committed version per id, and when each version's commit returned. */
    private final AtomicLongArray committed;
    private final Map<Long, Long> commitNanos = new ConcurrentHashMap<>();
    private final Map<Long, String> commitNode = new ConcurrentHashMap<>();

    final AtomicLong reads = new AtomicLong();
    final AtomicLong writes = new AtomicLong();
    final AtomicLong optimisticConflicts = new AtomicLong();
    final AtomicLong inconsistentReads = new AtomicLong();
    final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
    /** Per node name: reads, and the stale ones among them, since {@link #markPhase}. */
    final Map<String, AtomicLong> phaseReads = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> phaseStaleReads = new ConcurrentHashMap<>();
    /** The longest a read was behind: time between the commit of the next version and the read's start. */
    final AtomicLong phaseMaxStalenessMicros = new AtomicLong();
    /**
     * Stale reads a node served with its breaker CLOSED since {@link #watchClosedNodes()}: behind a version this
     * node committed itself (its own owed invalidation was not paid before L2 served), or only behind versions
     * other nodes committed (their replay had not happened yet, or its message had not arrived).
     */
    final Map<String, AtomicLong> staleBehindOwnWriteWhileClosed = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> staleBehindOthersWritesWhileClosed = new ConcurrentHashMap<>();
    private volatile boolean watchClosed;
    private volatile String phase = "start";
    final Map<String, String> phaseReport = new ConcurrentHashMap<>();

    OutageWorkload(List<Node> nodes, int items, int readersPerNode, int writersPerNode) {
        this.nodes = nodes;
        this.items = items;
        this.committed = new AtomicLongArray(items + 1);
        for (Node node : nodes) {
            for (int r = 0; r < readersPerNode; r++) {
                threads.add(thread(node.name() + "-reader-" + r, () -> readLoop(node)));
            }
            for (int w = 0; w < writersPerNode; w++) {
                threads.add(thread(node.name() + "-writer-" + w, () -> writeLoop(node)));
            }
        }
    }

    void start() {
        threads.forEach(Thread::start);
    }

    /** Closes the counters of the current phase into {@link #phaseReport} and starts counting {@code next}. */
    synchronized void markPhase(String next) {
        phaseReport.put(phase, "reads=" + phaseReads + " stale=" + phaseStaleReads + " maxStaleness="
                + phaseMaxStalenessMicros.get() / 1000 + "ms");
        phaseReads.clear();
        phaseStaleReads.clear();
        phaseMaxStalenessMicros.set(0);
        phase = next;
    }

    /** From now on, classifies the stale reads served by nodes whose breaker is CLOSED. */
    void watchClosedNodes() {
        watchClosed = true;
    }

    /** The highest version of item {@code id} whose commit returned to a writer (0: none). */
    long committedVersion(long id) {
        return committed.get((int) id);
    }

    String phase() {
        return phase;
    }

    long staleReadsInPhase() {
        return phaseStaleReads.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** Waits until no write is in flight and keeps new ones from starting, until {@link #releaseWriters()}. */
    void holdWriters() {
        writeGate.writeLock().lock();
    }

    void releaseWriters() {
        writeGate.writeLock().unlock();
    }

    void stopWriters() throws InterruptedException {
        writersRunning = false;
        for (Thread t : threads) {
            if (t.getName().contains("-writer-")) {
                t.join(15_000);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        writersRunning = false;
        readersRunning = false;
        for (Thread t : threads) {
            t.join(15_000);
        }
    }

    long millisSinceStart() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private void readLoop(Node node) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (readersRunning) {
            long id = 1 + random.nextInt(items);
            long newestAtStart = committed.get((int) id);
            boolean closedAtStart = node.runtime().breaker().allowsCalls();
            long start = System.nanoTime();
            try {
                Item item = node.find(Item.class, id);
                reads.incrementAndGet();
                phaseReads.computeIfAbsent(node.name(), n -> new AtomicLong()).incrementAndGet();
                if (item == null) {
                    failures.add(new Failure(node.name(), "find (phase " + phase + ")", id,
                            new AssertionError("no item, but it exists in the database")));
                } else if (!item.getName().equals("v" + item.getVersion())) {
                    inconsistentReads.incrementAndGet();
                    failures.add(new Failure(node.name(), "find (phase " + phase + ")", id,
                            new AssertionError("name " + item.getName() + " at version " + item.getVersion())));
                } else if (item.getVersion() < newestAtStart) {
                    phaseStaleReads.computeIfAbsent(node.name(), n -> new AtomicLong()).incrementAndGet();
                    if (watchClosed && closedAtStart) {
                        boolean behindOwnWrite = false;
                        for (long v = item.getVersion() + 1; v <= newestAtStart; v++) {
                            behindOwnWrite |= node.name().equals(commitNode.get(versionKey(id, v)));
                        }
                        (behindOwnWrite ? staleBehindOwnWriteWhileClosed : staleBehindOthersWritesWhileClosed)
                                .computeIfAbsent(node.name() + " #" + id, n -> new AtomicLong()).incrementAndGet();
                    }
                    Long nextCommitted = commitNanos.get(versionKey(id, item.getVersion() + 1));
                    if (nextCommitted != null) {
                        long behindMicros = (start - nextCommitted) / 1000;
                        phaseMaxStalenessMicros.accumulateAndGet(behindMicros, Math::max);
                    }
                }
            } catch (RuntimeException e) {
                failures.add(new Failure(node.name(), "find (phase " + phase + ")", id, e));
            }
        }
    }

    private void writeLoop(Node node) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (writersRunning) {
            long id = 1 + random.nextInt(items);
            writeGate.readLock().lock();
            try {
                long version = node.inTransaction(em -> {
                    Item item = em.find(Item.class, id);
                    item.setName("v" + (item.getVersion() + 1));
                    em.flush();
                    return item.getVersion();
                });
                commitNanos.put(versionKey(id, version), System.nanoTime());
                commitNode.put(versionKey(id, version), node.name());
                committed.accumulateAndGet((int) id, version, Math::max);
                writes.incrementAndGet();
            } catch (RuntimeException e) {
                if (isOptimisticConflict(e)) {
                    optimisticConflicts.incrementAndGet();
                } else {
                    failures.add(new Failure(node.name(), "update (phase " + phase + ")", id, e));
                }
            } finally {
                writeGate.readLock().unlock();
            }
        }
    }

    static boolean isOptimisticConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OptimisticLockException || t instanceof StaleStateException) {
                return true;
            }
        }
        return false;
    }

    private static long versionKey(long id, long version) {
        return id * 1_000_000_000L + version;
    }

    private static Thread thread(String name, Runnable body) {
        Thread thread = new Thread(body, "workload-" + name);
        thread.setDaemon(true);
        return thread;
    }
}
