package dev.tieredjpa.cache.internal.core;

/**
 * Where a reader keeps its {@link LoadTicket}s — the leases Redis granted it on a miss, and the rest of
 * what it needs to finish the load — until it puts what it loaded. The Hibernate face keeps them per
 * session; the direct face per call.
 */
public interface LeaseHolder {

    void hold(String region, TieredKey key, LoadTicket ticket);

    /** The ticket for this key, removed; null when there is none. */
    LoadTicket take(String region, TieredKey key);

    /** The ticket for this key, left in place; null when there is none. */
    LoadTicket find(String region, TieredKey key);

    /** For callers that never put what they read: no lease is taken for them, and they never wait. */
    LeaseHolder NONE = new LeaseHolder() {
        @Override
        public void hold(String region, TieredKey key, LoadTicket ticket) {
        }

        @Override
        public LoadTicket take(String region, TieredKey key) {
            return null;
        }

        @Override
        public LoadTicket find(String region, TieredKey key) {
            return null;
        }
    };
}
