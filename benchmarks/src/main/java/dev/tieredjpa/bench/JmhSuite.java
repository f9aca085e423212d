package dev.tieredjpa.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH benchmarks ({@link FindBenchmark}, {@link DirectGetBenchmark}) from code and turns their
 * results into the {@code find} and {@code direct} sections of {@link Results}: one row per case, the mean
 * from average-time mode and p50/p99 from sample-time mode.
 *
 * <p>JMH runs the cross product of a method's parameters, so the find cases are run in groups that each
 * get only the scenarios and databases that make sense: hits on one database (H2 when asked for, as a hit
 * never reaches it), misses on every database asked for. Every case and mode is a fork of its own (each find
 * fork with a database of its own), which is most of the time a full run takes: about 30 forks, 4-5 minutes
 * on 2 cores. To stay there, average-time mode runs only where it measures something sample-time mode does
 * not: a method with a per-invocation setup (an L2 hit, a miss) has every invocation timed one by one in
 * either mode, so there sample time's mean is the mean. Forks inherit the environment, so {@code DB_URL}
 * and {@code REDIS_URL} reach them.
 */
final class JmhSuite {

    private JmhSuite() {
    }

    /**
     * One Runner run: the benchmark methods it includes (a regex), the find parameters it gets (none for
     * the direct benchmark), and whether its invocations are timed one by one (a per-invocation setup).
     */
    private record Group(String include, List<String> scenarios, Collection<Services.Db> dbs, boolean timedOneByOne) {

        static Group find(String method, List<String> scenarios, Collection<Services.Db> dbs) {
            return new Group(methods(FindBenchmark.class, method), scenarios, dbs, method.equals("findAfterReset"));
        }

        static Group direct(boolean timedOneByOne, String... methods) {
            return new Group(methods(DirectGetBenchmark.class, methods), List.of(), List.of(), timedOneByOne);
        }

        private static String methods(Class<?> benchmark, String... methods) {
            List<String> names = new ArrayList<>();
            for (String method : methods) {
                names.add(Pattern.quote(benchmark.getName() + "." + method));
            }
            return "^(" + String.join("|", names) + ")$";
        }
    }

    static void run(Results results, boolean quick, Set<Services.Db> dbs) {
        Set<Services.Db> usable = EnumSet.noneOf(Services.Db.class);
        for (Services.Db db : dbs) {
            if (Services.available(db)) {
                usable.add(db);
            } else {
                System.err.println("JMH: " + db.label() + " is not available, its cases are skipped");
            }
        }
        long started = System.nanoTime();
        List<RunResult> runs = new ArrayList<>();
        for (Group group : groups(usable)) {
            ChainedOptionsBuilder options = options(quick, group.timedOneByOne()).include(group.include());
            if (!group.scenarios().isEmpty()) {
                options.param("scenario", group.scenarios().toArray(String[]::new))
                        .param("db", group.dbs().stream().map(Enum::name).toArray(String[]::new));
            }
            runs.addAll(execute(options));
        }
        addRows(results, runs);
        results.meta(quick ? "jmhSecondsQuick" : "jmhSeconds", Math.round((System.nanoTime() - started) / 1e9));
    }

    /** The find cases (each scenario under the method that runs it, on the databases it needs), then the direct ones. */
    private static List<Group> groups(Set<Services.Db> dbs) {
        List<Group> groups = new ArrayList<>();
        if (!dbs.isEmpty()) {
            List<Services.Db> hitDb = List.of(dbs.contains(Services.Db.H2) ? Services.Db.H2 : dbs.iterator().next());
            for (boolean hits : new boolean[] {true, false}) {
                List<String> scenarios = hits ? FindBenchmark.HITS : FindBenchmark.MISSES;
                for (String method : List.of("find", "findAfterReset")) {
                    List<String> chosen = scenarios.stream()
                            .filter(s -> FindBenchmark.Scenario.parse(s).method().equals(method)).toList();
                    if (!chosen.isEmpty()) {
                        groups.add(Group.find(method, chosen, hits ? hitDb : dbs));
                    }
                }
            }
        }
        groups.add(Group.direct(false, "tieredL1Hit", "localCachedMapHit", "bucketGet", "mapGet"));
        groups.add(Group.direct(true, "tieredL2Hit"));
        return groups;
    }

