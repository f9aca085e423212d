package dev.tieredjpa.cache;

import static dev.tieredjpa.cache.TieredCacheSettings.*;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tiered cache's settings, immutable, read from properties named in {@link TieredCacheSettings}.
 * Every value is checked as it is read; an unknown {@code tiered-cache.*} key or a bad value stops
 * start-up with a message naming the key, the rule and the value.
 */
public final class TieredCacheConfig {

    private static final Set<String> KNOWN_KEYS = knownKeys();
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");

    private final String redisUrl;
    private final String redisConfigFile;
    private final String keyPrefix;
    private final String ehcacheConfig;
    private final long l1MaxEntries;
    private final Duration l1Ttl;
    private final Duration l1DegradedTtl;
    private final Duration l2Ttl;
    private final Duration tombstoneTtl;
    private final Duration leaseTtl;
    private final Duration leaseWait;
    private final Duration lockTtl;
    private final int breakerFailureThreshold;
    private final Duration breakerOpenDuration;
    private final int pendingInvalidationsMax;
    private final Duration queryClockSkewAllowance;
    private final Duration invalidationAckTimeout;
    private final Duration writeBehindReplicaWait;
    private final String nodeName;

    private TieredCacheConfig(Reader in) {
        this.redisUrl = in.text(REDIS_URL, null);
        this.redisConfigFile = in.text(REDIS_CONFIG_FILE, null);
        this.keyPrefix = in.text(KEY_PREFIX, "tiered-cache:");
        this.ehcacheConfig = in.text(EHCACHE_CONFIG, null);
        this.l1MaxEntries = in.positiveLong(L1_MAX_ENTRIES, 10_000);
        this.l1Ttl = in.positiveDuration(L1_TTL, Duration.ofMinutes(10));
        this.l1DegradedTtl = in.positiveDuration(L1_DEGRADED_TTL, Duration.ofSeconds(2));
        this.l2Ttl = in.positiveDuration(L2_TTL, Duration.ofHours(1));
        this.tombstoneTtl = in.positiveDuration(TOMBSTONE_TTL, Duration.ofSeconds(60));
        this.leaseTtl = in.positiveDuration(LEASE_TTL, Duration.ofSeconds(10));
        this.leaseWait = in.positiveDuration(LEASE_WAIT, leaseTtl.plusSeconds(1));
        this.lockTtl = in.positiveDuration(LOCK_TTL, Duration.ofSeconds(30));
        this.breakerFailureThreshold = (int) in.positiveLong(BREAKER_FAILURE_THRESHOLD, 3);
        this.breakerOpenDuration = in.positiveDuration(BREAKER_OPEN_DURATION, Duration.ofSeconds(1));
        this.pendingInvalidationsMax = (int) in.positiveLong(PENDING_INVALIDATIONS_MAX, 10_000);
        this.queryClockSkewAllowance = in.duration(QUERY_CLOCK_SKEW_ALLOWANCE, Duration.ofMillis(100));
        this.invalidationAckTimeout = in.duration(INVALIDATION_ACK_TIMEOUT, Duration.ofMillis(100));
        this.writeBehindReplicaWait = in.positiveDuration(WRITE_BEHIND_REPLICA_WAIT, Duration.ofMillis(100));
        this.nodeName = in.text(NODE_NAME, UUID.randomUUID().toString().substring(0, 8));
        if (redisUrl == null && redisConfigFile == null) {
            throw new IllegalArgumentException(REDIS_URL + " or " + REDIS_CONFIG_FILE + " must be set to reach the L2 Redis");
        }
        if (redisUrl != null && !redisUrl.startsWith("redis://") && !redisUrl.startsWith("rediss://")) {
            throw new IllegalArgumentException(REDIS_URL + " must start with redis:// or rediss://, but was " + redisUrl);
        }
        if (keyPrefix.isEmpty()) {
            throw new IllegalArgumentException(KEY_PREFIX + " must not be empty: it keeps services that share a Redis apart");
        }
        if (tombstoneTtl.compareTo(leaseTtl) < 0) {
            throw new IllegalArgumentException(TOMBSTONE_TTL + " (" + tombstoneTtl + ") must be at least " + LEASE_TTL
                    + " (" + leaseTtl + "): a tombstone must outlive every load that started before it");
        }
    }

    /**
     * Reads the settings from {@code properties} (Hibernate's configuration values, or any map); keys
     * outside {@code tiered-cache.*} are ignored.
     */
    public static TieredCacheConfig fromProperties(Map<String, ?> properties) {
        Objects.requireNonNull(properties, "properties");
        for (String key : properties.keySet()) {
            // Per-entity keys are checked against the entities, once they are known (EntityPolicy.checkNames).
            if (key.startsWith(PREFIX) && !KNOWN_KEYS.contains(key) && !key.startsWith(EntityPolicy.ENTITY_PREFIX)) {
                throw new IllegalArgumentException("Unknown setting " + key + "; the tiered cache knows " + KNOWN_KEYS);
            }
        }
        return new TieredCacheConfig(new Reader(properties));
    }

