package dev.tieredjpa.cache;

import java.nio.charset.StandardCharsets;

/**
 * How a direct-face cache turns its values into bytes for Redis and back. {@link #decode} must build only
 * the value type, and throw for bytes it does not recognise: the cache then counts a miss.
 */
public interface ValueFormat<V> {

    byte[] encode(V value);

    V decode(byte[] bytes);

    /** Strings as UTF-8 (undecodable bytes are refused, not replaced). */
    static ValueFormat<String> utf8() {
        return new ValueFormat<>() {
            @Override
            public byte[] encode(String value) {
                return value.getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public String decode(byte[] bytes) {
                try {
                    return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
                } catch (java.nio.charset.CharacterCodingException e) {
                    throw new IllegalArgumentException("not UTF-8 text", e);
                }
            }
        };
    }

    /** Raw bytes, as they are. */
    static ValueFormat<byte[]> bytes() {
        return new ValueFormat<>() {
            @Override
            public byte[] encode(byte[] value) {
                return value.clone();
            }

            @Override
            public byte[] decode(byte[] bytes) {
                return bytes;
            }
        };
    }
}
