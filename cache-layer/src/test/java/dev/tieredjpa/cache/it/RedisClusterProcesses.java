package dev.tieredjpa.cache.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Cluster of real {@code redis-server} processes on loopback: 3 masters, each with one replica,
 * made with {@code redis-cli --cluster create}. Nothing is persisted; a node counts as failed after 1 s.
 * Needs the system's {@code redis-server} and {@code redis-cli} ({@link #available()}).
 */
final class RedisClusterProcesses implements AutoCloseable {

    private static final Duration READY_WITHIN = Duration.ofSeconds(30);

    private final Path dir;
    private final List<RedisProcess> nodes;

    private RedisClusterProcesses(Path dir, List<RedisProcess> nodes) {
        this.dir = dir;
        this.nodes = nodes;
    }

    static boolean available() {
        return RedisProcess.systemServerAvailable() && Files.isExecutable(Path.of("/usr/bin/redis-cli"));
    }

    /** Starts 6 nodes, joins them as 3 masters with a replica each, and waits until the cluster is ok everywhere. */
    static RedisClusterProcesses start() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("redis-cluster");
        List<RedisProcess> nodes = new ArrayList<>();
        RedisClusterProcesses cluster = new RedisClusterProcesses(dir, nodes);
        try {
            for (int i = 0; i < 6; i++) {
                nodes.add(RedisProcess.startClusterNode(dir));
            }
            List<String> command = new ArrayList<>(List.of("/usr/bin/redis-cli", "--cluster", "create"));
            nodes.forEach(node -> command.add("127.0.0.1:" + node.port()));
            command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            Process create = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(create.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!create.waitFor(60, TimeUnit.SECONDS) || create.exitValue() != 0) {
                throw new IllegalStateException("redis-cli --cluster create failed:\n" + output);
            }
            await().atMost(READY_WITHIN).until(() -> nodes.stream().allMatch(RedisClusterProcesses::clusterOk)
                    && cluster.masters().size() == 3
                    && cluster.masters().stream().allMatch(m -> m.command("INFO", "replication").contains("state=online")));
            return cluster;
        } catch (RuntimeException | IOException | InterruptedException e) {
            cluster.close();
            throw e;
        }
    }

    /** The nodes that are masters now. */
    List<RedisProcess> masters() {
        return nodes.stream().filter(RedisClusterProcesses::isMaster).toList();
    }

    /** The replica of {@code master} (by its {@code INFO replication}). */
    RedisProcess replicaOf(RedisProcess master) {
        return nodes.stream()
                .filter(node -> node != master && !isMaster(node)
                        && node.command("INFO", "replication").contains("master_port:" + master.port() + "\r"))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no replica of the master on port " + master.port()));
    }

    /** Whether the cluster answers ok on every node still running (all 16384 slots served). */
    boolean okOn(List<RedisProcess> running) {
        return running.stream().allMatch(RedisClusterProcesses::clusterOk);
    }

    /**
     * Redisson's YAML for this cluster, with the library's own choices (no retries, no pings, 1 s timeout)
     * and the topology rescanned every second. It asks for reads and subscriptions on the replicas, which
     * the library overrides: it keeps both on the masters.
     */
    Path redissonConfig() throws IOException {
        StringBuilder yaml = new StringBuilder("clusterServersConfig:\n")
                .append("  retryAttempts: 0\n")
                .append("  timeout: 1000\n")
                .append("  connectTimeout: 2000\n")
                .append("  pingConnectionInterval: 0\n")
                .append("  scanInterval: 1000\n")
                .append("  readMode: \"SLAVE\"\n")
                .append("  subscriptionMode: \"SLAVE\"\n")
                .append("  nodeAddresses:\n");
        for (RedisProcess node : nodes) {
            yaml.append("  - \"redis://127.0.0.1:").append(node.port()).append("\"\n");
        }
        return Files.writeString(dir.resolve("redisson-cluster.yaml"), yaml.toString());
    }

    private static boolean isMaster(RedisProcess node) {
        try {
            return node.command("INFO", "replication").contains("role:master");
        } catch (RuntimeException down) {
            return false;
        }
    }

    private static boolean clusterOk(RedisProcess node) {
        try {
            return node.command("CLUSTER", "INFO").contains("cluster_state:ok");
        } catch (RuntimeException down) {
            return false;
        }
    }

    @Override
    public void close() {
        nodes.forEach(RedisProcess::close);
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
