package dev.tieredjpa.cache.internal.codec;

/**
 * Thrown by {@link CacheValueCodec#encode(Object)} for a value outside the codec's closed set of
 * types, or one the region's {@link CodecSchema} does not allow (an enum class or entity it does
 * not name). The message names the offending class, where in the value it sits (for example
 * {@code state[3][0]}) and, for the Hibernate options that produce such values, which setting to
 * change.
 *
 * <p>The caller does not store the value in L2 (it is a programming or configuration error, not a
 * cache failure to retry).
 */
public final class UnencodableValueException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String reason;
    private String path = "";

    public UnencodableValueException(String message) {
        super(message);
        this.reason = message;
    }

    /**
     * Prepends one step of the path to the offending value (an index like {@code [3]} or a field
     * like {@code state}) as the exception travels out of a nested value.
     */
    UnencodableValueException at(String step) {
        path = path.isEmpty() || path.startsWith("[") ? step + path : step + "." + path;
        return this;
    }

    @Override
    public String getMessage() {
        return path.isEmpty() ? reason : "at " + path + ": " + reason;
    }
}
