package dev.tieredjpa.cache.internal.bus;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.api.listener.BaseStatusListener;
import org.redisson.client.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells every node of the service about changes, over one Redis pub/sub channel.
 *
 * <p>Pub/sub delivers at most once: a node that is not subscribed when a message goes out never gets it.
 * So the bus also reports every <em>re</em>-subscription (after a dropped connection or a Redis restart)
 * to its listener, which must then assume it missed messages and clear its L1. A node's own messages come
 * back to it and are ignored by origin.
 */
public final class InvalidationBus implements AutoCloseable {

    /** What a node does with what it hears. */
    public interface Listener {
        void onInvalidation(Invalidation invalidation);

        /** The subscription was lost and is back: messages may have been missed. */
        void onResubscribed();
    }

    private static final Logger log = LoggerFactory.getLogger(InvalidationBus.class);

    private final RTopic topic;
    private final String origin;
    private final Listener listener;
    private final AtomicInteger subscriptions = new AtomicInteger();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private volatile int messageListenerId = -1;
    private volatile int statusListenerId = -1;

    public InvalidationBus(RedissonClient redisson, String channel, String origin, Listener listener) {
        this.topic = redisson.getTopic(channel, ByteArrayCodec.INSTANCE);
        this.origin = origin;
        this.listener = listener;
    }

    /** Subscribes; throws if Redis cannot be reached (the caller retries when Redis is back). */
    public synchronized void start() {
        if (statusListenerId < 0) {
            statusListenerId = topic.addListener(new BaseStatusListener() {
                @Override
                public void onSubscribe(String channel) {
                    if (subscriptions.incrementAndGet() > 1) {
                        log.info("Invalidation channel {} subscribed again: clearing L1, messages may have been missed", channel);
                        listener.onResubscribed();
                    }
                }
            });
        }
        if (messageListenerId < 0) {
            messageListenerId = topic.addListener(byte[].class, (channel, message) -> receive(message));
        }
    }

    public boolean isStarted() {
        return messageListenerId >= 0;
    }

    /** Publishes to every node; throws when Redis cannot take it (the caller keeps it to replay). */
    public void publish(Invalidation invalidation) {
        topic.publish(invalidation.encode());
    }

    /** Publishes without waiting for Redis's answer (for hints, such as "a load landed", that may be lost). */
    public void publishAsync(Invalidation invalidation) {
        topic.publishAsync(invalidation.encode());
    }

    public String origin() {
        return origin;
    }

    public long received() {
        return received.get();
    }

    public long malformed() {
        return malformed.get();
    }

    private void receive(byte[] message) {
        Invalidation invalidation;
        try {
            invalidation = Invalidation.decode(message);
        } catch (IllegalArgumentException e) {
            if (malformed.incrementAndGet() == 1) {
                log.warn("Ignoring a malformed message on the invalidation channel: {}", e.getMessage());
            }
            return;
        }
        if (!origin.equals(invalidation.origin())) {
            received.incrementAndGet();
            listener.onInvalidation(invalidation);
        }
    }

    @Override
    public synchronized void close() {
        try {
            topic.removeAllListeners();
        } catch (RuntimeException e) {
            log.debug("Could not unsubscribe from the invalidation channel", e);
        }
    }
}
