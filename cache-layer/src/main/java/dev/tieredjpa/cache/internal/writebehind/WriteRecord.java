package dev.tieredjpa.cache.internal.writebehind;

import java.util.Arrays;
import java.util.Objects;

/**
 * One write-behind change record, as the stream holds it: the entity's whole new state (or its deletion)
 * at {@code version}, not a delta. So of several records of one key the newest is all the database needs,
 * and applying a record is idempotent under a version guard.
 *
 * @param streamId         the record's id in the stream ({@code "<ms>-<seq>"}), which acknowledging and
 *                         dead-lettering name it by; {@code null} for a record that was never queued
 * @param keyText          the entry's key text within its region
 * @param version          the version this write gives the entity; for a delete, the version of the
 *                         deletion: one more than the last version written
 * @param delete           the write deletes the entity
 * @param data             the codec's bytes of the new state; {@code null} for a delete
 * @param enqueuedAtMillis when the record was queued, by Redis' clock
 */
public record WriteRecord(String streamId, String keyText, long version, boolean delete, byte[] data,
                          long enqueuedAtMillis) {

    public WriteRecord {
        Objects.requireNonNull(keyText, "keyText");
        if (delete != (data == null)) {
            throw new IllegalArgumentException(delete
                    ? "a delete record carries no data, but had " + data.length + " bytes"
                    : "an upsert record must carry data, but had none");
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof WriteRecord r && Objects.equals(r.streamId, streamId) && r.keyText.equals(keyText)
                && r.version == version && r.delete == delete && Arrays.equals(r.data, data)
                && r.enqueuedAtMillis == enqueuedAtMillis;
    }

    @Override
    public int hashCode() {
        return Objects.hash(streamId, keyText, version, delete, Arrays.hashCode(data), enqueuedAtMillis);
    }

    @Override
    public String toString() {
        return "WriteRecord[" + streamId + " " + (delete ? "delete " : "upsert ") + keyText + " v" + version
                + (delete ? "" : ", " + data.length + " bytes") + ", enqueuedAt=" + enqueuedAtMillis + "]";
    }
}
