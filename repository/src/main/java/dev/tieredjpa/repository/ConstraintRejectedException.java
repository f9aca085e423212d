package dev.tieredjpa.repository;

/**
 * The database refused a write because of one of its constraints: a value that must be unique is taken,
 * or a reference names a row that does not exist. Names the entity field at fault.
 */
public final class ConstraintRejectedException extends RuntimeException {

    /** What kind of rule the write broke. */
    public enum Reason { DUPLICATE_VALUE, UNKNOWN_REFERENCE }

    private final Reason reason;
    private final String field;

    public ConstraintRejectedException(Reason reason, String field, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.field = field;
    }

    public Reason reason() {
        return reason;
    }

    /** The entity field at fault, e.g. {@code email}. */
    public String field() {
        return field;
    }
}
