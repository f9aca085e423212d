package dev.tieredjpa.cache.internal.core;

/**
 * Turns a region's values into the bytes stored in Redis and back. {@link #decode} must only ever build
 * the types the region declared, and throw for anything else: the caller treats that as a miss.
 */
public interface ValueCodec {

    byte[] encode(Object value);

    Object decode(byte[] bytes);
}
