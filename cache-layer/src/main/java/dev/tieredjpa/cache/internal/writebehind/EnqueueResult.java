package dev.tieredjpa.cache.internal.writebehind;

import java.util.Objects;

/**
 * What became of a {@link WriteBehindQueue#enqueue}: queued (with its stream id), or refused, and why.
 * A refused write changed nothing, neither in L2 nor in the stream.
 *
 * @param status         what happened
 * @param streamId       the record's stream id when {@link Status#STORED}, else {@code null}
 * @param currentVersion when refused, the newest version L2 knows for the key (data, pending write or
 *                       live tombstone; {@code -1}: none), so a caller can tell how far it is behind
 * @param replicas       when stored, how many Redis replicas confirmed holding it; {@code -1} when none was
 *                       asked to
 */
public record EnqueueResult(Status status, String streamId, long currentVersion, int replicas) {

    /** The outcome of an enqueue. */
    public enum Status {
        /** L2 holds the new state, pinned, and the stream holds its record. */
        STORED,
        /** The stream already holds {@code maxQueueLength} records: the database is behind; try again later. */
        REFUSED_QUEUE_FULL,
        /** Another write already put this version or a newer one (or a live tombstone carries it): re-read and retry. */
        REFUSED_OLDER_VERSION,
        /** A write-through write of the key is in flight (a live lock): retry after it. */
        REFUSED_LOCKED
    }

    public EnqueueResult {
        Objects.requireNonNull(status, "status");
        if ((status == Status.STORED) != (streamId != null)) {
            throw new IllegalArgumentException("a stream id comes with STORED and only then, but was " + status
                    + " with " + streamId);
        }
    }

    static EnqueueResult storedAs(String streamId, int replicas) {
        return new EnqueueResult(Status.STORED, Objects.requireNonNull(streamId, "streamId"), -1, replicas);
    }

    static EnqueueResult refused(Status status, long currentVersion) {
        return new EnqueueResult(status, null, currentVersion, -1);
    }

    public boolean stored() {
        return status == Status.STORED;
    }

    public boolean queueFull() {
        return status == Status.REFUSED_QUEUE_FULL;
    }

    public boolean olderVersion() {
        return status == Status.REFUSED_OLDER_VERSION;
    }

    public boolean locked() {
        return status == Status.REFUSED_LOCKED;
    }
}
