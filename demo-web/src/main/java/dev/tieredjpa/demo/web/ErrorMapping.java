package dev.tieredjpa.demo.web;

import dev.tieredjpa.cache.WriteBehindRejectedException;
import dev.tieredjpa.repository.ConstraintRejectedException;
import dev.tieredjpa.repository.StaleVersionException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import java.util.Comparator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every failure into a JSON answer: refusals the API expects become 4xx naming the field at fault;
 * anything else is logged with its stack trace and answered with a bare 500, never a trace.
 */
public final class ErrorMapping {

    private static final Logger log = LoggerFactory.getLogger(ErrorMapping.class);

    private ErrorMapping() {
    }

    public static void register(RoutesConfig routes) {
        routes.exception(ApiError.class, (e, ctx) -> respond(ctx, e.status(), new ErrorBody(e.getMessage(), e.field())));
        routes.exception(StaleVersionException.class, (e, ctx) -> respond(ctx, 409,
                new ErrorBody(e.getMessage(), "version", e.currentVersion())));
        routes.exception(ConstraintRejectedException.class, (e, ctx) -> respond(ctx,
                e.reason() == ConstraintRejectedException.Reason.DUPLICATE_VALUE ? 409 : 422,
                new ErrorBody(e.getMessage(), e.field())));
        routes.exception(WriteBehindRejectedException.class, (e, ctx) -> {
            // Backpressure: the write-behind queue is full because the database is behind. Not the client's fault.
            ctx.header("Retry-After", String.valueOf(Math.max(1, e.retryAfter().toSeconds())));
            respond(ctx, 503, new ErrorBody(e.getMessage(), null));
        });
        routes.exception(HttpResponseException.class, (e, ctx) -> respond(ctx, e.getStatus(),
                new ErrorBody(e.getMessage(), null)));
        routes.exception(Exception.class, ErrorMapping::unexpected);
        routes.error(404, "*", ctx -> fillIfEmpty(ctx, "no such resource: " + ctx.method() + " " + ctx.path()));
        routes.error(405, "*", ctx -> fillIfEmpty(ctx, ctx.method() + " is not allowed on " + ctx.path()));
    }

    private static void unexpected(Exception e, Context ctx) {
        // Bean validation may arrive wrapped by the persistence provider.
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConstraintViolationException violations && !violations.getConstraintViolations().isEmpty()) {
                ConstraintViolation<?> first = violations.getConstraintViolations().stream()
                        .min(Comparator.comparing(v -> v.getPropertyPath().toString()))
                        .orElseThrow();
                String field = first.getPropertyPath().toString();
                respond(ctx, 400, new ErrorBody(field + " " + first.getMessage(), field));
                return;
            }
        }
        log.error("Unexpected failure on {} {}", ctx.method(), ctx.path(), e);
        respond(ctx, 500, new ErrorBody("internal error; the service log has the details", null));
    }

    private static void fillIfEmpty(Context ctx, String message) {
        String result = ctx.result();
        if (result == null || result.isEmpty() || !result.startsWith("{")) {
            respond(ctx, ctx.statusCode(), new ErrorBody(message, null));
        }
    }

    private static void respond(Context ctx, int status, ErrorBody body) {
        ctx.status(status).json(body);
    }
}
