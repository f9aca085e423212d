package dev.tieredjpa.cache.internal.writebehind;

import dev.tieredjpa.cache.EntityPolicy;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.hibernate.exception.JDBCConnectionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves one entity's write-behind records from the Redis stream to the database. Any node may run one;
 * the stream's consumer group gives each record to one flusher at a time.
 *
 * <h2>Why nothing acknowledged is lost, and nothing is applied out of order</h2>
 * <ol>
 *   <li>A record is acknowledged (and removed from the stream) only after the transaction that applied it
 *       committed. A flusher that dies before that leaves it pending in the group; after
 *       {@code claimAfter} of silence another flusher claims it (XAUTOCLAIM) and applies it.</li>
 *   <li>The database apply is guarded by version: a record changes a row only if the row is absent or at
 *       an older version. A record applied twice, or after a newer one for the same key (two flushers,
 *       a claim), changes nothing. So per-key order holds whatever order records arrive in.</li>
 *   <li>Within a batch, records of one key coalesce to the newest: a thousand touches of one session
 *       in one delay window are one row write.</li>
 *   <li>A database that cannot be reached is not the records' fault: the batch is retried with
 *       exponential backoff, indefinitely, and nothing is dead-lettered for it. Any other failure is
 *       narrowed down record by record; a record that keeps failing goes, after {@code maxRetries}, to the
 *       dead-letter stream (counted, logged with its key), and the records behind it go on.</li>
 *   <li>A record that can never be written (malformed: its key names no entity, its data does not decode;
 *       or its fields could not even be read, which the queue finds) goes to the dead-letter stream at once,
 *       counted as malformed. Only if it still pinned its entry are the nodes told to drop that state: a
 *       record that pins nothing was never the library's, and its version, which anyone could have written,
 *       must not tombstone the key's real writes.</li>
 * </ol>
 */
