package dev.tieredjpa.cache.internal.core;

import java.util.Objects;

/**
 * A cache key: its text (what names it in Redis and in invalidation messages) and, for the Hibernate face,
 * the id it was made from. Equal by text alone, so that a key rebuilt from a message finds the L1 entry.
 */
public final class TieredKey {

    private final String text;
    private final Object id;
    private final int hash;

    public TieredKey(String text, Object id) {
        this.text = Objects.requireNonNull(text, "text");
        this.id = id;
        this.hash = text.hashCode();
    }

    /** A key rebuilt from its text, for lookups by text (invalidation messages). */
    public static TieredKey ofText(String text) {
        return new TieredKey(text, null);
    }

    public String text() {
        return text;
    }

    /** The entity id, collection owner id or natural-id values this key was made from (null when rebuilt from text). */
    public Object id() {
        return id;
    }

    @Override
    public boolean equals(Object other) {
        return this == other || (other instanceof TieredKey that && hash == that.hash && text.equals(that.text));
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return text;
    }
}
