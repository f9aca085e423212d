package dev.tieredjpa.cache.internal.bus;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * One change, as published to every node: "in {@code region}, the entry {@code keyText} is now at
 * {@code version} or newer: drop older copies" (version -1: drop any copy), or "the whole region was
 * cleared". A removal at version v is sent as v + 1: v itself is dead too.
 *
 * <p>{@code sentAtMicros} is the sender's wall clock when it made the message, in microseconds since the
 * epoch (-1: unknown), so that the receiver can tell how long the message took to reach it. That is only
 * as exact as the two nodes' clocks agree: on one machine they are one clock; across machines NTP skew
 * (commonly up to a few milliseconds) adds to or hides delay.
 *
 * <p>On the wire: a format byte, the kind, the origin node, the region, the key, the version and (format 2)
 * the send time, written with {@link DataOutputStream}; nothing but these strings and numbers is ever read
 * back. Format 1 messages, from nodes that do not send their time yet, are still read (time unknown).
 */
public record Invalidation(Kind kind, String origin, String region, String keyText, long version, long sentAtMicros) {

    /**
     * What changed. {@code FILLED} is no change: a reader's load of the key landed in L2, and readers on
     * other nodes that wait for it may read it now. {@code LOCKED}: a writer locked the key in L2 before its
     * database write, and its {@code version} is the first the write may make live: drop older copies now,
     * in case the writer dies after its commit and never says so (published by the lock script itself).
     * Kinds are added at the end only: a node that does not know a kind ignores the message as malformed.
     */
    public enum Kind { KEY, REGION, FILLED, LOCKED }

    /** The format this node writes: format 1 plus the send time. */
    private static final byte FORMAT = 2;
    /** The format before the send time; still read. */
    private static final byte FORMAT_WITHOUT_TIME = 1;

    /** A change of one key, sent now. */
    public static Invalidation key(String origin, String region, String keyText, long version) {
        return new Invalidation(Kind.KEY, origin, region, keyText, version, nowMicros());
    }

    /** A load of one key landed in L2, sent now. */
    public static Invalidation filled(String origin, String region, String keyText) {
        return new Invalidation(Kind.FILLED, origin, region, keyText, -1, nowMicros());
    }

    /** A writer locked one key; copies older than {@code lowestLive} must go. Sent now. */
    public static Invalidation locked(String origin, String region, String keyText, long lowestLive) {
        return new Invalidation(Kind.LOCKED, origin, region, keyText, lowestLive, nowMicros());
    }

    /** The whole region was cleared, sent now. */
    public static Invalidation region(String origin, String region) {
        return new Invalidation(Kind.REGION, origin, region, "", -1, nowMicros());
    }

    /** This message with another send time (the bus stamps each message uniquely, see InvalidationBus). */
    public Invalidation sentAt(long micros) {
        return new Invalidation(kind, origin, region, keyText, version, micros);
    }

    /** This machine's wall clock in microseconds since the epoch. */
    public static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + keyText.length());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeByte(kind.ordinal());
            out.writeUTF(origin);
            out.writeUTF(region);
            out.writeUTF(keyText);
            out.writeLong(version);
            out.writeLong(sentAtMicros);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Reads a message; throws {@link IllegalArgumentException} for anything that is not one. */
    public static Invalidation decode(byte[] message) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(message))) {
            byte format = in.readByte();
            if (format != FORMAT && format != FORMAT_WITHOUT_TIME) {
                throw new IllegalArgumentException("not an invalidation message of format " + FORMAT_WITHOUT_TIME
                        + " or " + FORMAT + ", but of " + format);
            }
            int kind = in.readByte();
            if (kind < 0 || kind >= Kind.values().length) {
                throw new IllegalArgumentException("unknown invalidation kind " + kind);
            }
            Kind kindRead = Kind.values()[kind];
            String origin = in.readUTF();
            String region = in.readUTF();
            String keyText = in.readUTF();
            long version = in.readLong();
            long sentAtMicros = format == FORMAT ? in.readLong() : -1;
            Invalidation invalidation = new Invalidation(kindRead, origin, region, keyText, version, sentAtMicros);
            if (in.available() > 0) {
                throw new IllegalArgumentException("trailing bytes after an invalidation message");
            }
            return invalidation;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated invalidation message", e);
        }
    }
}
