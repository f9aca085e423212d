package dev.tieredjpa.cache.internal.bus;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One change, as published to every node: "in {@code region}, the entry {@code keyText} is now at
 * {@code version} or newer: drop older copies" (version -1: drop any copy), or "the whole region was
 * cleared". A removal at version v is sent as v + 1: v itself is dead too.
 *
 * <p>On the wire: a format byte, the kind, the origin node, the region, the key and the version, written
 * with {@link DataOutputStream}; nothing but these strings and numbers is ever read back.
 */
public record Invalidation(Kind kind, String origin, String region, String keyText, long version) {

    /**
     * What changed. {@code FILLED} is no change: a reader's load of the key landed in L2, and readers on
     * other nodes that wait for it may read it now.
     */
    public enum Kind { KEY, REGION, FILLED }

    private static final byte FORMAT = 1;

    public static Invalidation key(String origin, String region, String keyText, long version) {
        return new Invalidation(Kind.KEY, origin, region, keyText, version);
    }

    public static Invalidation filled(String origin, String region, String keyText) {
        return new Invalidation(Kind.FILLED, origin, region, keyText, -1);
    }

    public static Invalidation region(String origin, String region) {
        return new Invalidation(Kind.REGION, origin, region, "", -1);
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
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Reads a message; throws {@link IllegalArgumentException} for anything that is not one. */
    public static Invalidation decode(byte[] message) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(message))) {
            if (in.readByte() != FORMAT) {
                throw new IllegalArgumentException("not an invalidation message of format " + FORMAT);
            }
            int kind = in.readByte();
            if (kind < 0 || kind >= Kind.values().length) {
                throw new IllegalArgumentException("unknown invalidation kind " + kind);
            }
            Invalidation invalidation = new Invalidation(Kind.values()[kind], in.readUTF(), in.readUTF(), in.readUTF(), in.readLong());
            if (in.available() > 0) {
                throw new IllegalArgumentException("trailing bytes after an invalidation message");
            }
            return invalidation;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated invalidation message", e);
        }
    }
}
