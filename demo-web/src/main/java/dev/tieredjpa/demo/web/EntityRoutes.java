package dev.tieredjpa.demo.web;

import dev.tieredjpa.cache.ReadSource;
import dev.tieredjpa.cache.ReadTraces;
import dev.tieredjpa.repository.EntityRepository;
import io.javalin.http.Context;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The reads and the delete that every numeric-id resource of the API answers the same way:
 * {@code GET /{id}}, {@code GET ?ids=}, {@code DELETE /{id}}.
 *
 * @param <T> the entity
 * @param <V> its JSON view
 */
public final class EntityRoutes<T, V> {

    private final String name;
    private final EntityRepository<T, Long> repository;
    private final Function<T, V> view;
    private final ToLongFunction<T> versionOf;

    public EntityRoutes(String name, EntityRepository<T, Long> repository, Function<T, V> view, ToLongFunction<T> versionOf) {
        this.name = name;
        this.repository = repository;
        this.view = view;
        this.versionOf = versionOf;
    }

    /**
     * {@code GET /{id}}, saying which tier answered: {@code X-Cache: L1 | L2 | DB | STALE} (STALE: an expired
     * value served because the database failed, with its {@code Age} in seconds).
     */
    public void findOne(Context ctx) {
        long id = Requests.pathId(ctx);
        ReadTraces.clear();
        T entity = repository.findById(id).orElseThrow(() -> ApiError.notFound(name));
        ReadSource source = ReadTraces.lastSource();
        // A read that found the entity already in the session traces nothing: it came from the database.
        ctx.header("X-Cache", source == null ? ReadSource.DB.name() : source.name());
        if (source == ReadSource.STALE) {
            ctx.header("Age", Long.toString(ReadTraces.lastStaleAgeMillis() / 1000));
        }
        respond(ctx, 200, entity);
    }

    public void findMany(Context ctx) {
        ctx.json(repository.findAllById(Requests.queryIds(ctx)).stream().map(view).toList());
    }

    public void delete(Context ctx) {
        if (!repository.delete(Requests.pathId(ctx))) {
            throw ApiError.notFound(name);
        }
        ctx.status(204);
    }

    /** Answers with the entity's view and its version as the ETag. */
    public void respond(Context ctx, int status, T entity) {
        Requests.etag(ctx, versionOf.applyAsLong(entity));
        ctx.status(status).json(view.apply(entity));
    }
}
