package dev.tieredjpa.cache;

import java.time.Duration;

/**
 * One look at an entity's write-behind queue: records waiting, age of the oldest, records flushed and
 * dead-lettered (this node's flusher for the counts of work done; the stream for what waits).
 *
 * @param entity      the entity's name
 * @param queueDepth  records in the stream, not yet acknowledged (-1: Redis did not answer)
 * @param lag         the age of the oldest of them (0 when none, or unknown)
 * @param flushed     records this node's flusher wrote to the database
 * @param batches     batches it wrote
 * @param retries     batches (and records) it tried again after a failure
 * @param deadLetters records in the dead-letter stream, from every node (-1: Redis did not answer)
 * @param malformed   records this node found malformed and moved to the dead-letter stream at once, without
 *                    retries: a field missing or not of the library's form (a version that is not a number,
 *                    an unknown operation, an upsert without data), data that does not decode as the
 *                    entity's state, a key that names no entity of the type. A subset of the dead letters
 * @param foreignKeys keys of another Redis type (a string, a hash...) that this node found at the stream's or
 *                    the dead-letter stream's name and deleted, so that the queue works again
 * @param writtenThrough this node's writes written to the database before they returned, because no replica
 *                    confirmed them ({@link WriteBehindDurability#REPLICA})
 */
public record WriteBehindStats(String entity, long queueDepth, Duration lag, long flushed, long batches, long retries,
                               long deadLetters, long malformed, long foreignKeys, long writtenThrough) {
}
