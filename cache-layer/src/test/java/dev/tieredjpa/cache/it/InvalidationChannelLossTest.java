package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tieredjpa.cache.RedissonClients;
import dev.tieredjpa.testsupport.TestRedis;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * Promise 3 leans on the invalidation channel: pub/sub delivers at most once, and the bus clears L1 when its
 * subscription is re-established, the one moment it knows messages may have been lost. So a client that
 * stays subscribed must hear every message. This test publishes a steady stream (8 publishers, 60,000
 * messages, a few seconds) through clients made exactly as the cache layer makes them
 * ({@link RedissonClients#forUrl}), both subscribed as two nodes are, and checks that each heard every message.
 *
 * <p>Fails today, nearly every run, by one message or two, with no reconnect and so no L1 clear: the clients
 * PING their connections every second ({@code setPingConnectionInterval(1_000)} in {@code RedissonClients}),
 * and with pings on, Redisson 4.7.0 now and then drops a message on a subscribed connection, logging nothing (the symptom of
 * redisson/redisson#1497, fixed there in 2018). With the interval set to 0 the same test passed every time
 * (and a plain-Redisson version of it lost nothing in 300,000 messages, against 5 lost with pings on).
 * {@link TwoNodeStressTest} meets it as "the invalidation of ... never reached node X".
 */
class InvalidationChannelLossTest {

    private static final int PUBLISHERS = 8;
    private static final int MESSAGES = 60_000;

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void publish_steadyStreamWhileSubscribed_everyMessageDelivered() throws Exception {
        String url = TestRedis.endpoint().url();
        String channel = TestRedis.newKeyPrefix("channel-loss") + "invalidations";
        RedissonClient publisher = RedissonClients.forUrl(url, "loss-publisher");
        RedissonClient subscriber = RedissonClients.forUrl(url, "loss-subscriber");
        try {
            // Both clients subscribe, as both nodes of a service do (each hears its own messages too).
            Set<String> heard = ConcurrentHashMap.newKeySet();
            Set<String> heardByPublisher = ConcurrentHashMap.newKeySet();
            subscriber.getTopic(channel, ByteArrayCodec.INSTANCE)
                    .addListener(byte[].class, (c, message) -> heard.add(new String(message, StandardCharsets.US_ASCII)));
            RTopic topic = publisher.getTopic(channel, ByteArrayCodec.INSTANCE);
            topic.addListener(byte[].class, (c, message) -> heardByPublisher.add(new String(message, StandardCharsets.US_ASCII)));
            Awaitility.await("subscribed").atMost(Duration.ofSeconds(10)).until(() -> topic.countSubscribers() >= 2);

            AtomicLong published = new AtomicLong();
            ExecutorService publishers = Executors.newFixedThreadPool(PUBLISHERS);
            for (int p = 0; p < PUBLISHERS; p++) {
                int first = p;
                publishers.submit(() -> {
                    for (int i = first; i < MESSAGES; i += PUBLISHERS) {
                        topic.publish(("m" + i).getBytes(StandardCharsets.US_ASCII));
                        published.incrementAndGet();
                        if (i % 50 == 0) {
                            sleepOneMillisecond();
                        }
                    }
                });
            }
            publishers.shutdown();
            assertThat(publishers.awaitTermination(90, TimeUnit.SECONDS)).isTrue();
            assertThat(published.get()).isEqualTo(MESSAGES);

            try {
                Awaitility.await().atMost(Duration.ofSeconds(5))
                        .until(() -> heard.size() == MESSAGES && heardByPublisher.size() == MESSAGES);
            } catch (ConditionTimeoutException e) {
                // asserted below, naming each message lost
            }
            List<String> lost = IntStream.range(0, MESSAGES).mapToObj(i -> "m" + i)
                    .filter(m -> !heard.contains(m) || !heardByPublisher.contains(m))
                    .map(m -> m + (heard.contains(m) ? "" : " (subscriber)") + (heardByPublisher.contains(m) ? "" : " (publisher)"))
                    .toList();
            assertThat(lost).as("messages published while both clients stayed subscribed that one never heard (of %d)",
                    MESSAGES).isEmpty();
        } finally {
            publisher.shutdown();
            subscriber.shutdown();
        }
    }

    private static void sleepOneMillisecond() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
