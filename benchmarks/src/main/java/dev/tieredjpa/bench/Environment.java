package dev.tieredjpa.bench;

import dev.tieredjpa.testsupport.TestRedis;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Properties;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/** What a run ran on: the machine, the JVM, the versions of every peer and server, and the mode. */
final class Environment {

    private Environment() {
    }

    static void describe(Results results, String mode) {
        results.meta("mode", mode);
        results.meta("startedAt", Instant.now().toString());
        results.meta("cpu", cpuModel());
        results.meta("cores", Runtime.getRuntime().availableProcessors());
        results.meta("memoryGiB", Math.round(totalMemoryBytes() / (1024.0 * 1024 * 1024)));
        results.meta("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        results.meta("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        results.meta("maxHeapMiB", Runtime.getRuntime().maxMemory() / (1024 * 1024));
        builtWith().forEach((name, version) -> results.meta(String.valueOf(name), version));
        results.meta("redisServer", redisVersion());
        results.meta("redisUrl", TestRedis.endpoint().describe());
        results.meta("postgresUrl", System.getenv().getOrDefault("DB_URL", "(none)"));
    }

    /** The library versions the jar was built with (Maven fills them in from the root POM). */
    private static Properties builtWith() {
        Properties versions = new Properties();
        try (InputStream in = Environment.class.getResourceAsStream("/bench-versions.properties")) {
            if (in != null) {
                versions.load(in);
            }
        } catch (IOException e) {
            versions.setProperty("versions", "unknown (" + e.getMessage() + ")");
        }
        return versions;
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst().orElse(System.getProperty("os.arch"));
        } catch (IOException e) {
            return System.getProperty("os.arch");
        }
    }

    private static long totalMemoryBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return -1;
    }

    private static String redisVersion() {
        Config config = new Config();
        config.useSingleServer().setAddress(TestRedis.endpoint().url());
        RedissonClient redisson = Redisson.create(config);
        try {
            return redisson.getRedisNodes(org.redisson.api.redisnode.RedisNodes.SINGLE).getInstance()
                    .info(org.redisson.api.redisnode.RedisNode.InfoSection.SERVER).get("redis_version");
        } catch (RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        } finally {
            redisson.shutdown();
        }
    }
}
