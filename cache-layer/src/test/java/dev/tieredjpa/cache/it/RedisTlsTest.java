package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.testsupport.TestDatabases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A Redis that speaks TLS only ({@code --port 0 --tls-port}), with a certificate from a throwaway CA. Two
 * nodes reach it through Redisson's YAML config file ({@code tiered-cache.redis.config-file}) that names the
 * CA's trust store, and share L2 and invalidations over it; a {@code rediss://} URL trusts what the JVM
 * trusts; a node that does not trust the server's certificate, or finds that it names another host, still
 * starts and serves from the database. And no log line holds the trust store's password.
 */
class RedisTlsTest {

    private static final String TRUST_STORE_PASSWORD = "truststore-s3cret-4b7e";

    private TlsRedisProcess redis;
    private ListAppender<ILoggingEvent> logs;

    @BeforeEach
    void startTlsRedisAndCaptureLogs() {
        Optional<String> unavailable = TlsRedisProcess.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "skipped: " + unavailable.orElse(""));
        redis = TlsRedisProcess.start();
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    }

    @AfterEach
    void stop() {
        if (redis == null) {
            return;
        }
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        redis.close();
        assertThat(secretsLogged()).as("log lines that hold the trust store's password").isEmpty();
    }

    @Test
    void configFileWithTheCasTrustStore_nodesShareL2AndInvalidationsOverTls() throws IOException {
        assertThat(redis.answersPlaintextPing()).as("the server answers plaintext").isFalse();
        Path trustStore = redis.ca().writeTrustStore(redis.dir().resolve("ca.p12"), TRUST_STORE_PASSWORD);
        Path yaml = redissonConfig(redis.url(), trustStore);

        try (Cluster cluster = Cluster.start(TestDatabases.Kind.H2, 2, redis.url(),
                Map.of(TieredCacheSettings.REDIS_CONFIG_FILE, yaml.toString()))) {
            assertNodesShareL2(cluster);
            assertThat(Long.parseLong(redis.command("DBSIZE"))).as("keys in the TLS-only Redis").isPositive();
            assertThat(redis.command("CLIENT", "LIST")).as("the nodes' connections, all TLS (there is no other port)")
                    .contains("name=tiered-cache-tls");
        }
        assertThat(logs.list).as("Redisson's warnings about deprecated ssl settings")
                .noneSatisfy(e -> assertThat(e.getFormattedMessage()).containsIgnoringCase("deprecated"));
    }

    /**
     * A {@code rediss://} URL sets no trust store of its own: Redisson's TLS then trusts what the JVM's
     * default trust store holds ({@code javax.net.ssl.trustStore}, else the JDK's cacerts). The node runs in
     * a JVM started with that property, as a service would be: in this JVM an earlier test may already have
     * made the default SSL context, which then keeps the trust store it was made with.
     */
    @Test
    void redissUrl_trustsWhatTheJvmsDefaultTrustStoreHolds() throws Exception {
        Path trustStore = redis.ca().writeTrustStore(redis.dir().resolve("jvm-default.p12"), TRUST_STORE_PASSWORD);
        try (WriteBehindCluster cluster = WriteBehindCluster.start(TestDatabases.Kind.H2, 1, Map.of());
             SharedDatabase shared = SharedDatabase.of(cluster)) {
            Rows.insertItems(cluster.dataSource(), 1);
            Map<String, String> arguments = shared.childArguments("tls-url");
            arguments.put("redis-url", redis.url());
            arguments.put("slow-table", "items");
            arguments.put("pause-ms", "1");
            arguments.put("update-item", "1");
            try (NodeProcess node = NodeProcess.start("tls-url", arguments, shared.password(),
                    List.of("-Djavax.net.ssl.trustStore=" + trustStore, "-Djavax.net.ssl.trustStorePassword=" + TRUST_STORE_PASSWORD))) {
                node.await("updated 1", Duration.ofSeconds(60));
                assertThat(node.linesWith("Redis unreachable")).as("the node's warnings").isEmpty();
                // Its write locked, stored and released the item's entry in the TLS-only Redis.
                assertThat(redis.command("CLIENT", "LIST")).contains("name=tiered-cache-tls-url");
                assertThat(Long.parseLong(redis.command("DBSIZE"))).as("keys in the TLS-only Redis").isPositive();
            }
        }
    }

    @Test
    void trustStoreOfAnotherCa_nodeStartsAndServesFromTheDatabase() throws IOException {
        TlsRedisProcess.Ca stranger = TlsRedisProcess.Ca.create(redis.dir(), "unrelated-ca");
        Path trustStore = stranger.writeTrustStore(redis.dir().resolve("unrelated.p12"), TRUST_STORE_PASSWORD);

        assertServesFromTheDatabaseOnly(redissonConfig(redis.url(), trustStore));
        assertThat(logs.list).as("why: Redisson logs the failed handshake").anySatisfy(e ->
                assertThat(causes(e)).contains("javax.net.ssl.SSLHandshakeException"));
    }

    /** Redisson checks the host name by default (its {@code sslVerificationMode} is {@code STRICT}). */
    @Test
    void certificateThatDoesNotNameTheAddressesHost_nodeStartsAndServesFromTheDatabase() throws IOException {
        redis.close();
        redis = TlsRedisProcess.start("DNS:redis.invalid");
        Path trustStore = redis.ca().writeTrustStore(redis.dir().resolve("ca.p12"), TRUST_STORE_PASSWORD);

        assertServesFromTheDatabaseOnly(redissonConfig(redis.url(), trustStore));
        assertThat(logs.list).as("why: Redisson logs the failed handshake").anySatisfy(e ->
                assertThat(causes(e)).contains("javax.net.ssl.SSLHandshakeException")
                        .containsIgnoringCase("subject alternative names"));
    }

    /** One node on {@code yaml}: it starts, reads and writes from the database, and puts nothing in Redis. */
    private void assertServesFromTheDatabaseOnly(Path yaml) {
        try (Cluster cluster = Cluster.start(TestDatabases.Kind.H2, 1, redis.url(),
                Map.of(TieredCacheSettings.REDIS_CONFIG_FILE, yaml.toString()))) {
            Rows.insertItems(cluster.dataSource(), 1);
            assertThat(cluster.node(0).find(Item.class, 1L).getName()).isEqualTo("item-1");
            assertThat(cluster.node(0).runtime().breaker().allowsCalls()).as("L2 is off").isFalse();
            cluster.node(0).inTransactionDo(em -> em.find(Item.class, 1L).setName("renamed"));
            assertThat(cluster.node(0).find(Item.class, 1L).getName()).isEqualTo("renamed");
            assertThat(cluster.node(0).regionStats("items").l2Hits()).isZero();
        }
        assertThat(Long.parseLong(redis.command("DBSIZE"))).as("keys the node wrote").isZero();
        assertThat(logs.list).as("the library's warning").anySatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getFormattedMessage()).contains("Redis unreachable at start");
        });
    }

    private static void assertNodesShareL2(Cluster cluster) {
        Rows.insertItems(cluster.dataSource(), 1);
        assertThat(cluster.node(0).find(Item.class, 1L).getName()).isEqualTo("item-1");
        assertThat(cluster.node(1).find(Item.class, 1L).getName()).isEqualTo("item-1");
        assertThat(cluster.node(1).regionStats("items").l2Hits()).as("b read a's fill from L2").isEqualTo(1);
        cluster.node(0).inTransactionDo(em -> em.find(Item.class, 1L).setName("renamed"));
        assertThat(cluster.node(1).regionStats("items").invalidationsReceived()).as("b heard a's invalidation").isPositive();
        assertThat(cluster.node(0).regionStats("items").invalidationAckTimeouts()).as("b acknowledged it in time").isZero();
        assertThat(cluster.node(1).find(Item.class, 1L).getName()).isEqualTo("renamed");
        assertThat(cluster.node(1).regionStats("items").l2Hits()).as("b read a's new value from L2").isEqualTo(2);
        assertThat(cluster.node(1).statements()).as("statements b sent to the database").isZero();
        assertThat(cluster.node(0).runtime().breaker().allowsCalls()).isTrue();
        assertThat(cluster.node(1).runtime().breaker().allowsCalls()).isTrue();
    }

    /**
     * Redisson's YAML for one server over TLS, with the library's own choices (as {@code RedissonClients}
     * makes them for a URL). The trust store goes at the top level: Redisson 4.7 still reads the ssl settings
     * inside {@code singleServerConfig}, but warns that they are deprecated there.
     */
    private Path redissonConfig(String address, Path trustStore) throws IOException {
        String yaml = String.join("\n",
                "singleServerConfig:",
                "  address: \"" + address + "\"",
                "  clientName: \"tiered-cache-tls\"",
                "  retryAttempts: 0",
                "  timeout: 1000",
                "  connectTimeout: 2000",
                "  pingConnectionInterval: 0",
                "  connectionMinimumIdleSize: 2",
                "  subscriptionConnectionMinimumIdleSize: 1",
                "sslTruststore: \"" + trustStore.toUri() + "\"",
                "sslTruststorePassword: \"" + TRUST_STORE_PASSWORD + "\"",
                "");
        return Files.writeString(redis.dir().resolve("redisson-" + System.nanoTime() + ".yaml"), yaml);
    }

    /** The class names and messages of an event's throwable and its causes. */
    private static String causes(ILoggingEvent event) {
        StringBuilder text = new StringBuilder();
        for (IThrowableProxy cause = event.getThrowableProxy(); cause != null; cause = cause.getCause()) {
            text.append(cause.getClassName()).append(": ").append(cause.getMessage()).append('\n');
        }
        return text.toString();
    }

    private List<String> secretsLogged() {
        List<String> leaks = new ArrayList<>();
        for (ILoggingEvent event : logs.list) {
            StringBuilder text = new StringBuilder(event.getFormattedMessage());
            for (IThrowableProxy cause = event.getThrowableProxy(); cause != null; cause = cause.getCause()) {
                text.append(' ').append(cause.getMessage());
            }
            if (text.indexOf(TRUST_STORE_PASSWORD) >= 0) {
                leaks.add(event.getLoggerName() + ": " + text);
            }
        }
        return leaks;
    }
}
