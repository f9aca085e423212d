package dev.tieredjpa.repository;

/** An update named a version of the entity that is no longer its current one: someone else wrote first. */
public final class StaleVersionException extends RuntimeException {

    private final String entity;
    private final Object id;
    private final Long expectedVersion;
    private final Long currentVersion;

    public StaleVersionException(String entity, Object id, Long expectedVersion, Long currentVersion, Throwable cause) {
        super(entity + " " + id + " is at version " + (currentVersion == null ? "(changed concurrently)" : currentVersion)
                + ", not at the version " + (expectedVersion == null ? "read" : expectedVersion) + " that the update was based on", cause);
        this.entity = entity;
        this.id = id;
        this.expectedVersion = expectedVersion;
        this.currentVersion = currentVersion;
    }

    public String entity() {
        return entity;
    }

    public Object id() {
        return id;
    }

    /** The version the caller based its update on, or null when it named none. */
    public Long expectedVersion() {
        return expectedVersion;
    }

    /** The version found in the database, or null when a concurrent writer moved it during the update. */
    public Long currentVersion() {
        return currentVersion;
    }
}
