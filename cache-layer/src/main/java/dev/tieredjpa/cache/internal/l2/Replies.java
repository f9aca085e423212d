package dev.tieredjpa.cache.internal.l2;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the scripts' raw replies into values, and values into the scripts' raw arguments: the one place
 * that knows the wire shapes described in {@link EntryScripts}. Bulk replies arrive as {@code byte[]}
 * ({@code ByteArrayCodec}), integer replies as {@code Long}.
 */
final class Replies {

    private Replies() {
    }

    /** A version as the scripts compare it: canonical decimal, every negative version as {@code "-1"}. */
    static byte[] version(long version) {
        return ascii(version < 0 ? "-1" : Long.toString(version));
    }

    static byte[] millis(long millis) {
        return ascii(Long.toString(millis));
    }

    /** A token, or {@code ""} for none: the scripts read an empty token as "no token". */
    static byte[] token(String token) {
        return token == null ? new byte[0] : token.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Whether the script repaired its entry (see {@link EntryScripts#REPAIRED}): the flag on an integer reply,
     * or on a list reply's first element.
     */
    static boolean repaired(Object reply) {
        Object code = reply instanceof List<?> list && !list.isEmpty() ? list.get(0) : reply;
        return (code instanceof Long || code instanceof Integer) && (((Number) code).longValue() & EntryScripts.REPAIRED) != 0;
    }

    /** A reply's code without the {@link EntryScripts#REPAIRED} flag. */
    static long code(Object value, String script) {
        return integer(value, script) & ~(long) EntryScripts.REPAIRED;
    }

    static Lookup lookup(Object reply) {
        List<?> list = list(reply, "get");
        int code = (int) code(list.get(0), "get");
        return switch (code) {
            case EntryScripts.HIT -> new Lookup.Hit(decimal(list.get(1), "get"), bytes(list.get(2), "get"),
                    optionalDecimal(list.get(3)), optionalDecimal(list.get(4)), integer(list.get(5), "get") == 1);
            case EntryScripts.LOCKED -> new Lookup.Locked();
            case EntryScripts.MISS -> list.size() > 2
                    ? new Lookup.Miss(integer(list.get(1), "get") == 1, text(list.get(2), "get"), integer(list.get(3), "get"))
                    : new Lookup.Miss(false, null, 0);
            case EntryScripts.DELETED -> new Lookup.Deleted(decimal(list.get(1), "get"));
            case EntryScripts.EXPIRED -> new Lookup.Expired(decimal(list.get(1), "get"), bytes(list.get(2), "get"),
                    decimal(list.get(3), "get"), integer(list.get(4), "get") == 1, emptyAsNull(text(list.get(5), "get")),
                    integer(list.get(6), "get"));
            case EntryScripts.ABSENT -> new Lookup.Absent();
            default -> throw unexpected("get", reply);
        };
    }

    static boolean flag(Object reply, String script) {
        return code(reply, script) == 1;
    }

    static PutOutcome outcome(Object reply, String script) {
        return PutOutcome.ofCode(code(reply, script));
    }

    static EntrySnapshot snapshot(Object reply) {
        List<?> list = list(reply, "inspect");
        long now = integer(list.get(0), "inspect");
        long pttl = integer(list.get(1), "inspect");
        Long version = null;
        byte[] data = null;
        Long tombstoneVersion = null;
        Long tombstoneExpiresAt = null;
        String leaseToken = null;
        Long leaseExpiresAt = null;
        Long pendingVersion = null;
        boolean pendingDelete = false;
        Map<String, Long> locks = new HashMap<>();
        for (int i = 2; i + 1 < list.size(); i += 2) {
            String field = text(list.get(i), "inspect");
            Object value = list.get(i + 1);
            switch (field) {
                case "v" -> version = decimal(value, "inspect");
                case "d" -> data = bytes(value, "inspect");
                case "tv" -> tombstoneVersion = decimal(value, "inspect");
                case "te" -> tombstoneExpiresAt = decimal(value, "inspect");
                case "lt" -> leaseToken = text(value, "inspect");
                case "le" -> leaseExpiresAt = decimal(value, "inspect");
                case "p" -> pendingVersion = decimal(value, "inspect");
                case "pd" -> pendingDelete = true;
                default -> {
                    if (field.startsWith("l:")) {
                        locks.put(field.substring(2), decimal(value, "inspect"));
                    }
                }
            }
        }
        return new EntrySnapshot(now, pttl, version, data, tombstoneVersion, tombstoneExpiresAt,
                leaseToken, leaseExpiresAt, locks, pendingVersion, pendingDelete);
    }

    /** An optional decimal field: empty answers {@link Lookup#NONE}; so does one that is not a whole number. */
    private static long optionalDecimal(Object value) {
        if (!(value instanceof byte[] bytes) || bytes.length == 0) {
            return Lookup.NONE;
        }
        try {
            return Long.parseLong(new String(bytes, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return Lookup.NONE;
        }
    }

    private static String emptyAsNull(String text) {
        return text.isEmpty() ? null : text;
    }

    private static List<?> list(Object reply, String script) {
        if (reply instanceof List<?> list && !list.isEmpty()) {
            return list;
        }
        throw unexpected(script, reply);
    }

    private static long integer(Object value, String script) {
        if (value instanceof Long number) {
            return number;
        }
        if (value instanceof Integer number) {
            return number;
        }
        throw unexpected(script, value);
    }

    private static byte[] bytes(Object value, String script) {
        if (value instanceof byte[] bytes) {
            return bytes;
        }
        throw unexpected(script, value);
    }

    private static String text(Object value, String script) {
        return new String(bytes(value, script), StandardCharsets.UTF_8);
    }

    private static long decimal(Object value, String script) {
        String text = new String(bytes(value, script), StandardCharsets.US_ASCII);
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("The " + script + " script answered a field that is not a decimal: " + text, e);
        }
    }

    private static IllegalStateException unexpected(String script, Object reply) {
        String shown = reply instanceof byte[] bytes ? bytes.length + " bytes" : String.valueOf(reply);
        return new IllegalStateException("Unexpected reply from the L2 " + script + " script: " + shown);
    }
}
