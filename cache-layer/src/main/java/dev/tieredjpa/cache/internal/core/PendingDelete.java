package dev.tieredjpa.cache.internal.core;

/**
 * What L1 holds for a key whose write-behind delete is not yet in the database: "gone at this version",
 * so that the key is answered as absent without a trip to the database, which still has the row.
 */
public record PendingDelete(long version) {
}
