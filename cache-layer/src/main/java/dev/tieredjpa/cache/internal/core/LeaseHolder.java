package dev.tieredjpa.cache.internal.core;

/**
 * Where a reader keeps the leases Redis granted it on a miss, until it puts what it loaded. The Hibernate
 * face keeps them per session; the direct face per call.
 */
public interface LeaseHolder {

    void granted(String region, TieredKey key, String token);

    /** The lease for this key, removed; null when none was granted. */
    String take(String region, TieredKey key);

    /** For callers that never put what they read. */
    LeaseHolder NONE = new LeaseHolder() {
        @Override
        public void granted(String region, TieredKey key, String token) {
        }

        @Override
        public String take(String region, TieredKey key) {
            return null;
        }
    };
}
