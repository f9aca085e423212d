package dev.tieredjpa.demo;

import dev.tieredjpa.devservices.DatabaseEndpoint;
import dev.tieredjpa.devservices.RedisEndpoint;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The demo's settings, read from environment variables. A bad value stops start-up with a message that
 * names the variable, the rule and the value.
 *
 * <table>
 *   <tr><th>variable</th><th>default</th></tr>
 *   <tr><td>{@code PORT}</td><td>8080 ({@code 0}: any free port)</td></tr>
 *   <tr><td>{@code HOST}</td><td>127.0.0.1</td></tr>
 *   <tr><td>{@code NODE_NAME}</td><td>{@code node-<PORT>}</td></tr>
 *   <tr><td>{@code DB_URL}, {@code DB_USER}, {@code DB_PASSWORD}</td><td>an H2 file under {@code DATA_DIR}</td></tr>
 *   <tr><td>{@code DATA_DIR}</td><td>{@code ./data}</td></tr>
 *   <tr><td>{@code REDIS_URL}</td><td>an embedded redis-server on a free port</td></tr>
 *   <tr><td>{@code REDIS_KEY_PREFIX}</td><td>{@code tiered-jpa-demo:}</td></tr>
 * </table>
 */
public record DemoConfig(String host, int port, String nodeName, String keyPrefix, DatabaseEndpoint database,
                         Optional<RedisEndpoint> redis) {

    public static DemoConfig fromEnvironment(Map<String, String> environment) {
        int port = port(environment.get("PORT"));
        String host = orDefault(environment.get("HOST"), "127.0.0.1");
        String nodeName = orDefault(environment.get("NODE_NAME"), "node-" + port);
        Path dataDir = Path.of(orDefault(environment.get("DATA_DIR"), "data")).toAbsolutePath();
        DatabaseEndpoint database = DatabaseEndpoint.fromEnvironment(environment::get)
                .orElseGet(() -> DatabaseEndpoint.h2File(dataDir.resolve("demo").toString()));
        String keyPrefix = orDefault(environment.get("REDIS_KEY_PREFIX"), "tiered-jpa-demo:");
        return new DemoConfig(host, port, nodeName, keyPrefix, database, RedisEndpoint.fromEnvironment(environment::get));
    }

    private static int port(String raw) {
        if (raw == null || raw.isBlank()) {
            return 8080;
        }
        try {
            int port = Integer.parseInt(raw.trim());
            if (port >= 0 && port <= 65_535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw new IllegalArgumentException("PORT must be a port number from 0 to 65535, but was '" + raw + "'");
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value.trim();
    }
}
