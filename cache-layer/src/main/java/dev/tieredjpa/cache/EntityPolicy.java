package dev.tieredjpa.cache;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The effective cache policy of one entity: its {@link CachePolicy} annotation, overridden by properties
 * {@code tiered-cache.entity.<EntityName>.<setting>}. Settings and defaults:
 *
 * <table>
 *   <tr><th>setting</th><th>default</th></tr>
 *   <tr><td>{@code write-policy}</td><td>{@code WRITE_THROUGH} ({@code WRITE_THROUGH | WRITE_BEHIND | READ_ONLY})</td></tr>
 *   <tr><td>{@code l1-ttl}</td><td>{@code tiered-cache.l1.ttl}</td></tr>
 *   <tr><td>{@code l1-max-entries}</td><td>{@code tiered-cache.l1.max-entries}</td></tr>
 *   <tr><td>{@code l2-ttl}</td><td>{@code tiered-cache.l2.ttl}</td></tr>
 *   <tr><td>{@code write-behind-delay}</td><td>500ms</td></tr>
 *   <tr><td>{@code batch-size}</td><td>100</td></tr>
 *   <tr><td>{@code max-retries}</td><td>5</td></tr>
 *   <tr><td>{@code max-queue-length}</td><td>100000</td></tr>
 *   <tr><td>{@code write-behind-durability}</td><td>{@code REPLICA} ({@code REPLICA | MEMORY}, see {@link WriteBehindDurability})</td></tr>
 *   <tr><td>{@code early-refresh-beta}</td><td>0: off (XFetch's beta; 1 is the usual value)</td></tr>
 *   <tr><td>{@code stale-if-error}</td><td>0: off (the maximum staleness of a value served when its reload fails)</td></tr>
 *   <tr><td>{@code negative-ttl}</td><td>0: off (how long "no such row" is remembered)</td></tr>
 * </table>
 */
public record EntityPolicy(String entityName, WritePolicy writePolicy, Duration l1Ttl, long l1MaxEntries, Duration l2Ttl,
                           Duration writeBehindDelay, int batchSize, int maxRetries, long maxQueueLength,
                           WriteBehindDurability writeBehindDurability, ReadPolicy readPolicy) {

    /** The setting names under {@code tiered-cache.entity.<EntityName>.}. */
    public static final Set<String> SETTINGS = Set.of("write-policy", "l1-ttl", "l1-max-entries", "l2-ttl",
            "write-behind-delay", "batch-size", "max-retries", "max-queue-length", "write-behind-durability", "early-refresh-beta", "stale-if-error",
            "negative-ttl");

    static final String ENTITY_PREFIX = TieredCacheSettings.PREFIX + "entity.";

    /**
     * Resolves an entity's policy: the annotation (may be null), then the properties that name it.
     *
     * @throws IllegalArgumentException naming the property, the rule and the value
     */
    public static EntityPolicy resolve(String entityName, CachePolicy annotation, Map<String, ?> properties,
                                       TieredCacheConfig defaults) {
        String prefix = ENTITY_PREFIX + entityName + ".";
        Values values = new Values(properties, prefix);
        WritePolicy write = values.writePolicy(annotation == null ? WritePolicy.WRITE_THROUGH : annotation.write());
        Duration l1Ttl = values.duration("l1-ttl", annotationDuration(annotation == null ? "" : annotation.l1Ttl(),
                prefix, "l1-ttl", defaults.l1Ttl()));
        long l1Max = values.positive("l1-max-entries", annotation == null || annotation.l1MaxEntries() <= 0
                ? defaults.l1MaxEntries() : annotation.l1MaxEntries());
        Duration l2Ttl = values.duration("l2-ttl", annotationDuration(annotation == null ? "" : annotation.l2Ttl(),
                prefix, "l2-ttl", defaults.l2Ttl()));
        Duration delay = values.duration("write-behind-delay", annotationDuration(annotation == null ? "" : annotation.writeBehindDelay(),
                prefix, "write-behind-delay", Duration.ofMillis(500)));
        int batch = (int) values.positive("batch-size", annotation == null || annotation.batchSize() <= 0 ? 100 : annotation.batchSize());
        int retries = (int) values.positive("max-retries", annotation == null || annotation.maxRetries() <= 0 ? 5 : annotation.maxRetries());
        long queue = values.positive("max-queue-length", annotation == null || annotation.maxQueueLength() <= 0
                ? 100_000 : annotation.maxQueueLength());
        WriteBehindDurability durability = values.durability(annotation == null
                ? WriteBehindDurability.REPLICA : annotation.writeBehindDurability());
        double beta = values.beta(annotation == null ? 0 : annotation.earlyRefreshBeta());
        Duration staleIfError = values.optionalDuration("stale-if-error", annotationDuration(
                annotation == null ? "" : annotation.staleIfError(), prefix, "stale-if-error", Duration.ZERO));
        Duration negativeTtl = values.optionalDuration("negative-ttl", annotationDuration(
                annotation == null ? "" : annotation.negativeTtl(), prefix, "negative-ttl", Duration.ZERO));
        return new EntityPolicy(entityName, write, l1Ttl, l1Max, l2Ttl, delay, batch, retries, queue, durability,
                new ReadPolicy(beta, staleIfError, negativeTtl));
    }

    /** Checks that every {@code tiered-cache.entity.*} property names a known entity and a known setting. */
    public static void checkNames(Map<String, ?> properties, Set<String> entityNames) {
        for (String key : properties.keySet()) {
            if (!key.startsWith(ENTITY_PREFIX)) {
                continue;
            }
            String rest = key.substring(ENTITY_PREFIX.length());
            int dot = rest.lastIndexOf('.');
            String entity = dot < 0 ? rest : rest.substring(0, dot);
            String setting = dot < 0 ? "" : rest.substring(dot + 1);
            if (!entityNames.contains(entity)) {
                throw new IllegalArgumentException(key + " names no entity of this persistence unit; known entities: "
                        + new TreeSet<>(entityNames));
            }
            if (!SETTINGS.contains(setting)) {
                throw new IllegalArgumentException(key + " is not a setting; allowed: " + new TreeSet<>(SETTINGS));
            }
        }
    }

    /** One line of the start-up policy table. */
    public String describe() {
        return String.format(Locale.ROOT, "%-24s %-13s l1-ttl=%-8s l1-max=%-7d l2-ttl=%-8s%s", entityName, writePolicy,
                human(l1Ttl), l1MaxEntries, human(l2Ttl), writePolicy == WritePolicy.WRITE_BEHIND
                        ? String.format(Locale.ROOT, " delay=%s batch=%d retries=%d max-queue=%d durability=%s",
                        human(writeBehindDelay), batchSize, maxRetries, maxQueueLength, writeBehindDurability) : "")
                + (readPolicy.earlyRefresh() ? " early-refresh-beta=" + readPolicy.earlyRefreshBeta() : "")
                + (readPolicy.servesStale() ? " stale-if-error=" + human(readPolicy.staleIfError()) : "")
                + (readPolicy.cachesAbsence() ? " negative-ttl=" + human(readPolicy.negativeTtl()) : "");
    }

    private static String human(Duration duration) {
        return duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    private static Duration annotationDuration(String text, String prefix, String setting, Duration fallback) {
        if (text.isBlank()) {
            return fallback;
        }
        return TieredCacheConfig.parseDuration("@CachePolicy " + setting + " (for " + prefix + setting + ")", text);
    }

    /** Reads one entity's properties, naming the full key in every error. */
    private record Values(Map<String, ?> properties, String prefix) {

        private String text(String setting) {
            Object value = properties.get(prefix + setting);
            return value == null || value.toString().isBlank() ? null : value.toString().trim();
        }

        WritePolicy writePolicy(WritePolicy fallback) {
            String text = text("write-policy");
            if (text == null) {
                return fallback;
            }
            try {
                return WritePolicy.valueOf(text.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(prefix + "write-policy must be one of "
                        + Arrays.toString(WritePolicy.values()) + ", but was " + text);
            }
        }

        WriteBehindDurability durability(WriteBehindDurability fallback) {
            String text = text("write-behind-durability");
            if (text == null) {
                return fallback;
            }
            try {
                return WriteBehindDurability.valueOf(text.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(prefix + "write-behind-durability must be one of "
                        + Arrays.toString(WriteBehindDurability.values()) + ", but was " + text);
            }
        }

        Duration duration(String setting, Duration fallback) {
            String text = text(setting);
            Duration value = text == null ? fallback : TieredCacheConfig.parseDuration(prefix + setting, text);
            if (value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException(prefix + setting + " must be a positive duration (e.g. 30s, 500ms, 10m), but was " + text);
            }
            return value;
        }

        /** A duration that may be 0 (off). */
        Duration optionalDuration(String setting, Duration fallback) {
            String text = text(setting);
            return text == null ? fallback : TieredCacheConfig.parseDuration(prefix + setting, text);
        }

        double beta(double fallback) {
            String text = text("early-refresh-beta");
            double value = fallback;
            if (text != null) {
                try {
                    value = Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    value = Double.NaN;
                }
            }
            if (!(value >= 0) || Double.isInfinite(value)) {
                throw new IllegalArgumentException(prefix + "early-refresh-beta must be a number >= 0 (0: off, 1: usual), but was "
                        + (text == null ? "@CachePolicy(earlyRefreshBeta = " + fallback + ")" : text));
            }
            return value;
        }

        long positive(String setting, long fallback) {
            String text = text(setting);
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
            throw new IllegalArgumentException(prefix + setting + " must be a positive whole number, but was " + text);
        }
    }
}
