package dev.tieredjpa.cache.internal.hibernate;

import dev.tieredjpa.cache.internal.codec.CacheValueCodec;
import dev.tieredjpa.cache.internal.codec.CodecSchema;
import dev.tieredjpa.cache.internal.core.ValueCodec;
import org.hibernate.cache.cfg.spi.DomainDataRegionConfig;
import org.hibernate.cache.spi.entry.CacheEntry;
import org.hibernate.cache.spi.entry.CollectionCacheEntry;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.metamodel.spi.MappingMetamodelImplementor;
import org.hibernate.persister.entity.EntityPersister;
import org.hibernate.type.CollectionType;
import org.hibernate.type.ComponentType;
import org.hibernate.type.Type;

/**
 * The codec of one domain-data region, built on first use from the persisters mapped to the region:
 * their property layout gives each entity's schema fingerprint (so that entries written before a
 * schema change read as misses), and their enum-typed properties are the only enums it will build.
 * Built lazily because regions are made before the persisters exist.
 */
final class RegionCodec implements ValueCodec {

    private final DomainDataRegionConfig regionConfig;
    private final SessionFactoryImplementor sessionFactory;
    private volatile CacheValueCodec codec;

    RegionCodec(DomainDataRegionConfig regionConfig, SessionFactoryImplementor sessionFactory) {
        this.regionConfig = regionConfig;
        this.sessionFactory = sessionFactory;
    }

    @Override
    public byte[] encode(Object value) {
        return codec().encode(value);
    }

    @Override
    public Object decode(byte[] bytes) {
        Object value = codec().decode(bytes);
        // A well-formed value of the wrong kind (a string planted in an entity region) is as bad as garbage.
        boolean fits = value instanceof CollectionCacheEntry ? !regionConfig.getCollectionCaching().isEmpty()
                : value instanceof CacheEntry ? !regionConfig.getEntityCaching().isEmpty()
                : !regionConfig.getNaturalIdCaching().isEmpty();
        if (!fits) {
            throw new IllegalArgumentException("a " + (value == null ? "null" : value.getClass().getSimpleName())
                    + " is not a value region " + regionConfig.getRegionName() + " holds");
        }
        return value;
    }

    private CacheValueCodec codec() {
        CacheValueCodec built = codec;
        if (built == null) {
            synchronized (this) {
                if (codec == null) {
                    codec = new CacheValueCodec(schema());
                }
                built = codec;
            }
        }
        return built;
    }

    private CodecSchema schema() {
        MappingMetamodelImplementor metamodel = sessionFactory.getMappingMetamodel();
        CodecSchema.Builder schema = CodecSchema.builder();
        for (var entityCaching : regionConfig.getEntityCaching()) {
            for (var cachedType : entityCaching.getCachedTypes()) {
                EntityPersister persister = metamodel.getEntityDescriptor(cachedType.getFullPath());
                Type[] types = persister.getPropertyTypes();
                String[] typeNames = new String[types.length];
                for (int i = 0; i < types.length; i++) {
                    typeNames[i] = types[i].getReturnedClass().getName();
                    allowEnums(schema, types[i]);
                }
                schema.entity(persister.getEntityName(), CodecSchema.fingerprint(persister.getPropertyNames(), typeNames));
                allowEnums(schema, persister.getIdentifierType());
            }
        }
        for (var collectionCaching : regionConfig.getCollectionCaching()) {
            var persister = metamodel.getCollectionDescriptor(collectionCaching.getNavigableRole().getFullPath());
            Type element = persister.getElementType();
            allowEnums(schema, element);
            allowEnums(schema, persister.getIndexType());
            schema.collection(persister.getRole(), CodecSchema.fingerprint(new String[] {"element"},
                    new String[] {element.getReturnedClass().getName()}));
        }
        for (var naturalIdCaching : regionConfig.getNaturalIdCaching()) {
            EntityPersister persister = metamodel.getEntityDescriptor(naturalIdCaching.getNavigableRole().getFullPath());
            for (int property : persister.getNaturalIdentifierProperties()) {
                allowEnums(schema, persister.getPropertyTypes()[property]);
            }
            allowEnums(schema, persister.getIdentifierType());
        }
        return schema.build();
    }

    @SuppressWarnings("unchecked")
    private static void allowEnums(CodecSchema.Builder schema, Type type) {
        if (type == null || type instanceof CollectionType) {
            return;
        }
        if (type instanceof ComponentType component) {
            for (Type subtype : component.getSubtypes()) {
                allowEnums(schema, subtype);
            }
            return;
        }
        Class<?> returned = type.getReturnedClass();
        if (returned != null && returned.isEnum()) {
            schema.allowEnum((Class<? extends Enum<?>>) returned);
        }
    }
}
