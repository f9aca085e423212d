package dev.tieredjpa.cache.internal.codec;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The read side of the codec's format over untrusted bytes. Every read checks the bytes it needs
 * against what remains, and every length is checked against the remaining bytes before anything
 * of that length is allocated, so hostile input can make the decoder allocate at most a small
 * multiple of its own size. Every failure is an {@link UndecodableValueException} naming the
 * offset. Not thread-safe: one per {@link CacheValueCodec#decode(byte[])} call.
 */
final class ByteSource {

    private final byte[] buf;
    private int pos;

    ByteSource(byte[] buf, int pos) {
        this.buf = buf;
        this.pos = pos;
    }

    int position() {
        return pos;
    }

    int remaining() {
        return buf.length - pos;
    }

    int readUnsignedByte(String what) {
        require(1, what);
        return buf[pos++] & 0xFF;
    }

    short readShort(String what) {
        require(2, what);
        int v = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
        pos += 2;
        return (short) v;
    }

    char readChar(String what) {
        return (char) readShort(what);
    }

    int readInt(String what) {
        require(4, what);
        int v = ((buf[pos] & 0xFF) << 24) | ((buf[pos + 1] & 0xFF) << 16)
                | ((buf[pos + 2] & 0xFF) << 8) | (buf[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    long readLong(String what) {
        long high = readInt(what) & 0xFFFFFFFFL;
        long low = readInt(what) & 0xFFFFFFFFL;
        return (high << 32) | low;
    }

    /** Unsigned LEB128 of at most 5 bytes; refuses overlong forms and values above 2^32 - 1. */
    int readVarInt(String what) {
        int start = pos;
        long value = readVarLongRaw(what, 5);
        if ((value >>> 32) != 0) {
            throw error(start, what + " varint overflows 32 bits");
        }
        return (int) value;
    }

    long readVarLong(String what) {
        return readVarLongRaw(what, 10);
    }

    int readZigZagInt(String what) {
        int raw = readVarInt(what);
        return (raw >>> 1) ^ -(raw & 1);
    }

    long readZigZagLong(String what) {
        long raw = readVarLong(what);
        return (raw >>> 1) ^ -(raw & 1);
    }

    /**
     * Reads a count of items that each take at least {@code minBytesPerItem} bytes, and refuses it
     * unless that many bytes remain: the bound that keeps allocation proportional to the input.
     */
    int readLength(String what, int minBytesPerItem) {
        int start = pos;
        int length = readVarInt(what + " length");
        if (length < 0 || (long) length * minBytesPerItem > remaining()) {
            throw error(start, "truncated input or corrupt length: " + what + " length "
                    + Integer.toUnsignedString(length) + " exceeds the " + remaining() + " remaining bytes");
        }
        return length;
    }

    byte[] readBytes(int length, String what) {
        require(length, what);
        byte[] out = new byte[length];
        System.arraycopy(buf, pos, out, 0, length);
        pos += length;
        return out;
    }

    /** A UTF-8 string: varint byte length then the bytes; malformed UTF-8 is refused, not replaced. */
    String readUtf8(String what) {
        int length = readLength(what, 1);
        int start = pos;
        boolean ascii = true;
        for (int i = start, end = start + length; i < end; i++) {
            if (buf[i] < 0) {
                ascii = false;
                break;
            }
        }
        String s;
        if (ascii) {
            s = new String(buf, start, length, StandardCharsets.ISO_8859_1);
        } else {
            try {
                s = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(buf, start, length))
                        .toString();
            } catch (CharacterCodingException e) {
                throw new UndecodableValueException(
                        "malformed UTF-8 in " + what + " at offset " + start, e);
            }
        }
        pos += length;
        return s;
    }

    UndecodableValueException error(int offset, String message) {
        return new UndecodableValueException(message + " (at offset " + offset + ")");
    }

    private long readVarLongRaw(String what, int maxBytes) {
        int start = pos;
        long value = 0;
        for (int i = 0; i < maxBytes; i++) {
            if (pos >= buf.length) {
                throw error(start, "truncated input: " + what + " varint runs past the end");
            }
            int b = buf[pos++] & 0xFF;
            if (i == maxBytes - 1 && maxBytes == 10 && (b & 0xFE) != 0) {
                throw error(start, what + " varint overflows 64 bits");
            }
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw error(start, what + " varint is not in its shortest form");
                }
                return value;
            }
        }
        throw error(start, what + " varint is longer than " + maxBytes + " bytes");
    }

    private void require(int n, String what) {
        if (remaining() < n) {
            throw error(pos, "truncated input: " + what + " needs " + n + " bytes but only "
                    + remaining() + " remain");
        }
    }
}
