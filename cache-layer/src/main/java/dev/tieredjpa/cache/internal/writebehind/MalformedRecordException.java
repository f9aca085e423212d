package dev.tieredjpa.cache.internal.writebehind;

/**
 * A record that can never be written to the database, whatever the database does: its key names no entity of
 * the type (it is not the key text the library makes for any id), or its data does not decode as the entity's
 * state. Retrying it is pointless; the flusher moves it to the dead-letter stream at once, and counts it.
 */
final class MalformedRecordException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient WriteRecord record;

    MalformedRecordException(WriteRecord record, String message, Throwable cause) {
        super(message, cause);
        this.record = record;
    }

    WriteRecord record() {
        return record;
    }
}
