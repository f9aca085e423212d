package dev.tieredjpa.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The correctness columns that every run must hold, whatever the timings: ours serves no stale read and
 * no error in any workload, and a stampede on ours loads each cold key from the database exactly once.
 */
final class Checks {

    private Checks() {
    }

    static List<String> correctness(Results results) {
        List<String> failures = new ArrayList<>();
        for (Map<String, Object> row : results.rows("workload")) {
            if (Peer.TIERED.name().equals(row.get("peer"))) {
                if (number(row, "staleReads") != 0) {
                    failures.add("workload " + describe(row) + ": ours served " + number(row, "staleReads") + " stale reads");
                }
                if (number(row, "errors") != 0) {
                    failures.add("workload " + describe(row) + ": ours failed " + number(row, "errors") + " operations");
                }
                if (number(row, "readsChecked") == 0) {
                    failures.add("workload " + describe(row) + ": no read was checked");
                }
            }
        }
        for (Map<String, Object> row : results.rows("scale")) {
            if (row.containsKey("staleReads") && number(row, "staleReads") != 0) {
                failures.add("scale workload at " + row.get("entities") + " entities: " + number(row, "staleReads") + " stale reads");
            }
        }
        boolean stampedeSeen = false;
        for (Map<String, Object> row : results.rows("stampede")) {
            if (Peer.TIERED.name().equals(row.get("peer"))) {
                stampedeSeen = true;
                if (number(row, "maxDbLoads") != 1) {
                    failures.add("stampede on ours: " + number(row, "maxDbLoads") + " database loads of one cold key, not 1");
                }
            }
        }
        if (!stampedeSeen) {
            failures.add("no stampede row for ours");
        }
        return failures;
    }

    private static long number(Map<String, Object> row, String column) {
        Object value = row.get(column);
        return value instanceof Number number ? number.longValue() : -1;
    }

    private static String describe(Map<String, Object> row) {
        return row.get("db") + " " + row.get("keys") + " " + row.get("mix");
    }
}
