package dev.tieredjpa.bench;

import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.cache.WriteBehindStats;
import dev.tieredjpa.domain.User;
import dev.tieredjpa.domain.UserSession;
import dev.tieredjpa.repository.Repositories;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * Write-behind against write-through for session touches ({@code SessionRepository.touch}, the demo's own
 * code): threads touch sessions for a while, one hot session or many drawn uniformly; how many touches were
 * accepted per second, how many SQL statements reached the database per 1,000 touches (counted until the
 * write-behind queue has drained), and how far the database lagged behind Redis (the queue's oldest record,
 * sampled every 20 ms, and the time to drain after the last touch).
 */
final class WriteBehindBench {

    record Result(String policy, String keys, long touches, long refused, double acceptedPerSecond, double statementsPer1000,
                  double lagP50Millis, double lagMaxMillis, double drainMillis) {
    }

    private WriteBehindBench() {
    }

    static Result run(Services services, boolean writeBehind, boolean hotKey, int threads, Duration duration)
            throws InterruptedException {
        StatementCounter statements = new StatementCounter();
        DataSource pool = statements.wrap(services.database().newDataSource(threads + 4));
        String policy = writeBehind ? "WRITE_BEHIND" : "WRITE_THROUGH";
        try (Repositories repositories = Repositories.builder(pool)
                .redisUrl(services.redis().url())
                .keyPrefix(services.newKeyPrefix("sessions-" + policy.toLowerCase()))
                .nodeName("touch-bench")
                .property(TieredCacheSettings.PREFIX + "entity.UserSession.write-policy", policy)
                .property(TieredCacheSettings.PREFIX + "entity.UserSession.write-behind-delay", "200ms")
                // The queue at work: on this single Redis, REPLICA durability would write every touch through.
                .property(TieredCacheSettings.PREFIX + "entity.UserSession.write-behind-durability", "memory")
                .build()) {
            User user = repositories.users().create("bench-" + System.nanoTime() + "@example.com", "Bench");
            List<String> tokens = new ArrayList<>();
            for (int i = 0; i < (hotKey ? 1 : 1000); i++) {
                tokens.add(repositories.sessions().create(user.getId()).getToken());
            }
            awaitDrained(repositories);
            long statementsBefore = statements.count();
            LongAdder accepted = new LongAdder();
            LongAdder refusedTouches = new LongAdder();
            List<Long> lagSamples = new ArrayList<>();
            long started = System.nanoTime();
            long deadline = started + duration.toNanos();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                SplittableRandom random = new SplittableRandom(t);
                Thread worker = new Thread(() -> {
                    while (System.nanoTime() < deadline) {
                        String token = tokens.get(random.nextInt(tokens.size()));
                        try {
                            if (repositories.sessions().touch(token).isPresent()) {
                                accepted.increment();
                            }
                        } catch (RuntimeException refused) {
                            // A touch that lost to a concurrent one five times over (write-through, one hot key).
                            refusedTouches.increment();
                        }
                    }
                }, "touch-" + t);
                workers.add(worker);
                worker.start();
            }
            while (System.nanoTime() < deadline) {
                lagSamples.add(lag(repositories).toMillis());
                Thread.sleep(20); // the sampling interval of the lag
            }
            for (Thread worker : workers) {
                worker.join();
            }
            long touchedFor = System.nanoTime() - started;
            long drainStart = System.nanoTime();
            awaitDrained(repositories);
            double drainMillis = (System.nanoTime() - drainStart) / 1e6;
            long sql = statements.count() - statementsBefore;
            lagSamples.sort(null);
            long touches = accepted.sum();
            return new Result(policy, hotKey ? "one hot session" : "1,000 sessions, uniform", touches, refusedTouches.sum(),
                    touches / (touchedFor / 1e9), touches == 0 ? 0 : sql * 1000.0 / touches,
                    lagSamples.isEmpty() ? 0 : lagSamples.get(lagSamples.size() / 2),
                    lagSamples.isEmpty() ? 0 : lagSamples.get(lagSamples.size() - 1), drainMillis);
        }
    }

    private static Duration lag(Repositories repositories) {
        return stats(repositories).map(WriteBehindStats::lag).orElse(Duration.ZERO);
    }

    private static java.util.Optional<WriteBehindStats> stats(Repositories repositories) {
        return repositories.cache().stats().regions().stream()
                .filter(region -> region.name().equals(UserSession.class.getName()))
                .findFirst()
                .flatMap(region -> region.writeBehind());
    }

    private static void awaitDrained(Repositories repositories) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (stats(repositories).map(s -> s.queueDepth() > 0).orElse(false)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the write-behind queue did not drain within 60 s");
            }
            Thread.sleep(10); // the queue's depth is read from Redis; nothing notifies when it drains
        }
    }
}
