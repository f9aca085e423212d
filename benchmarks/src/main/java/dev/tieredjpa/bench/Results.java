package dev.tieredjpa.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a benchmark run measured: rows of named values, grouped in sections, written as
 * {@code results.json}. The charts and the report are made from this file alone.
 *
 * <p>Sections and their columns (times in microseconds unless the name says otherwise):
 * <ul>
 *   <li>{@code find}: peer, db, tier ({@code L1 hit}, {@code L2 hit}, {@code hit}, {@code miss}), meanMicros,
 *       meanErrorMicros, p50Micros, p99Micros, redisCallsPerOp (where counted)</li>
 *   <li>{@code direct}: peer ({@code tiered L1 hit}, {@code tiered L2 hit}, {@code RLocalCachedMap hit},
 *       {@code RBucket get}, {@code RMap get}), meanMicros, meanErrorMicros, p50Micros, p99Micros</li>
 *   <li>{@code roundTrips}: peer, operation ({@code find (L1 hit)}, {@code session open}, {@code L1 clear},
 *       {@code find (L2 hit)}, {@code get (L1 hit)}, {@code idle second}...), redisCallsPerOp (commands sent
 *       to Redis per operation; per second for {@code idle second}), commands (by name, background included)</li>
 *   <li>{@code workload}: peer, db, keys, mix, threadsPerNode, entities, opsPerSecond, p50Micros, p99Micros,
 *       statementsPer1000, readsChecked, staleReads, writes, errors</li>
 *   <li>{@code stampede}: peer, db, protection, readers, dbLoads, p50Micros, p99Micros</li>
 *   <li>{@code writeBehind}: policy, keys, touches, acceptedPerSecond, statementsPer1000, lagP50Millis,
 *       lagMaxMillis</li>
 *   <li>{@code propagation}: peer, samples, p50Micros, p99Micros, maxMicros</li>
 *   <li>{@code scale}: measure ({@code L1 hit}, {@code L2 hit}, {@code workload}, {@code heap per L1 entry}),
 *       entities, threadsPerNode, value, unit</li>
 * </ul>
 * Besides the sections, {@code meta} holds the machine, the versions and the command.
 */
public final class Results {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Map<String, Object> meta = new LinkedHashMap<>();
    private final Map<String, List<Map<String, Object>>> sections = new LinkedHashMap<>();

    public synchronized void meta(String name, Object value) {
        meta.put(name, value);
    }

    public synchronized Map<String, Object> meta() {
        return Map.copyOf(meta);
    }

    /** Adds a row; {@code keysAndValues} alternate a column name and its value. */
    public synchronized void add(String section, Object... keysAndValues) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            row.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        sections.computeIfAbsent(section, s -> new ArrayList<>()).add(row);
    }

    public synchronized List<Map<String, Object>> rows(String section) {
        return List.copyOf(sections.getOrDefault(section, List.of()));
    }

    public synchronized void write(Path file) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("meta", meta);
        document.put("sections", sections);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            JSON.writeValue(file.toFile(), document);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }

    public static Results read(Path file) {
        try {
            Map<String, Object> document = JSON.readValue(file.toFile(), new TypeReference<Map<String, Object>>() { });
            Results results = new Results();
            @SuppressWarnings("unchecked")
            Map<String, Object> meta = (Map<String, Object>) document.getOrDefault("meta", Map.of());
            results.meta.putAll(meta);
            @SuppressWarnings("unchecked")
            Map<String, List<Map<String, Object>>> sections = (Map<String, List<Map<String, Object>>>) document.getOrDefault("sections", Map.of());
            sections.forEach((name, rows) -> results.sections.put(name, new ArrayList<>(rows)));
            return results;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
    }
}
