package dev.tieredjpa.cache;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The effective policy of every entity of a persistence unit, by JPA entity name and by class name. */
public final class EntityPolicies {

    private final Map<String, EntityPolicy> byName;

    private EntityPolicies(Map<String, EntityPolicy> byName) {
        this.byName = Map.copyOf(byName);
    }

    /**
     * Resolves and checks the policies of these entities.
     *
     * @param entities JPA entity name -> (class name, its {@link CachePolicy} or null)
     * @throws IllegalArgumentException naming the first bad property
     */
    public static EntityPolicies resolve(Map<String, Map.Entry<String, CachePolicy>> entities, Map<String, ?> properties,
                                         TieredCacheConfig defaults) {
        EntityPolicy.checkNames(properties, entities.keySet());
        Map<String, EntityPolicy> byName = new LinkedHashMap<>();
        entities.forEach((jpaName, classAndAnnotation) -> {
            EntityPolicy policy = EntityPolicy.resolve(jpaName, classAndAnnotation.getValue(), properties, defaults);
            byName.put(jpaName, policy);
            byName.put(classAndAnnotation.getKey(), policy);
        });
        return new EntityPolicies(byName);
    }

    /** The policy of an entity, by JPA name ({@code UserSession}) or class name. */
    public Optional<EntityPolicy> of(String entityName) {
        return Optional.ofNullable(byName.get(entityName));
    }

    public EntityPolicy of(Class<?> entityClass) {
        EntityPolicy policy = byName.get(entityClass.getName());
        if (policy == null) {
            throw new IllegalArgumentException(entityClass.getName() + " is not an entity of this persistence unit");
        }
        return policy;
    }

    public Collection<EntityPolicy> all() {
        return List.copyOf(byName.values().stream().distinct().toList());
    }

    /** The table printed at start-up, one entity a line. */
    public String table() {
        return all().stream().map(EntityPolicy::describe).sorted().collect(Collectors.joining("\n  ", "  ", ""));
    }

    @Override
    public String toString() {
        return "EntityPolicies{\n" + table() + "\n}";
    }
}
