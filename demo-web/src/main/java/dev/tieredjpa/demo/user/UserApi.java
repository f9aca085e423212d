package dev.tieredjpa.demo.user;

import dev.tieredjpa.demo.web.ApiError;
import dev.tieredjpa.demo.web.EntityRoutes;
import dev.tieredjpa.demo.web.HttpCachePolicy;
import dev.tieredjpa.demo.web.JsonBody;
import dev.tieredjpa.demo.web.Requests;
import dev.tieredjpa.demo.web.ResponseCache;
import dev.tieredjpa.domain.User;
import dev.tieredjpa.repository.UserRepository;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.Set;

/** {@code /api/users}: create, read, update (version-checked) and delete users. */
public final class UserApi {

    /** A user as the API shows it. */
    public record UserView(long id, String email, String name, Instant createdAt, long version) {
        static UserView of(User user) {
            return new UserView(user.getId(), user.getEmail(), user.getName(), user.getCreatedAt(), user.getVersion());
        }
    }

    private static final Set<String> WRITABLE = Set.of("email", "name");
    private static final Set<String> WRITABLE_ON_UPDATE = Set.of("email", "name", "version");
    private static final Set<String> READ_ONLY = Set.of("id", "createdAt", "version");

    private final UserRepository users;
    private final EntityRoutes<User, UserView> routes;

    public UserApi(UserRepository users, ResponseCache responses) {
        this.users = users;
        this.routes = new EntityRoutes<>("user", "/api/users", users, UserView::of, User::getId, User::getVersion,
                HttpCachePolicy.PRIVATE_REVALIDATE, responses);
    }

    public void register(RoutesConfig config) {
        config.post("/api/users", this::create);
        config.get("/api/users", routes::findMany);
        config.get("/api/users/{id}", routes::findOne);
        config.put("/api/users/{id}", this::update);
        config.delete("/api/users/{id}", routes::delete);
    }

    private void create(Context ctx) {
        JsonBody body = JsonBody.read(ctx, WRITABLE, READ_ONLY);
        User user = users.create(body.requiredText("email"), body.requiredText("name"));
        ctx.header("Location", "/api/users/" + user.getId());
        routes.respond(ctx, 201, user);
    }

    private void update(Context ctx) {
        long id = Requests.pathId(ctx);
        JsonBody body = JsonBody.read(ctx, WRITABLE_ON_UPDATE, READ_ONLY);
        String email = body.requiredText("email");
        String name = body.requiredText("name");
        User user = users.update(id, routes.expectedVersion(ctx, id, body.optionalLong("version")), u -> {
            u.setEmail(email);
            u.setName(name);
        }).orElseThrow(() -> ApiError.notFound("user"));
        routes.respondUpdated(ctx, user);
    }
}
