package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.tieredjpa.cache.TieredCacheConfig;
import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.testsupport.TestDatabases;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A Redis that requires authentication: the password of the default user, or an ACL user and its password,
 * given in {@code tiered-cache.redis.url}. Two nodes read and write through it; with a wrong password the
 * nodes still serve from the database. And nothing any of it logs, nor the settings' text, holds a secret.
 */
class RedisAuthTest {

    private static final String DEFAULT_PASSWORD = "default-s3cret-7f2c";
    private static final String ACL_USER = "orders-svc";
    private static final String ACL_PASSWORD = "acl-s3cret-91ad";

    private RedisProcess redis;
    private ListAppender<ILoggingEvent> logs;

    @BeforeEach
    void startRedisWithAuthAndCaptureLogs() {
        redis = RedisProcess.start();
        redis.command("ACL", "SETUSER", ACL_USER, "on", ">" + ACL_PASSWORD, "~*", "&*", "+@all");
        redis.command("CONFIG", "SET", "requirepass", DEFAULT_PASSWORD);
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    }

    @AfterEach
    void stop() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        redis.close();
        assertThat(secretsLogged()).as("log lines that hold a password").isEmpty();
    }

    @Test
    void defaultUsersPassword_inTheUrl_nodesShareL2() {
        String url = "redis://:" + DEFAULT_PASSWORD + "@127.0.0.1:" + redis.port();
        assertNodesShareL2(url);
        assertThat(TieredCacheConfig.fromProperties(Map.of(TieredCacheSettings.REDIS_URL, url)).toString())
                .doesNotContain(DEFAULT_PASSWORD).contains("***@");
    }

    @Test
    void aclUserAndPassword_inTheUrl_nodesShareL2() {
        String url = "redis://" + ACL_USER + ":" + ACL_PASSWORD + "@127.0.0.1:" + redis.port();
        assertNodesShareL2(url);
        assertThat(TieredCacheConfig.fromProperties(Map.of(TieredCacheSettings.REDIS_URL, url)).toString())
                .doesNotContain(ACL_PASSWORD);
    }

    @Test
    void wrongPassword_nodesServeFromTheDatabase_andTheLogSaysWhyWithoutThePassword() {
        String url = "redis://" + ACL_USER + ":wrong-" + ACL_PASSWORD + "@127.0.0.1:" + redis.port();
        try (Cluster cluster = Cluster.start(TestDatabases.Kind.H2, 1, url, Map.of())) {
            Rows.insertItems(cluster.dataSource(), 1);
            assertThat(cluster.node(0).find(Item.class, 1L).getName()).isEqualTo("item-1");
            assertThat(cluster.node(0).runtime().breaker().allowsCalls()).as("L2 is off").isFalse();
        }
        assertThat(logs.list).as("a warning about Redis").anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("Redis"));
    }

    private static void assertNodesShareL2(String url) {
        try (Cluster cluster = Cluster.start(TestDatabases.Kind.H2, 2, url, Map.of())) {
            Rows.insertItems(cluster.dataSource(), 1);
            assertThat(cluster.node(0).find(Item.class, 1L).getName()).isEqualTo("item-1");
            assertThat(cluster.node(1).find(Item.class, 1L).getName()).isEqualTo("item-1");
            assertThat(cluster.node(1).regionStats("items").l2Hits()).as("b read a's fill from L2").isEqualTo(1);
            cluster.node(0).inTransactionDo(em -> em.find(Item.class, 1L).setName("renamed"));
            assertThat(cluster.node(1).find(Item.class, 1L).getName()).isEqualTo("renamed");
            assertThat(cluster.node(0).regionStats("items").invalidationAckTimeouts()).isZero();
        }
    }

    private List<String> secretsLogged() {
        List<String> leaks = new ArrayList<>();
        for (ILoggingEvent event : logs.list) {
            StringBuilder text = new StringBuilder(event.getFormattedMessage());
            for (IThrowableProxy cause = event.getThrowableProxy(); cause != null; cause = cause.getCause()) {
                text.append(' ').append(cause.getMessage());
            }
            for (String secret : List.of(DEFAULT_PASSWORD, ACL_PASSWORD)) {
                if (text.indexOf(secret) >= 0) {
                    leaks.add(event.getLoggerName() + ": " + text);
                }
            }
        }
        return leaks;
    }
}
