package dev.tieredjpa.demo.session;

import dev.tieredjpa.demo.web.ApiError;
import dev.tieredjpa.demo.web.HttpCachePolicy;
import dev.tieredjpa.demo.web.JsonBody;
import dev.tieredjpa.domain.UserSession;
import dev.tieredjpa.repository.SessionRepository;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /api/sessions}: open a session for a user, look it up by token (which extends it), close it.
 * Sessions are answered with {@code Cache-Control: no-store} and never kept in the response cache
 * ({@link HttpCachePolicy#NO_STORE}).
 */
public final class SessionApi {

    /** A session as the API shows it. */
    public record SessionView(String token, long userId, Instant createdAt, Instant lastSeenAt, Instant expiresAt) {
        static SessionView of(UserSession s) {
            return new SessionView(s.getToken(), s.getUserId(), s.getCreatedAt(), s.getLastSeenAt(), s.getExpiresAt());
        }
    }

    /** Tokens are 43 base64url characters; anything else cannot be one and is not looked up. */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Set<String> WRITABLE = Set.of("userId");

    private final SessionRepository sessions;

    public SessionApi(SessionRepository sessions) {
        this.sessions = sessions;
    }

    public void register(RoutesConfig config) {
        config.post("/api/sessions", this::create);
        config.get("/api/sessions/{token}", this::touch);
        config.delete("/api/sessions/{token}", this::delete);
    }

    private void create(Context ctx) {
        long userId = JsonBody.read(ctx, WRITABLE, Set.of()).requiredLong("userId");
        if (userId <= 0) {
            throw new ApiError(422, "userId names no user", "userId");
        }
        UserSession session = sessions.create(userId);
        ctx.header("Location", "/api/sessions/" + session.getToken());
        HttpCachePolicy.NO_STORE.apply(ctx);
        ctx.status(201).json(SessionView.of(session));
    }

    private void touch(Context ctx) {
        HttpCachePolicy.NO_STORE.apply(ctx);
        UserSession session = sessions.touch(token(ctx)).orElseThrow(() -> ApiError.notFound("session"));
        ctx.json(SessionView.of(session));
    }

    private void delete(Context ctx) {
        if (!sessions.delete(token(ctx))) {
            throw ApiError.notFound("session");
        }
        ctx.status(204);
    }

    private static String token(Context ctx) {
        String token = ctx.pathParam("token");
        if (!TOKEN.matcher(token).matches()) {
            // Not a token we could have issued: the same answer as an unknown one, so nothing is learned.
            throw ApiError.notFound("session");
        }
        return token;
    }
}
