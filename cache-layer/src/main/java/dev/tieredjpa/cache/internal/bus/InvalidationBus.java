package dev.tieredjpa.cache.internal.bus;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.api.listener.BaseStatusListener;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.LongCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells every node of the service about changes, over one Redis pub/sub channel.
 *
 * <p>Pub/sub delivers at most once: a node that is not subscribed when a message goes out never gets it.
 * So the bus also reports every <em>re</em>-subscription (after a dropped connection or a Redis restart)
 * to its listener, which must then assume it missed messages and clear its L1. A node's own messages come
 * back to it and are ignored by origin.
 *
 * <p>A change is <em>confirmed</em>: every node that hears it answers on the sender's own acknowledgement
 * channel once it has dropped its old copies, and {@link #publish} waits (up to the ack timeout) until as
 * many answers have come as Redis says it delivered the message to. The sender's own copy counts as its
 * answer, so that a sender whose subscription is down waits for exactly the others. So when a write
 * returns, no node that heard it still serves the old value from L1. A subscriber that never answers (a
 * node of an older version, a stalled node, a {@code redis-cli SUBSCRIBE}) costs each write the timeout.
 */
public final class InvalidationBus implements AutoCloseable {

    /** What a node does with what it hears. */
    public interface Listener {
        void onInvalidation(Invalidation invalidation);

        /** The subscription was lost and is back: messages may have been missed. */
        void onResubscribed();
    }

    private static final Logger log = LoggerFactory.getLogger(InvalidationBus.class);

    private final RedissonClient redisson;
    private final String channel;
    private final RTopic topic;
    private final RTopic ownAcknowledgements;
    private final ConcurrentHashMap<String, RTopic> acknowledgementTopics = new ConcurrentHashMap<>();
    private final Acknowledgements acknowledgements = new Acknowledgements();
    private final long ackTimeoutNanos;
    private final AtomicLong lastStamp = new AtomicLong();
    private final String origin;
    private final Listener listener;
    private final AtomicInteger subscriptions = new AtomicInteger();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private volatile int messageListenerId = -1;
    private volatile int statusListenerId = -1;
    private volatile int acknowledgementListenerId = -1;

    /**
     * @param ackTimeout how long {@link #publish} waits for the other nodes' confirmations; zero: it does not
     */
    public InvalidationBus(RedissonClient redisson, String channel, String origin, Duration ackTimeout, Listener listener) {
        this.redisson = redisson;
        this.channel = channel;
        this.topic = redisson.getTopic(channel, ByteArrayCodec.INSTANCE);
        this.ownAcknowledgements = acknowledgementTopic(origin);
        this.ackTimeoutNanos = ackTimeout.toNanos();
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
        if (acknowledgementListenerId < 0 && ackTimeoutNanos > 0) {
            acknowledgementListenerId = ownAcknowledgements.addListener(Long.class,
                    (channel, stamp) -> acknowledgements.confirmed(stamp));
        }
        if (messageListenerId < 0) {
            messageListenerId = topic.addListener(byte[].class, (channel, message) -> receive(message));
        }
    }

    public boolean isStarted() {
        return messageListenerId >= 0;
    }

    /**
     * Publishes to every node and waits for their confirmations; throws when Redis cannot take it (the
     * caller keeps it to replay).
     *
     * @return false if some node did not confirm within the ack timeout
     */
    public boolean publish(Invalidation invalidation) {
        Invalidation stamped = invalidation.sentAt(nextStamp());
        if (ackTimeoutNanos == 0 || acknowledgementListenerId < 0) {
            topic.publish(stamped.encode());
            return true;
        }
        Acknowledgements.Waiter waiter = acknowledgements.expect(stamped.sentAtMicros());
        try {
            long delivered = topic.publish(stamped.encode());
            return waiter.await(delivered, ackTimeoutNanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            acknowledgements.forget(stamped.sentAtMicros());
        }
    }

    /** Publishes without waiting for Redis's answer (for hints, such as "a load landed", that may be lost). */
    public void publishAsync(Invalidation invalidation) {
        topic.publishAsync(invalidation.sentAt(nextStamp()).encode());
    }

    /** The sender's clock in microseconds, made unique per node: it names the message in confirmations. */
    private long nextStamp() {
        long now = Invalidation.nowMicros();
        return lastStamp.accumulateAndGet(now, (last, candidate) -> Math.max(last + 1, candidate));
    }

    private RTopic acknowledgementTopic(String node) {
        return redisson.getTopic(channel + ":acks:" + node, LongCodec.INSTANCE);
    }

    public String origin() {
        return origin;
    }

    /** The pub/sub channel, for scripts that publish on it themselves. */
    public String channel() {
        return channel;
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
        // Hints (a fill landed, a key was locked) are not waited for: only changes are confirmed.
        boolean confirmable = (invalidation.kind() == Invalidation.Kind.KEY || invalidation.kind() == Invalidation.Kind.REGION)
                && invalidation.sentAtMicros() > 0;
        if (origin.equals(invalidation.origin())) {
            if (confirmable) {
                acknowledgements.confirmed(invalidation.sentAtMicros());
            }
            return;
        }
        received.incrementAndGet();
        listener.onInvalidation(invalidation);
        if (confirmable) {
            // Only now, with the old copies gone, may the writer return.
            acknowledgementTopics.computeIfAbsent(invalidation.origin(), this::acknowledgementTopic)
                    .publishAsync(invalidation.sentAtMicros());
        }
    }

    @Override
    public synchronized void close() {
        try {
            topic.removeAllListeners();
            ownAcknowledgements.removeAllListeners();
        } catch (RuntimeException e) {
            log.debug("Could not unsubscribe from the invalidation channel", e);
        }
    }
}
