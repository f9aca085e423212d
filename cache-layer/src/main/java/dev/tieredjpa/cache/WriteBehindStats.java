package dev.tieredjpa.cache;

import java.time.Duration;

/**
 * One look at an entity's write-behind queue: records waiting, age of the oldest, records flushed and
 * dead-lettered (this node's flusher for the counts of work done; the stream for what waits), and this
 * node's writes written to the database before they returned because no replica confirmed them
 * ({@link WriteBehindDurability#REPLICA}).
 */
public record WriteBehindStats(String entity, long queueDepth, Duration lag, long flushed, long batches, long retries,
                               long deadLetters, long writtenThrough) {
}
