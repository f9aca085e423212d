package dev.tieredjpa.cache.internal.l2;

import java.util.Arrays;
import java.util.Objects;

/** What {@link RedisEntryStore#get} found in L2 for one key. */
public sealed interface Lookup permits Lookup.Hit, Lookup.Locked, Lookup.Miss, Lookup.Deleted, Lookup.Expired, Lookup.Absent {

    /** No logical expiry or load time recorded. */
    long NONE = -1;

    /**
     * The entry holds data of {@code version} ({@code -1}: unversioned). {@code data} is the codec's bytes.
     * A pinned entry (a write-behind write not yet in the database) answers this too, even while a lock
     * lives: it is newer than the database. {@code expiresAt}: the data's logical expiry (ms, the writer's
     * clock; {@link #NONE}); {@code loadMillis}: how long its load took ({@link #NONE}: unknown);
     * {@code refreshLease}: the caller was granted the lease to refresh it early (XFetch).
     */
    record Hit(long version, byte[] data, long expiresAt, long loadMillis, boolean refreshLease) implements Lookup {

        public Hit {
            Objects.requireNonNull(data, "data");
        }

        public Hit(long version, byte[] data) {
            this(version, data, NONE, NONE, false);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Hit hit && hit.version == version && Arrays.equals(hit.data, data)
                    && hit.expiresAt == expiresAt && hit.loadMillis == loadMillis && hit.refreshLease == refreshLease;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(version) * 31 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Hit[version=" + version + ", " + data.length + " bytes, expiresAt=" + expiresAt
                    + ", loadMillis=" + loadMillis + (refreshLease ? ", refresh lease" : "") + "]";
        }
    }

    /**
     * Data past its logical expiry: a miss (with the lease, as {@link Miss}) that also carries the expired
     * data, which a reader may serve, marked stale, only when its load fails (stale-if-error).
     */
    record Expired(long version, byte[] data, long expiresAt, boolean leaseGranted, String leaseHolder,
                   long leaseMillisLeft) implements Lookup {

        public Expired {
            Objects.requireNonNull(data, "data");
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Expired e && e.version == version && Arrays.equals(e.data, data)
                    && e.expiresAt == expiresAt && e.leaseGranted == leaseGranted
                    && Objects.equals(e.leaseHolder, leaseHolder);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(version) * 31 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Expired[version=" + version + ", " + data.length + " bytes, expiresAt=" + expiresAt
                    + ", leaseGranted=" + leaseGranted + "]";
        }
    }

    /** Known absent: a reader found no row in the database for this key a short while ago (negative cache). */
    record Absent() implements Lookup {
    }

    /**
     * A write of this key is in flight (a live lock): the cached data may be about to change, so the reader
     * goes to the database and must not fill the cache. No lease was granted.
     */
    record Locked() implements Lookup {
    }

    /**
     * No data. {@code leaseGranted}: the caller now holds the lease (its own token is {@code leaseHolder})
     * and should load and {@link RedisEntryStore#putFromLoad put}. Otherwise {@code leaseHolder} is the
     * token of the reader that holds it, or {@code null} when no lease was asked for and none is held.
     * {@code leaseMillisLeft}: how long the lease lives on (0 when none).
     */
    record Miss(boolean leaseGranted, String leaseHolder, long leaseMillisLeft) implements Lookup {

        public Miss(boolean leaseGranted, String leaseHolder) {
            this(leaseGranted, leaseHolder, 0);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Miss miss && miss.leaseGranted == leaseGranted
                    && Objects.equals(miss.leaseHolder, leaseHolder);
        }

        @Override
        public int hashCode() {
            return Boolean.hashCode(leaseGranted) * 31 + Objects.hashCode(leaseHolder);
        }
    }

    /**
     * A write-behind delete of this key, at {@code version}, is pending: the entity is gone, although the
     * database still holds its row until the flush. The reader answers "not found" and must neither load
     * from the database nor fill the cache (every put of an older version is refused anyway). No lease
     * was granted.
     */
    record Deleted(long version) implements Lookup {
    }
}
