package dev.tieredjpa.cache.internal.l2;

import java.util.Arrays;
import java.util.Objects;

/** What {@link RedisEntryStore#get} found in L2 for one key. */
public sealed interface Lookup permits Lookup.Hit, Lookup.Locked, Lookup.Miss, Lookup.Deleted {

    /**
     * The entry holds data of {@code version} ({@code -1}: unversioned). {@code data} is the codec's bytes.
     * A pinned entry (a write-behind write not yet in the database) answers this too, even while a lock
     * lives: it is newer than the database.
     */
    record Hit(long version, byte[] data) implements Lookup {

        public Hit {
            Objects.requireNonNull(data, "data");
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Hit hit && hit.version == version && Arrays.equals(hit.data, data);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(version) * 31 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Hit[version=" + version + ", " + data.length + " bytes]";
        }
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
     */
    record Miss(boolean leaseGranted, String leaseHolder) implements Lookup {
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
