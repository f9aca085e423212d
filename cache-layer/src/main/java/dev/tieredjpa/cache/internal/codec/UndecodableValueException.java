package dev.tieredjpa.cache.internal.codec;

/**
 * Thrown by {@link CacheValueCodec#decode(byte[])} when bytes read from L2 are not a value this
 * region may hold: garbage, a foreign format (Java serialization included), truncated or trailing
 * input, an unknown format version or tag, a type the region's {@link CodecSchema} does not allow,
 * or an entry written under a different schema fingerprint.
 *
 * <p>The caller treats it as a cache miss: it removes the key, counts the failure and loads from
 * the next tier. The message says what was wrong and, where it helps, at which byte offset.
 */
public final class UndecodableValueException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public UndecodableValueException(String message) {
        super(message);
    }

    public UndecodableValueException(String message, Throwable cause) {
        super(message, cause);
    }
}
