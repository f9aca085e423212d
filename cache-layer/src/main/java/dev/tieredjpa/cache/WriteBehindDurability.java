package dev.tieredjpa.cache;

/**
 * When a {@link WritePolicy#WRITE_BEHIND} write counts as acknowledged: what it survives once the write
 * call has returned. See {@code docs/write-policies.md}, "What acknowledged means".
 */
public enum WriteBehindDurability {

    /**
     * Acknowledged once a Redis replica holds it ({@code WAIT 1}, bounded by
     * {@code tiered-cache.write-behind.replica-wait}). A write that no replica confirms in time is written to
     * the database before the call returns, so it survives a Redis that loses its memory. On a Redis without
     * replicas every write is therefore written to the database at once. The default.
     */
    REPLICA,

    /**
     * Acknowledged once the Redis master holds it in memory: the fastest, and what is lost if that Redis
     * loses its memory before the flush (restarted empty, or failed over before the write replicated),
     * unless Redis persists it ({@code appendfsync always}). For writes that may be lost in that case.
     */
    MEMORY
}
