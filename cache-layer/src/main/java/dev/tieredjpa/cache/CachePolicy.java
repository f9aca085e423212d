package dev.tieredjpa.cache;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An entity's default cache policy. Properties {@code tiered-cache.entity.<EntityName>.<setting>} override
 * each element (see {@link EntityPolicy} for the settings and their defaults). Elements left at their
 * default value take the global default.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface CachePolicy {

    WritePolicy write() default WritePolicy.WRITE_THROUGH;

    /** L1 time to live, e.g. {@code "5m"}; empty: the global default. */
    String l1Ttl() default "";

    /** L1 entries; 0: the global default. */
    long l1MaxEntries() default 0;

    /** L2 time to live; empty: the global default. */
    String l2Ttl() default "";

    /** How long a write-behind change may wait before it is flushed; empty: 500ms. */
    String writeBehindDelay() default "";

    /** Records per write-behind batch; 0: 100. */
    int batchSize() default 0;

    /** Attempts before a write-behind record goes to the dead-letter stream; 0: 5. */
    int maxRetries() default 0;

    /** Records the write-behind queue may hold before new writes are refused; 0: 100000. */
    long maxQueueLength() default 0;

    /** When a write-behind write counts as acknowledged: on a replica (the default) or in Redis's memory. */
    WriteBehindDurability writeBehindDurability() default WriteBehindDurability.REPLICA;

    /** XFetch early refresh: its beta (1 is the usual value); 0: off. */
    double earlyRefreshBeta() default 0;

    /** Stale-if-error: how long past its expiry a value may be served when its reload fails, e.g. {@code "5m"}; empty: off. */
    String staleIfError() default "";

    /** Negative cache: how long "no such row" is remembered in L2, e.g. {@code "30s"}; empty: off. */
    String negativeTtl() default "";
}
