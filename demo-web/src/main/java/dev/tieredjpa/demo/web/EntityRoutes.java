package dev.tieredjpa.demo.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tieredjpa.cache.CacheRead;
import dev.tieredjpa.cache.ReadSource;
import dev.tieredjpa.cache.ReadTraces;
import dev.tieredjpa.repository.EntityRepository;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * What every numeric-id resource of the API does the same way: {@code GET /{id}} and {@code GET ?ids=}
 * through the {@link ResponseCache}, with entity tags and conditional GETs; {@code DELETE /{id}}; and the
 * answer to a write (an update drops the entity's cached answer on every node).
 *
 * <p>Headers of a GET: {@code ETag} (see {@link EntityTags}), {@code Cache-Control} (the resource's
 * {@link HttpCachePolicy}), {@code X-Response-Cache: HIT | MISS} (whether the rendered answer came from
 * the response cache), and on {@code /{id}} {@code X-Cache}: the tier that answered, i.e. on a hit the
 * response cache's ({@code L1 | L2}), on a miss the entity's ({@code L1 | L2 | DB | STALE}, STALE with its
 * {@code Age}). An {@code If-None-Match} that names the answer's tag gets a 304 without a body.
 *
 * @param <T> the entity
 * @param <V> its JSON view
 */
public final class EntityRoutes<T, V> {

    private final String name;
    private final String path;
    private final EntityRepository<T, Long> repository;
    private final Function<T, V> view;
    private final ToLongFunction<T> idOf;
    private final ToLongFunction<T> versionOf;
    private final HttpCachePolicy caching;
    private final ResponseCache responses;

    /**
     * @param name      the entity's name in messages and tags, e.g. {@code product}
     * @param path      the collection's path, e.g. {@code /api/products}; an entity's is {@code path/{id}}
     * @param caching   what clients and shared caches may keep
     * @param responses the response cache that holds rendered GET answers
     */
    public EntityRoutes(String name, String path, EntityRepository<T, Long> repository, Function<T, V> view,
                        ToLongFunction<T> idOf, ToLongFunction<T> versionOf, HttpCachePolicy caching,
                        ResponseCache responses) {
        this.name = Objects.requireNonNull(name, "name");
        this.path = Objects.requireNonNull(path, "path");
        this.repository = Objects.requireNonNull(repository, "repository");
        this.view = Objects.requireNonNull(view, "view");
        this.idOf = Objects.requireNonNull(idOf, "idOf");
        this.versionOf = Objects.requireNonNull(versionOf, "versionOf");
        this.caching = Objects.requireNonNull(caching, "caching");
        this.responses = Objects.requireNonNull(responses, "responses");
    }

    /** {@code GET /{id}}: the cached answer, else the entity read through its tiers and rendered. */
    public void findOne(Context ctx) {
        long id = Requests.pathId(ctx);
        EntityLoad load = new EntityLoad();
        CacheRead<CachedResponse> read;
        try {
            read = responses.read(entityPath(id), key -> load.render(id));
        } catch (StaleEntity stale) {
            // Served because the database failed, and never cached: the next read tries the database again.
            ctx.header("X-Response-Cache", "MISS");
            ctx.header("X-Cache", ReadSource.STALE.name());
            ctx.header("Age", Long.toString(stale.ageMillis / 1000));
            answer(ctx, stale.response);
            return;
        }
        if (read.value() == null) {
            throw ApiError.notFound(name);
        }
        boolean hit = read.source() == ReadSource.L1 || read.source() == ReadSource.L2;
        ctx.header("X-Response-Cache", hit ? "HIT" : "MISS");
        // A miss whose load another request ran (and shared) did not see the entity's tier: the loader's, DB.
        ReadSource tier = hit ? read.source() : load.source == null ? ReadSource.DB : load.source;
        ctx.header("X-Cache", tier.name());
        answer(ctx, read.value());
    }

    /**
     * {@code GET ?ids=}: the entities found, in the order asked, joined from their cached answers; the ones
     * no tier holds are read together ({@link EntityRepository#findAllById}). The list's tag is a digest of
     * its members' tags.
     */
    public void findMany(Context ctx) {
        List<Long> ids = Requests.queryIds(ctx);
        Map<String, Long> idsByPath = new LinkedHashMap<>();
        ids.forEach(id -> idsByPath.put(entityPath(id), id));
        AtomicBoolean loaded = new AtomicBoolean();
        Map<String, CachedResponse> found = responses.getAll(new ArrayList<>(idsByPath.keySet()), missing -> {
            loaded.set(true);
            return renderAll(missing, idsByPath);
        });
        List<String> tags = new ArrayList<>(ids.size());
        StringBuilder json = new StringBuilder(ids.size() * 128).append('[');
        for (Long id : ids) {
            CachedResponse member = found.get(entityPath(id));
            if (member != null) {
                json.append(tags.isEmpty() ? "" : ",").append(member.json());
                tags.add(member.etag());
            }
        }
        json.append(']');
        ctx.header("X-Response-Cache", loaded.get() ? "MISS" : "HIT");
        answer(ctx, new CachedResponse(EntityTags.ofList(name, tags), json.toString()));
    }

    /** {@code DELETE /{id}}: 204, and the entity's cached answer dropped on every node. */
    public void delete(Context ctx) {
        long id = Requests.pathId(ctx);
        if (!repository.delete(id)) {
            throw ApiError.notFound(name);
        }
        responses.invalidate(entityPath(id));
        ctx.status(204);
    }

    /**
     * Answers a committed update with the entity's view and tag, after dropping the entity's cached answer
     * on every node.
     */
    public void respondUpdated(Context ctx, T entity) {
        responses.invalidate(entityPath(idOf.applyAsLong(entity)));
        respond(ctx, 200, entity);
    }

    /**
     * Answers with the entity's view and tag. A create answers with this alone: no answer of a new id can be
     * cached, because a GET of an id that does not exist yet is not.
     */
    public void respond(Context ctx, int status, T entity) {
        ctx.header("ETag", EntityTags.of(name, idOf.applyAsLong(entity), versionOf.applyAsLong(entity)));
        ctx.status(status).json(view.apply(entity));
    }

    /**
     * The version an update of entity {@code id} is based on: {@code "version"} in the body, else
     * {@code If-Match} (this API's tag of the entity, or a bare version such as {@code "3"}).
     */
    public OptionalLong expectedVersion(Context ctx, long id, Long bodyVersion) {
        return Requests.expectedVersion(ctx, bodyVersion, tag -> EntityTags.versionOf(tag, name, id, "If-Match"));
    }

    /** The path, and response-cache key, of one entity: the id as a number, so {@code /007} and {@code /7} share it. */
    public String entityPath(long id) {
        return path + "/" + id;
    }

    private void answer(Context ctx, CachedResponse response) {
        ctx.header("ETag", response.etag());
        caching.apply(ctx);
        ctx.contentType(ContentType.APPLICATION_JSON);
        if (EntityTags.noneMatchNames(ctx.header("If-None-Match"), response.etag())) {
            ctx.status(304);
            return;
        }
        ctx.status(200).result(response.json());
    }

    private Map<String, CachedResponse> renderAll(Collection<String> missing, Map<String, Long> idsByPath) {
        List<Long> ids = missing.stream().map(idsByPath::get).toList();
        Map<String, CachedResponse> rendered = new LinkedHashMap<>();
        for (T entity : repository.findAllById(ids)) {
            rendered.put(entityPath(idOf.applyAsLong(entity)), render(entity));
        }
        return rendered;
    }

    private CachedResponse render(T entity) {
        try {
            return new CachedResponse(EntityTags.of(name, idOf.applyAsLong(entity), versionOf.applyAsLong(entity)),
                    Json.MAPPER.writeValueAsString(view.apply(entity)));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("Could not render " + name + " " + idOf.applyAsLong(entity), e);
        }
    }

    /** One response-cache load on the request's thread, remembering which tier the entity came from. */
    private final class EntityLoad {

        private ReadSource source;

        CachedResponse render(long id) {
            ReadTraces.clear();
            T entity = repository.findById(id).orElse(null);
            ReadSource traced = ReadTraces.lastSource();
            long staleAgeMillis = ReadTraces.lastStaleAgeMillis();
            // A read that found the entity already in the session traces nothing: it came from the database.
            source = traced == null ? ReadSource.DB : traced;
            if (entity == null) {
                return null;
            }
            CachedResponse response = EntityRoutes.this.render(entity);
            if (source == ReadSource.STALE) {
                throw new StaleEntity(response, staleAgeMillis);
            }
            return response;
        }
    }

    /** Carries an answer rendered from a stale entity out of the loader, so that the response cache drops the fill. */
    private static final class StaleEntity extends RuntimeException {

        private final transient CachedResponse response;
        private final long ageMillis;

        StaleEntity(CachedResponse response, long ageMillis) {
            super("rendered from a stale entity", null, false, false);
            this.response = response;
            this.ageMillis = ageMillis;
        }
    }
}