    /**
     * Full: a fork per case and mode ({@code -Xmx2g}), 2 x 1 s warm-up and 3 x 1 s measured; sample time,
     * and average time too unless every invocation is timed one by one anyway. Quick: every case once, to
     * show that it runs: in this JVM (a fork per case would be most of its time), sample time only (its
     * mean stands in for the average), one 200 ms warm-up and one 200 ms measurement. Quick numbers share
     * one JVM's JIT and are not for comparing.
     */
    private static ChainedOptionsBuilder options(boolean quick, boolean timedOneByOne) {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .timeUnit(TimeUnit.MICROSECONDS)
                .threads(1)
                .shouldFailOnError(true);
        if (quick) {
            return options.forks(0).mode(Mode.SampleTime)
                    .warmupIterations(1).warmupTime(TimeValue.milliseconds(200))
                    .measurementIterations(1).measurementTime(TimeValue.milliseconds(200));
        }
        if (!timedOneByOne) {
            options.mode(Mode.AverageTime);
        }
        return options.forks(1).jvmArgs("-Xmx2g").mode(Mode.SampleTime)
                .warmupIterations(2).warmupTime(TimeValue.seconds(1))
                .measurementIterations(3).measurementTime(TimeValue.seconds(1));
    }

    private static Collection<RunResult> execute(ChainedOptionsBuilder options) {
        try {
            return new Runner(options.build()).run();
        } catch (RunnerException e) {
            throw new IllegalStateException("a JMH benchmark failed", e);
        }
    }

    /** One case's figures, gathered from its runs in either mode. */
    private static final class Figures {
        final String section;
        final Map<String, Object> identity;
        Double mean;
        Double meanError;
        boolean meanFromAverage;
        Double p50;
        Double p99;

        Figures(String section, Map<String, Object> identity) {
            this.section = section;
            this.identity = identity;
        }

        Object[] row() {
            List<Object> row = new ArrayList<>();
            identity.forEach((column, value) -> {
                row.add(column);
                row.add(value);
            });
            row.addAll(Arrays.asList("meanMicros", orNull(mean), "meanErrorMicros", orNull(meanError)));
            row.addAll(Arrays.asList("p50Micros", orNull(p50), "p99Micros", orNull(p99)));
            return row.toArray();
        }

        /** NaN (an error from a single iteration) is written as no value. */
        private static Object orNull(Double value) {
            return value == null || value.isNaN() ? null : value;
        }
    }

    static void addRows(Results results, Collection<RunResult> runs) {
        Map<String, Figures> cases = new LinkedHashMap<>();
        for (RunResult run : runs) {
            BenchmarkParams params = run.getParams();
            String benchmark = params.getBenchmark();
            String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
            Map<String, Object> identity = new LinkedHashMap<>();
            boolean find = benchmark.startsWith(FindBenchmark.class.getName() + ".");
            if (find) {
                FindBenchmark.Scenario scenario = FindBenchmark.Scenario.parse(params.getParam("scenario"));
                identity.put("peer", scenario.peer().name());
                identity.put("db", Services.Db.valueOf(params.getParam("db")).label());
                identity.put("tier", scenario.tier());
            } else {
                identity.put("peer", DirectGetBenchmark.PEERS.getOrDefault(method, method));
            }
            String section = find ? "find" : "direct";
            Figures figures = cases.computeIfAbsent(section + identity, k -> new Figures(section, identity));
            Result<?> primary = run.getPrimaryResult();
            if (params.getMode() == Mode.AverageTime) {
                figures.mean = primary.getScore();
                figures.meanError = primary.getScoreError();
                figures.meanFromAverage = true;
            } else if (params.getMode() == Mode.SampleTime) {
                figures.p50 = primary.getStatistics().getPercentile(50);
                figures.p99 = primary.getStatistics().getPercentile(99);
                if (!figures.meanFromAverage) {
                    figures.mean = primary.getScore();
                    figures.meanError = primary.getScoreError();
                }
            }
        }
        cases.values().forEach(figures -> results.add(figures.section, figures.row()));
    }

    /** Runs the suite alone and prints its rows: {@code JmhSuite [quick|full] [h2,postgres]}. */
    public static void main(String[] args) {
        boolean quick = args.length == 0 || !args[0].equals("full");
        Set<Services.Db> dbs = EnumSet.noneOf(Services.Db.class);
        for (String db : (args.length > 1 ? args[1] : "h2,postgres").split(",")) {
            dbs.add(Services.Db.parse(db));
        }
        Results results = new Results();
        run(results, quick, dbs);
        System.out.println("meta " + results.meta());
        for (String section : List.of("find", "direct")) {
            results.rows(section).forEach(row -> System.out.println(section + " " + row));
        }
    }
}
