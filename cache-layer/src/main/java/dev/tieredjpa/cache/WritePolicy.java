package dev.tieredjpa.cache;

/** How writes of an entity reach the database. */
public enum WritePolicy {
    /** The database write happens in the caller's transaction; the caches are updated after it commits. */
    WRITE_THROUGH,
    /**
     * The new state goes to L2 at once, with a durable change record in a Redis stream; a flusher writes
     * it to the database later, in batches. Every node reads the pending state from L2 until then.
     */
    WRITE_BEHIND,
    /** The entity is never written through the cache layer. */
    READ_ONLY
}