    public String redisUrl() { return redisUrl; }
    public String redisConfigFile() { return redisConfigFile; }
    public String keyPrefix() { return keyPrefix; }
    public String ehcacheConfig() { return ehcacheConfig; }
    public long l1MaxEntries() { return l1MaxEntries; }
    public Duration l1Ttl() { return l1Ttl; }
    public Duration l1DegradedTtl() { return l1DegradedTtl; }
    public Duration l2Ttl() { return l2Ttl; }
    public Duration tombstoneTtl() { return tombstoneTtl; }
    public Duration leaseTtl() { return leaseTtl; }
    public Duration leaseWait() { return leaseWait; }
    public Duration lockTtl() { return lockTtl; }
    public int breakerFailureThreshold() { return breakerFailureThreshold; }
    public Duration breakerOpenDuration() { return breakerOpenDuration; }
    public int pendingInvalidationsMax() { return pendingInvalidationsMax; }
    public Duration queryClockSkewAllowance() { return queryClockSkewAllowance; }
    public Duration invalidationAckTimeout() { return invalidationAckTimeout; }
    public Duration writeBehindReplicaWait() { return writeBehindReplicaWait; }
    public String nodeName() { return nodeName; }

    @Override
    public String toString() {
        return "TieredCacheConfig{redisUrl=" + (redisUrl == null ? null : redisUrl.replaceAll("//[^@/]*@", "//***@"))
                + ", redisConfigFile=" + redisConfigFile + ", keyPrefix=" + keyPrefix + ", ehcacheConfig=" + ehcacheConfig
                + ", l1MaxEntries=" + l1MaxEntries + ", l1Ttl=" + l1Ttl + ", l1DegradedTtl=" + l1DegradedTtl
                + ", l2Ttl=" + l2Ttl + ", tombstoneTtl=" + tombstoneTtl + ", leaseTtl=" + leaseTtl + ", lockTtl=" + lockTtl
                + ", breakerFailureThreshold=" + breakerFailureThreshold + ", breakerOpenDuration=" + breakerOpenDuration
                + ", pendingInvalidationsMax=" + pendingInvalidationsMax
                + ", queryClockSkewAllowance=" + queryClockSkewAllowance
                + ", invalidationAckTimeout=" + invalidationAckTimeout + ", writeBehindReplicaWait=" + writeBehindReplicaWait
                + ", nodeName=" + nodeName + "}";
    }

    /** Parses {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, {@code 2d} or bare milliseconds; the error names {@code key}. */
    static Duration parseDuration(String key, String text) {
        Matcher matcher = DURATION.matcher(text.trim());
        if (!matcher.matches()) {
            throw new IllegalArgumentException(key + " must be a duration (e.g. 30s, 500ms, 10m), but was " + text);
        }
        long amount = Long.parseLong(matcher.group(1));
        String unit = matcher.group(2) == null ? "ms" : matcher.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
    }

    private static Set<String> knownKeys() {
        Set<String> keys = new TreeSet<>();
        for (Field field : TieredCacheSettings.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class && !field.getName().equals("PREFIX")) {
                try {
                    keys.add((String) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return Set.copyOf(keys);
    }

    /** Reads and checks one setting at a time, naming it in every error. */
    private record Reader(Map<String, ?> properties) {

        String text(String key, String fallback) {
            Object value = properties.get(key);
            if (value == null) {
                return fallback;
            }
            String text = value.toString().trim();
            return text.isEmpty() ? fallback : text;
        }

        long positiveLong(String key, long fallback) {
            String text = text(key, null);
            if (text == null) {
                return fallback;
            }
            try {
                long value = Long.parseLong(text);
                if (value > 0) {
                    return value;
                }
            } catch (NumberFormatException ignored) {
                // answered below
            }
            throw new IllegalArgumentException(key + " must be a positive whole number, but was " + text);
        }

        Duration positiveDuration(String key, Duration fallback) {
            Duration value = duration(key, fallback);
            if (value.isZero()) {
                throw new IllegalArgumentException(key + " must be a positive duration (e.g. 30s, 500ms, 10m), but was " + text(key, null));
            }
            return value;
        }

        Duration duration(String key, Duration fallback) {
            Object raw = properties.get(key);
            if (raw instanceof Duration duration && !duration.isNegative()) {
                return duration;
            }
            String text = text(key, null);
            if (text == null) {
                return fallback;
            }
            return parseDuration(key, text);
        }
    }
}
