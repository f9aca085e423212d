package dev.tieredjpa.cache;

/** Where a read's value came from. */
public enum ReadSource {
    /** This JVM's L1. */
    L1,
    /** Redis. */
    L2,
    /** The loader (the database), on this thread or shared with it by a concurrent load of the same key. */
    DB,
    /** An expired value, served because its reload failed (stale-if-error). */
    STALE,
    /** Known absent: the negative cache answered "no such row" without asking the database. */
    ABSENT
}