final class WriteBehindFlusher<T> implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(WriteBehindFlusher.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final WriteBehindQueue queue;
    private final DatabaseWriter<T> writer;
    private final EntityPolicy policy;
    private final String consumer;
    private final Duration claimAfter;
    private final Map<String, Integer> failures = new HashMap<>();
    private final java.util.function.Consumer<WriteRecord> onDeadLetter;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong flushed = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private volatile boolean running = true;
    private int readFailures;
    private volatile long drainDeadline = Long.MAX_VALUE;
    private Thread thread;

    WriteBehindFlusher(WriteBehindQueue queue, DatabaseWriter<T> writer, EntityPolicy policy, String consumer, Duration claimAfter,
                       java.util.function.Consumer<WriteRecord> onDeadLetter) {
        this.onDeadLetter = onDeadLetter;
        this.queue = queue;
        this.writer = writer;
        this.policy = policy;
        this.consumer = consumer;
        this.claimAfter = claimAfter;
    }

    synchronized void start() {
        thread = new Thread(this, "write-behind-" + policy.entityName() + "-" + consumer);
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops taking new records, finishes what this node holds within {@code timeout}, and returns. */
    void stop(Duration timeout) {
        drainDeadline = System.nanoTime() + timeout.toNanos();
        running = false;
        try {
            if (!stopped.await(timeout.toMillis() + 500, TimeUnit.MILLISECONDS)) {
                log.warn("Write-behind flusher of {} did not finish within {}; its records stay in the stream for another node",
                        policy.entityName(), timeout);
                if (thread != null) {
                    thread.interrupt();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    long flushed() {
        return flushed.get();
    }

    long batches() {
        return batches.get();
    }

    long retries() {
        return retries.get();
    }

    @Override
    public void run() {
        try {
            while (running) {
                List<WriteRecord> records = next();
                if (!records.isEmpty()) {
                    flush(records);
                }
            }
            // Graceful stop: what this consumer was handed but has not applied, then done.
            List<WriteRecord> mine = queue.readOwnPending(consumer, policy.batchSize());
            while (!mine.isEmpty() && System.nanoTime() < drainDeadline) {
                flush(mine);
                mine = queue.readOwnPending(consumer, policy.batchSize());
            }
        } catch (RuntimeException e) {
            if (running) {
                log.error("Write-behind flusher of {} stopped by an unexpected failure", policy.entityName(), e);
            }
        } finally {
            stopped.countDown();
        }
    }

    private List<WriteRecord> next() {
        try {
            List<WriteRecord> claimed = queue.claimIdle(consumer, claimAfter, policy.batchSize());
            readFailures = 0;
            if (!claimed.isEmpty()) {
                log.info("Write-behind flusher {} claimed {} record(s) of {} that another flusher left", consumer,
                        claimed.size(), policy.entityName());
                return claimed;
            }
            return gatherBatch();
        } catch (RuntimeException redisUnreachable) {
            // Nothing can be read while Redis is away; what is in the stream waits there.
            if (readFailures++ == 0) {
                log.warn("Write-behind flusher of {} cannot read its queue (retrying): {}", policy.entityName(),
                        redisUnreachable.toString());
            }
            backoff(Math.min(readFailures, 6));
            return List.of();
        }
    }

    /**
     * Waits for a first record, then keeps reading until the batch is full or {@code write-behind-delay} has
     * passed since that record arrived: the delay is what lets repeated writes of one key coalesce.
     */
    private List<WriteRecord> gatherBatch() {
        List<WriteRecord> batch = new ArrayList<>(queue.readNew(consumer, policy.batchSize(), policy.writeBehindDelay()));
        if (batch.isEmpty()) {
            return batch;
        }
        long deadline = System.nanoTime() + policy.writeBehindDelay().toNanos();
        while (running && batch.size() < policy.batchSize()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            batch.addAll(queue.readNew(consumer, policy.batchSize() - batch.size(), Duration.ofNanos(left)));
        }
        return batch;
    }

    /** Applies a batch until it is in the database (or dead-lettered); returns when done or stopping. */
    private void flush(List<WriteRecord> batch) {
        List<WriteRecord> remaining = batch;
        int attempt = 0;
        while (!remaining.isEmpty() && (running || System.nanoTime() < drainDeadline)) {
            try {
                writer.apply(coalesce(remaining));
                queue.acknowledge(remaining);
                flushed.addAndGet(remaining.size());
                batches.incrementAndGet();
                remaining.forEach(r -> failures.remove(r.streamId()));
                return;
            } catch (RuntimeException failure) {
                attempt++;
                retries.incrementAndGet();
                if (attempt == 1) {
                    log.warn("Write-behind batch of {} record(s) of {} failed (retrying): {}", remaining.size(),
                            policy.entityName(), rootMessage(failure));
                }
                if (isDatabaseUnreachable(failure)) {
                    log.debug("Database unreachable while flushing {} record(s) of {}; retrying", remaining.size(), policy.entityName());
                } else {
                    remaining = isolate(remaining);
                }
                backoff(attempt);
            }
        }
    }

    /** Applies records one at a time: the good ones go through, the bad ones count a failure each. */
    private List<WriteRecord> isolate(List<WriteRecord> records) {
        List<WriteRecord> failed = new ArrayList<>();
        for (WriteRecord record : records) {
            try {
                writer.apply(List.of(record));
                queue.acknowledge(List.of(record));
                flushed.incrementAndGet();
                failures.remove(record.streamId());
            } catch (MalformedRecordException malformed) {
                failures.remove(record.streamId());
                log.error("Write-behind record {} of {} is malformed ({}); moved to the dead-letter stream",
                        record.streamId(), policy.entityName(), malformed.getMessage());
                if (queue.deadLetterMalformed(record, "malformed record: " + malformed.getMessage()) == 1) {
                    // It pinned its entry: nodes may hold its state in L1, and must drop it.
                    onDeadLetter.accept(record);
                }
            } catch (RuntimeException e) {
                if (isDatabaseUnreachable(e)) {
                    failed.add(record);
                    continue;
                }
                int count = failures.merge(record.streamId(), 1, Integer::sum);
                if (count >= policy.maxRetries()) {
                    log.error("Write-behind record for {} failed {} times; moved to the dead-letter stream: {}",
                            WriteBehindQueue.quoted(record.keyText()), count, rootMessage(e));
                    queue.deadLetter(record, rootMessage(e));
                    failures.remove(record.streamId());
                    // Every node may hold the dead write in L1: they must drop it and read the database again.
                    onDeadLetter.accept(record);
                } else {
                    failed.add(record);
                }
            }
        }
        return failed;
    }

    private static List<WriteRecord> coalesce(List<WriteRecord> records) {
        Map<String, WriteRecord> newest = new LinkedHashMap<>();
        for (WriteRecord record : records) {
            newest.merge(record.keyText(), record, (a, b) -> b.version() >= a.version() ? b : a);
        }
        return List.copyOf(newest.values());
    }

    static boolean isDatabaseUnreachable(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof JDBCConnectionException || cause instanceof SQLTransientConnectionException
                    || cause instanceof SQLNonTransientConnectionException || cause instanceof java.net.ConnectException) {
                return true;
            }
            String state = cause instanceof java.sql.SQLException sql ? sql.getSQLState() : null;
            if (state != null && state.startsWith("08")) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    private void backoff(int attempt) {
        long millis = Math.min(MAX_BACKOFF.toMillis(), 50L << Math.min(attempt, 10));
        try {
            // A real backoff: the database or Redis is failing, and nothing will notify us when it is back.
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
