package dev.tieredjpa.cache.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Judges a recorded history of a multi-node run against DESIGN.md promises 2 and 3: every committed write
 * (with the {@code System.nanoTime()} at which its commit returned), every read (start, end, node, the
 * version and state it returned, the tier it came from), when each node applied each invalidation, and
 * what a monitor saw in each node's L1 over time. All times are one JVM's {@code System.nanoTime()}.
 *
 * <h2>The rules</h2>
 * <ol>
 *   <li><b>Only committed states.</b> A read returns a (version, write id) pair that some committed write
 *       produced; anything else is data that never committed (a rolled-back write leaking into a cache).</li>
 *   <li><b>No stale read below L1.</b> A read is <em>stale</em> when it returned a version older than one
 *       whose commit had returned, on any node, before the read started. A stale read served by L2 or the
 *       database is a violation, always: once the commit returned, L2 holds that version (or a newer one,
 *       or a lock that sends readers to the database) and the database has it.</li>
 *   <li><b>Bounded L1 staleness.</b> A stale read served by L1 is allowed only within {@code l1Bound} of the
 *       moment its version became stale (the first return of a commit of a newer version): its age.</li>
 *   <li><b>No older version once evicted.</b> A stale read is a violation, whatever its tier, if it started
 *       after its node had applied the invalidation of a newer version (or, on the node that wrote the newer
 *       version, after that commit returned): from then on that node's L1 must not hold the older version, and
 *       L2 and the database have the newer one. This is what catches an older version put back into L1 (or
 *       into L2, and from there into L1) well inside the bound.</li>
 *   <li><b>Propagation.</b> Every update's invalidation (versions above 0: version 0 is the insert, which
 *       publishes nothing) must reach every other node ({@link Applied}), within
 *       {@code l1Bound} of the commit's return. Separately, the L1 propagation window is the time from the
 *       commit's return until that node's L1, as the monitor saw it, held no older version for good; a window
 *       over {@code l1Bound}, or one still open when monitoring ended, is a violation.</li>
 * </ol>
 *
 * <h2>Tiers, and which of them may be L1</h2>
 * The recorder can only tell a tier from outside (see {@link TwoNodeStressTest} for how), so the tiers say
 * how sure it is: {@link Tier#L1} and {@link Tier#L1_LATE} are certain L1 hits, {@link Tier#L2} and
 * {@link Tier#DB} certain misses of L1, and {@link Tier#L2_OR_L1} the one case it cannot settle. A stale
 * read of that case is judged as L1 (by rules 3 and 4, not failed outright) and counted on its own line,
 * so that a run where it is frequent stands out.
 */
final class StaleReadChecker {

    /** Where a read was served from, as far as the recorder could tell. */
    enum Tier {
        /** The L1 entry the reader peeked just before its lookup (same version, same state object). */
        L1,
        /** Not the peeked entry, but no SQL and no L2 hit on the node during the read: an L1 entry put meanwhile. */
        L1_LATE,
        /** An L1 entry that appeared during the read while the node had L2 hits: this read's own L2 hit, or a late L1 hit. */
        L2_OR_L1,
        /** No SQL, not from an L1 entry seen before or after, and the node had L2 hits during the read. */
        L2,
        /** This read sent SQL: loaded from the database. */
        DB;

        boolean mayBeL1() {
            return this == L1 || this == L1_LATE || this == L2_OR_L1;
        }
    }

    /** A committed write: the version and write id it left in the database, and when its commit returned. */
    record Write(String node, int row, long version, long writeId, long commitReturnedNanos) {
    }

    /** A read of one row: when it ran, what it returned (version and the write id in its state), and from where. */
    record Read(String node, int row, long startNanos, long endNanos, long version, long writeId, Tier tier,
                boolean inWrite) {
    }

    /**
     * By {@code nanos}, {@code node} had applied the invalidation that a write of {@code version} of {@code row}
     * sent (its L1 had evicted every older version).
     */
    record Applied(String node, int row, long version, long nanos) {
    }

    /** From {@code nanos} on, the monitor saw {@code version} in {@code node}'s L1 for {@code row} (-1: no entry). */
    record L1Observation(String node, int row, long nanos, long version) {
    }

    /** What the checker found: the violations and the figures. */
    record Report(long reads, long writes, Map<Tier, Long> readsByTier, Map<Tier, Long> staleByTier,
                  long[] staleL1AgesNanos, long[] appliedNanos, long[] propagationNanos, long violationCount,
                  List<String> violations) {

        long staleReads() {
            return staleByTier.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private static final int MAX_LISTED_VIOLATIONS = 25;

    private final Duration l1Bound;

    StaleReadChecker(Duration l1Bound) {
        this.l1Bound = Objects.requireNonNull(l1Bound, "l1Bound");
    }

    /**
     * Checks the history. {@code applied} and {@code observations} may be empty (then the rules that need
     * them are skipped); {@code nodes} names every node, so that each write is followed on every node but its own.
     */
    Report check(Collection<String> nodes, Collection<Write> writes, Collection<Read> reads,
                 Collection<Applied> applied, Collection<L1Observation> observations) {
        Violations violations = new Violations();
        Map<Integer, RowHistory> rows = rowHistories(writes, violations);
        Map<String, Map<Integer, Evictions>> evictions = evictions(writes, applied);

        Map<Tier, Long> readsByTier = new EnumMap<>(Tier.class);
        Map<Tier, Long> staleByTier = new EnumMap<>(Tier.class);
        for (Tier tier : Tier.values()) {
            readsByTier.put(tier, 0L);
            staleByTier.put(tier, 0L);
        }
        List<Long> staleL1Ages = new ArrayList<>();
        long l1BoundNanos = l1Bound.toNanos();
        for (Read read : reads) {
            readsByTier.merge(read.tier(), 1L, Long::sum);
            RowHistory row = rows.get(read.row());
            Long committedWriteId = row == null ? null : row.writeIdOf(read.version());
            if (committedWriteId == null || committedWriteId != read.writeId()) {
                violations.add("read returned a state no write committed: " + read
                        + (committedWriteId == null ? " (no committed write has this version)"
                        : " (version " + read.version() + " was committed by write " + committedWriteId + ")"));
                continue;
            }
            long newestReturned = row.newestReturnedBefore(read.startNanos());
            if (read.version() >= newestReturned) {
                continue;
            }
            staleByTier.merge(read.tier(), 1L, Long::sum);
            long ageNanos = read.startNanos() - row.firstNewerReturnedAt(read.version());
            String what = "stale read: version " + read.version() + " of row " + read.row() + " on node " + read.node()
                    + " (tier " + read.tier() + (read.inWrite() ? ", inside a write" : "") + "), but version "
                    + newestReturned + " had returned from its commit before the read started; the read began "
                    + micros(ageNanos) + " µs after a newer version first returned";
            Evictions evicted = evictions.getOrDefault(read.node(), Map.of()).get(read.row());
            long evictedAt = evicted == null ? Long.MAX_VALUE : evicted.firstNewerAppliedAt(read.version());
            if (!read.tier().mayBeL1()) {
                violations.add(what + " — it did not come from L1");
            } else if (evictedAt < read.startNanos()) {
                staleL1Ages.add(ageNanos);
                Write staleWrite = row.writeOf(read.version());
                violations.add(what + " — and node " + read.node() + " had applied a newer version's invalidation "
                        + micros(read.startNanos() - evictedAt) + " µs before the read started: an older version came back"
                        + " (version " + read.version() + " was committed by node " + staleWrite.node() + ", whose commit returned "
                        + signedMicros(staleWrite.commitReturnedNanos() - evictedAt) + " µs from that invalidation)");
            } else {
                staleL1Ages.add(ageNanos);
                if (ageNanos > l1BoundNanos) {
                    violations.add(what + " — later than the L1 bound of " + l1Bound.toMillis() + " ms");
                }
            }
        }

        long[] appliedDelays = appliedDelays(nodes, writes, applied, violations);
        long[] windows = propagationWindows(nodes, writes, observations, violations);
        return new Report(reads.size(), writes.size(), Collections.unmodifiableMap(readsByTier),
                Collections.unmodifiableMap(staleByTier), sorted(staleL1Ages), appliedDelays, windows, violations.count,
                List.copyOf(violations.listed));
    }

    /** Per node and row: when that node had evicted each version (by an applied invalidation, or its own commit). */
    private static Map<String, Map<Integer, Evictions>> evictions(Collection<Write> writes, Collection<Applied> applied) {
        if (applied.isEmpty()) {
            return Map.of();
        }
        Map<String, Map<Integer, List<long[]>>> points = new HashMap<>();
        for (Applied a : applied) {
            points.computeIfAbsent(a.node(), n -> new HashMap<>()).computeIfAbsent(a.row(), r -> new ArrayList<>())
                    .add(new long[] {a.version(), a.nanos()});
        }
        for (Write w : writes) {
            points.computeIfAbsent(w.node(), n -> new HashMap<>()).computeIfAbsent(w.row(), r -> new ArrayList<>())
                    .add(new long[] {w.version(), w.commitReturnedNanos()});
        }
        Map<String, Map<Integer, Evictions>> evictions = new HashMap<>();
        points.forEach((node, byRow) -> byRow.forEach((row, list) ->
                evictions.computeIfAbsent(node, n -> new HashMap<>()).put(row, new Evictions(list))));
        return evictions;
    }

    /** For every write and every other node: how long after the commit returned that node applied its invalidation. */
    private long[] appliedDelays(Collection<String> nodes, Collection<Write> writes, Collection<Applied> applied,
                                 Violations violations) {
        if (applied.isEmpty()) {
            return new long[0];
        }
        Map<String, Long> appliedAt = new HashMap<>();
        for (Applied a : applied) {
            appliedAt.merge(a.node() + "|" + a.row() + "|" + a.version(), a.nanos(), Math::min);
        }
        long l1BoundNanos = l1Bound.toNanos();
        List<Long> delays = new ArrayList<>();
        for (Write write : writes) {
            if (write.version() == 0) {
                continue; // an insert: nothing older to evict, nothing published
            }
            for (String node : nodes) {
                if (node.equals(write.node())) {
                    continue;
                }
                Long at = appliedAt.get(node + "|" + write.row() + "|" + write.version());
                if (at == null) {
                    violations.add("the invalidation of " + write + " never reached node " + node);
                    continue;
                }
                long delay = Math.max(0, at - write.commitReturnedNanos());
                delays.add(delay);
                if (delay > l1BoundNanos) {
                    violations.add("node " + node + " applied the invalidation of " + write + " only " + micros(delay)
                            + " µs after the commit returned (bound " + l1Bound.toMillis() + " ms)");
                }
            }
        }
        return sorted(delays);
    }

    private long[] propagationWindows(Collection<String> nodes, Collection<Write> writes,
                                      Collection<L1Observation> observations, Violations violations) {
        if (observations.isEmpty()) {
            return new long[0];
        }
        Map<String, Map<Integer, Timeline>> timelines = new HashMap<>();
        Map<String, Map<Integer, List<L1Observation>>> grouped = new HashMap<>();
        for (L1Observation observation : observations) {
            grouped.computeIfAbsent(observation.node(), n -> new HashMap<>())
                    .computeIfAbsent(observation.row(), r -> new ArrayList<>()).add(observation);
        }
        grouped.forEach((node, byRow) -> byRow.forEach((row, list) ->
                timelines.computeIfAbsent(node, n -> new HashMap<>()).put(row, new Timeline(list))));

        long l1BoundNanos = l1Bound.toNanos();
        List<Long> windows = new ArrayList<>();
        for (Write write : writes) {
            for (String node : nodes) {
                if (node.equals(write.node())) {
                    continue;
                }
                Timeline timeline = timelines.getOrDefault(node, Map.of()).get(write.row());
                if (timeline == null) {
                    continue;
                }
                long window = timeline.windowAfter(write.commitReturnedNanos(), write.version());
                if (window == Long.MAX_VALUE) {
                    violations.add("L1 propagation never completed: node " + node + " still held a version older than "
                            + write.version() + " of row " + write.row() + " when monitoring ended (write " + write + ")");
                    continue;
                }
                windows.add(window);
                if (window > l1BoundNanos) {
                    violations.add("L1 propagation took " + micros(window) + " µs (bound " + l1Bound.toMillis()
                            + " ms): node " + node + " after " + write);
                }
            }
        }
        return sorted(windows);
    }

    private static Map<Integer, RowHistory> rowHistories(Collection<Write> writes, Violations violations) {
        Map<Integer, List<Write>> byRow = new TreeMap<>();
        for (Write write : writes) {
            byRow.computeIfAbsent(write.row(), r -> new ArrayList<>()).add(write);
        }
        Map<Integer, RowHistory> rows = new HashMap<>();
        byRow.forEach((row, list) -> rows.put(row, new RowHistory(list, violations)));
        return rows;
    }

    /** Percentile (0..100) of sorted values, nearest rank; 0 when there are none. */
    static long percentile(long[] sortedValues, double percent) {
        if (sortedValues.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(percent / 100.0 * sortedValues.length);
        return sortedValues[Math.max(0, Math.min(sortedValues.length - 1, rank - 1))];
    }

    static long micros(long nanos) {
        return nanos / 1_000;
    }

    private static String signedMicros(long nanos) {
        return (nanos >= 0 ? "+" : "") + micros(nanos);
    }

    private static long[] sorted(List<Long> values) {
        long[] array = values.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(array);
        return array;
    }

    /** The committed writes of one row, indexed for "newest version returned before t" and "when did v go stale". */
    private static final class RowHistory {
        private final long[] versionsAscending;
        private final long[] writeIds;
        private final List<Write> writesByVersion;
        /** suffixMinCommit[i]: earliest commit return among versionsAscending[i..]. */
        private final long[] suffixMinCommit;
        private final long[] commitsAscending;
        /** prefixMaxVersion[i]: newest version among the writes whose commits returned at commitsAscending[0..i]. */
        private final long[] prefixMaxVersion;

        RowHistory(List<Write> writes, Violations violations) {
            List<Write> byVersion = new ArrayList<>(writes);
            byVersion.sort((x, y) -> Long.compare(x.version(), y.version()));
            List<Write> unique = new ArrayList<>();
            for (Write write : byVersion) {
                if (!unique.isEmpty() && unique.get(unique.size() - 1).version() == write.version()) {
                    violations.add("two writes committed the same version: " + unique.get(unique.size() - 1) + " and " + write);
                    continue;
                }
                unique.add(write);
            }
            int n = unique.size();
            writesByVersion = unique;
            versionsAscending = new long[n];
            writeIds = new long[n];
            suffixMinCommit = new long[n + 1];
            suffixMinCommit[n] = Long.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                versionsAscending[i] = unique.get(i).version();
                writeIds[i] = unique.get(i).writeId();
            }
            for (int i = n - 1; i >= 0; i--) {
                suffixMinCommit[i] = Math.min(suffixMinCommit[i + 1], unique.get(i).commitReturnedNanos());
            }
            List<Write> byCommit = new ArrayList<>(unique);
            byCommit.sort((x, y) -> Long.compare(x.commitReturnedNanos(), y.commitReturnedNanos()));
            commitsAscending = new long[n];
            prefixMaxVersion = new long[n];
            long max = Long.MIN_VALUE;
            for (int i = 0; i < n; i++) {
                commitsAscending[i] = byCommit.get(i).commitReturnedNanos();
                max = Math.max(max, byCommit.get(i).version());
                prefixMaxVersion[i] = max;
            }
        }

        /** The write that committed this version (which must be one of this row's). */
        Write writeOf(long version) {
            return writesByVersion.get(Arrays.binarySearch(versionsAscending, version));
        }

        Long writeIdOf(long version) {
            int i = Arrays.binarySearch(versionsAscending, version);
            return i < 0 ? null : writeIds[i];
        }

        /** The newest version whose commit returned strictly before {@code nanos}; Long.MIN_VALUE if none. */
        long newestReturnedBefore(long nanos) {
            int i = firstIndexNotBefore(commitsAscending, nanos) - 1;
            return i < 0 ? Long.MIN_VALUE : prefixMaxVersion[i];
        }

        /** When a version newer than {@code version} first returned from its commit. */
        long firstNewerReturnedAt(long version) {
            int i = firstIndexAbove(versionsAscending, version);
            return suffixMinCommit[i];
        }

        private static int firstIndexNotBefore(long[] ascending, long value) {
            int low = 0;
            int high = ascending.length;
            while (low < high) {
                int mid = (low + high) >>> 1;
                if (ascending[mid] < value) {
                    low = mid + 1;
                } else {
                    high = mid;
                }
            }
            return low;
        }

        private static int firstIndexAbove(long[] ascending, long value) {
            int low = 0;
            int high = ascending.length;
            while (low < high) {
                int mid = (low + high) >>> 1;
                if (ascending[mid] <= value) {
                    low = mid + 1;
                } else {
                    high = mid;
                }
            }
            return low;
        }
    }

    /** When one node had evicted the versions of one row: query "when was every version up to v first dead here". */
    private static final class Evictions {
        private final long[] versionsAscending;
        /** suffixMinNanos[i]: earliest eviction among versionsAscending[i..]. */
        private final long[] suffixMinNanos;

        Evictions(List<long[]> versionAndNanos) {
            List<long[]> ordered = new ArrayList<>(versionAndNanos);
            ordered.sort((x, y) -> Long.compare(x[0], y[0]));
            int n = ordered.size();
            versionsAscending = new long[n];
            suffixMinNanos = new long[n + 1];
            suffixMinNanos[n] = Long.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                versionsAscending[i] = ordered.get(i)[0];
            }
            for (int i = n - 1; i >= 0; i--) {
                suffixMinNanos[i] = Math.min(suffixMinNanos[i + 1], ordered.get(i)[1]);
            }
        }

        /** When this node first applied (or wrote) a version newer than {@code version}; Long.MAX_VALUE if never. */
        long firstNewerAppliedAt(long version) {
            return suffixMinNanos[RowHistory.firstIndexAbove(versionsAscending, version)];
        }
    }

    /** What one node's L1 held for one row over time, as the monitor saw it (state changes only, in time order). */
    private static final class Timeline {
        private final long[] nanos;
        private final long[] versions;

        Timeline(List<L1Observation> observations) {
            List<L1Observation> ordered = new ArrayList<>(observations);
            ordered.sort((x, y) -> Long.compare(x.nanos(), y.nanos()));
            nanos = ordered.stream().mapToLong(L1Observation::nanos).toArray();
            versions = ordered.stream().mapToLong(L1Observation::version).toArray();
        }

        /**
         * How long after {@code fromNanos} the L1 went on holding a version older than {@code version}: 0 if it
         * held none from then on, Long.MAX_VALUE if it still held one at the last observation.
         */
        long windowAfter(long fromNanos, long version) {
            int first = Math.max(0, RowHistory.firstIndexAbove(nanos, fromNanos) - 1);
            int lastStale = -1;
            for (int i = nanos.length - 1; i >= first; i--) {
                if (versions[i] >= 0 && versions[i] < version) {
                    lastStale = i;
                    break;
                }
            }
            if (lastStale < 0) {
                return 0;
            }
            if (lastStale == nanos.length - 1) {
                return Long.MAX_VALUE;
            }
            return Math.max(0, nanos[lastStale + 1] - fromNanos);
        }
    }

    private static final class Violations {
        long count;
        final List<String> listed = new ArrayList<>();

        void add(String violation) {
            count++;
            if (listed.size() < MAX_LISTED_VIOLATIONS) {
                listed.add(violation);
            }
        }
    }
}
