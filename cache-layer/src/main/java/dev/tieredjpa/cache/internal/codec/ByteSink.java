package dev.tieredjpa.cache.internal.codec;

import java.util.Arrays;

/**
 * A growable big-endian byte buffer with LEB128 varints, the write side of the codec's format.
 * Not thread-safe: one per {@link CacheValueCodec#encode(Object)} call.
 */
final class ByteSink {

    private byte[] buf;
    private int size;

    ByteSink(int initialCapacity) {
        buf = new byte[initialCapacity];
    }

    void writeByte(int b) {
        ensure(1);
        buf[size++] = (byte) b;
    }

    void writeShort(int v) {
        ensure(2);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
    }

    void writeInt(int v) {
        ensure(4);
        buf[size++] = (byte) (v >>> 24);
        buf[size++] = (byte) (v >>> 16);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
    }

    void writeLong(long v) {
        writeInt((int) (v >>> 32));
        writeInt((int) v);
    }

    /** Unsigned LEB128: seven bits a byte, low bits first, high bit set on all but the last byte. */
    void writeVarInt(int v) {
        ensure(5);
        while ((v & ~0x7F) != 0) {
            buf[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[size++] = (byte) v;
    }

    void writeVarLong(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[size++] = (byte) v;
    }

    /** ZigZag then LEB128, so small negative numbers stay short. */
    void writeZigZagInt(int v) {
        writeVarInt((v << 1) ^ (v >> 31));
    }

    void writeZigZagLong(long v) {
        writeVarLong((v << 1) ^ (v >> 63));
    }

    void writeBytes(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, size, bytes.length);
        size += bytes.length;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    private void ensure(int extra) {
        if (buf.length - size >= extra) {
            return;
        }
        long needed = (long) size + extra;
        if (needed > Integer.MAX_VALUE - 8) {
            throw new UnencodableValueException("the encoded value would exceed 2 GiB");
        }
        int newCapacity = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(needed, 2L * buf.length));
        buf = Arrays.copyOf(buf, newCapacity);
    }
}
