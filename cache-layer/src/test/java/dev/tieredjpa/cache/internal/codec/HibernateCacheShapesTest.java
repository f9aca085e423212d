package dev.tieredjpa.cache.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.hibernate.Version;
import org.hibernate.cache.internal.QueryResultsCacheImpl;
import org.junit.jupiter.api.Test;

/** The reflective shapes resolve against the Hibernate on the classpath, and a changed shape fails loudly. */
class HibernateCacheShapesTest {

    static final class ChangedEntry {
        private final Object state;

        ChangedEntry(Object[] state) {
            this.state = state;
        }
    }

    static final class Outer {
        record CacheItem(long timestamp, List<?> results, boolean partial) {
        }
    }

    @Test
    void verify_againstThisHibernate_resolvesEveryShape() {
        HibernateCacheShapes.verify();

        assertThat(HibernateCacheShapes.QUERY_ITEM.getEnclosingClass()).isEqualTo(QueryResultsCacheImpl.class);
        assertThat(HibernateCacheShapes.QUERY_ITEM.isRecord()).isTrue();
    }

    @Test
    void constructor_missing_throwsNamingExpectedAndFoundShapes() {
        assertThatThrownBy(() -> HibernateCacheShapes.constructor(ChangedEntry.class, java.io.Serializable.class))
                .isExactlyInstanceOf(IllegalStateException.class)
                .hasMessage("Hibernate ORM " + Version.getVersionString() + " changed the shape of "
                        + ChangedEntry.class.getName() + ": the tiered cache codec expects a constructor (Serializable)"
                        + " but found constructors (Object[]); the codec (dev.tieredjpa.cache.internal.codec) must be"
                        + " updated for this Hibernate version");
    }

    @Test
    void fieldGetter_wrongType_throwsNamingExpectedAndFoundShapes() {
        assertThatThrownBy(() -> HibernateCacheShapes.fieldGetter(ChangedEntry.class, "content", Object.class))
                .isExactlyInstanceOf(IllegalStateException.class)
                .hasMessageContaining("expects a field java.lang.Object content but found fields java.lang.Object state");
    }

    @Test
    void recordClass_componentAdded_throwsNamingExpectedAndFoundShapes() {
        assertThatThrownBy(() -> HibernateCacheShapes.recordClass(Outer.class, "CacheItem",
                new String[] {"timestamp", "results"}, new Class<?>[] {long.class, List.class}))
                .isExactlyInstanceOf(IllegalStateException.class)
                .hasMessageContaining("expects record CacheItem(long timestamp, List results) but found"
                        + " record CacheItem(long timestamp, List results, boolean partial)");
    }

    @Test
    void recordClass_missing_throwsNamingNestedClasses() {
        assertThatThrownBy(() -> HibernateCacheShapes.recordClass(ChangedEntry.class, "CacheItem",
                new String[] {"timestamp"}, new Class<?>[] {long.class}))
                .isExactlyInstanceOf(IllegalStateException.class)
                .hasMessageContaining("expects a nested record CacheItem but found nested classes []");
    }
}
