package dev.tieredjpa.cache.internal.l2;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * Every field of one L2 entry, decoded, as {@link RedisEntryStore#inspect} saw it: for tests and diagnostics.
 * Absent fields are {@code null}; times are milliseconds since the epoch by Redis' clock.
 *
 * @param redisTimeMillis Redis {@code TIME} when the snapshot was taken, to judge the expiries against
 * @param pttlMillis      the key's {@code PTTL}: {@code -2} no such key, {@code -1} no expiry (only when pinned)
 * @param version         {@code v}: the data's version, {@code -1} for unversioned data
 * @param data            {@code d}: the codec's bytes
 * @param tombstoneVersion {@code tv}
 * @param tombstoneExpiresAt {@code te}
 * @param leaseToken      {@code lt}
 * @param leaseExpiresAt  {@code le}
 * @param locks           one entry per {@code l:<token>} field: token to expiry
 * @param pendingVersion  {@code p}: the version of the write-behind write not yet in the database, which
 *                        pins the entry; {@code null} when none is pending
 * @param pendingDelete   {@code pd}: that pending write is a delete
 */
public record EntrySnapshot(
        long redisTimeMillis,
        long pttlMillis,
        Long version,
        byte[] data,
        Long tombstoneVersion,
        Long tombstoneExpiresAt,
        String leaseToken,
        Long leaseExpiresAt,
        Map<String, Long> locks,
        Long pendingVersion,
        boolean pendingDelete) {

    public EntrySnapshot {
        locks = Map.copyOf(locks);
    }

    public boolean exists() {
        return pttlMillis != -2;
    }

    public boolean hasData() {
        return data != null;
    }

    /** A tombstone whose expiry is still ahead (an expired one is ignored by every operation). */
    public boolean hasLiveTombstone() {
        return tombstoneVersion != null && tombstoneExpiresAt != null && tombstoneExpiresAt > redisTimeMillis;
    }

    /** A write-behind write of this key is not yet in the database: the entry has no expiry and is what every node reads. */
    public boolean isPinned() {
        return pendingVersion != null;
    }

    /** A lease whose expiry is still ahead. */
    public boolean hasLiveLease() {
        return leaseToken != null && leaseExpiresAt != null && leaseExpiresAt > redisTimeMillis;
    }

    @Override
    public String toString() {
        return "EntrySnapshot{exists=" + exists() + ", pttl=" + pttlMillis + "ms, v=" + version
                + ", d=" + (data == null ? "null" : data.length + " bytes")
                + ", tv=" + tombstoneVersion + ", te=" + relative(tombstoneExpiresAt)
                + ", lt=" + leaseToken + ", le=" + relative(leaseExpiresAt)
                + ", locks=" + locks + ", p=" + pendingVersion + (pendingDelete ? ", pd" : "")
                + ", now=" + redisTimeMillis + "}";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EntrySnapshot o && o.redisTimeMillis == redisTimeMillis && o.pttlMillis == pttlMillis
                && Objects.equals(o.version, version) && Arrays.equals(o.data, data)
                && Objects.equals(o.tombstoneVersion, tombstoneVersion)
                && Objects.equals(o.tombstoneExpiresAt, tombstoneExpiresAt)
                && Objects.equals(o.leaseToken, leaseToken)
                && Objects.equals(o.leaseExpiresAt, leaseExpiresAt) && o.locks.equals(locks)
                && Objects.equals(o.pendingVersion, pendingVersion) && o.pendingDelete == pendingDelete;
    }

    @Override
    public int hashCode() {
        return Objects.hash(redisTimeMillis, pttlMillis, version, Arrays.hashCode(data), tombstoneVersion,
                tombstoneExpiresAt, leaseToken, leaseExpiresAt, locks, pendingVersion, pendingDelete);
    }

    private String relative(Long at) {
        return at == null ? "null" : "now" + (at >= redisTimeMillis ? "+" : "") + (at - redisTimeMillis) + "ms";
    }
}
