package dev.tieredjpa.cache.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Micrometer (and hibernate-micrometer) are optional dependencies of the cache layer: an application without
 * them must never load a class that names them. Read from the compiled classes' constant pools: only the
 * binder names them, and no other class names the binder, so nothing loads it unless the application does.
 */
class OptionalMicrometerTest {

    private static final Set<String> BINDER_CLASSES = Set.of(
            "dev/tieredjpa/cache/stats/TieredCacheMetrics", "dev/tieredjpa/cache/stats/HibernateBinding");

    @Test
    void compiledClasses_onlyTheBinderNamesMicrometer() throws Exception {
        assertThat(classesNaming("io/micrometer/")).isEqualTo(new TreeSet<>(BINDER_CLASSES));
        assertThat(classesNaming("org/hibernate/orm/micrometer/")).containsExactly("dev/tieredjpa/cache/stats/HibernateBinding");
    }

    @Test
    void compiledClasses_noOtherClassNamesTheBinder() throws Exception {
        assertThat(classesNaming("dev/tieredjpa/cache/stats/TieredCacheMetrics"))
                .allSatisfy(name -> assertThat(name).matches("dev/tieredjpa/cache/stats/TieredCacheMetrics(\\$.*)?"));
        assertThat(classesNaming("dev/tieredjpa/cache/stats/HibernateBinding"))
                .allSatisfy(name -> assertThat(name).matches("dev/tieredjpa/cache/stats/(TieredCacheMetrics|HibernateBinding)(\\$.*)?"));
    }

    /** Internal names of the main classes whose class file holds {@code text} (in its constant pool). */
    private static Set<String> classesNaming(String text) throws Exception {
        Path root = Paths.get(TieredCacheMetrics.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        Set<String> naming = new TreeSet<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(file -> file.toString().endsWith(".class")).forEach(file -> {
                if (contains(read(file), needle)) {
                    String name = root.relativize(file).toString().replace('\\', '/');
                    naming.add(name.substring(0, name.length() - ".class".length()));
                }
            });
        }
        assertThat(naming).as("the scan found the binder itself").isNotEmpty();
        return naming;
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
