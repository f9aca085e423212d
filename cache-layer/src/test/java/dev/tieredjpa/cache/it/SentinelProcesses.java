package dev.tieredjpa.cache.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Redis behind Sentinel, as real {@code redis-server} processes on loopback: a master, its replica (in
 * sync when {@link #start} returns) and three Sentinels that fail the master over after 1 s without an
 * answer. Needs the system's {@code redis-server} ({@link RedisProcess#systemServerAvailable()}).
 */
final class SentinelProcesses implements AutoCloseable {

    static final String MASTER_NAME = "tiered-jpa";
    private static final Duration READY_WITHIN = Duration.ofSeconds(30);

    private final List<RedisProcess> processes = new ArrayList<>();
    private RedisProcess master;
    private RedisProcess replica;
    private final List<RedisProcess> sentinels = new ArrayList<>();

    private SentinelProcesses() {
    }

    static SentinelProcesses start() {
        SentinelProcesses started = new SentinelProcesses();
        try {
            started.master = started.add(RedisProcess.start());
            started.replica = started.add(RedisProcess.startReplicaOf(started.master.port()));
            for (int i = 0; i < 3; i++) {
                started.sentinels.add(started.add(RedisProcess.startSentinel(MASTER_NAME, started.master.port())));
            }
            RedisProcess master = started.master;
            await().atMost(READY_WITHIN).until(() -> master.command("INFO", "replication").contains("state=online"));
            return started;
        } catch (RuntimeException e) {
            started.close();
            throw e;
        }
    }

    RedisProcess master() {
        return master;
    }

    RedisProcess replica() {
        return replica;
    }

    /** Whether the replica has been promoted. */
    boolean replicaIsMaster() {
        return replica.command("INFO", "replication").contains("role:master");
    }

    /**
     * Redisson's YAML for the Sentinels, with the library's own choices (no retries, no pings, 1 s timeout),
     * and reads and subscriptions on the master.
     */
    Path redissonConfig() throws IOException {
        StringBuilder yaml = new StringBuilder("sentinelServersConfig:\n")
                .append("  masterName: \"").append(MASTER_NAME).append("\"\n")
                .append("  checkSentinelsList: false\n")
                .append("  retryAttempts: 0\n")
                .append("  timeout: 1000\n")
                .append("  connectTimeout: 2000\n")
                .append("  pingConnectionInterval: 0\n")
                // A replica lags its master: read and subscribe where the writes go.
                .append("  readMode: \"MASTER\"\n")
                .append("  subscriptionMode: \"MASTER\"\n")
                .append("  sentinelAddresses:\n");
        for (RedisProcess sentinel : sentinels) {
            yaml.append("  - \"redis://127.0.0.1:").append(sentinel.port()).append("\"\n");
        }
        Path file = Files.createTempFile("redisson-sentinel", ".yaml");
        return Files.writeString(file, yaml.toString());
    }

    private RedisProcess add(RedisProcess process) {
        processes.add(process);
        return process;
    }

    @Override
    public void close() {
        processes.forEach(RedisProcess::close);
    }
}
