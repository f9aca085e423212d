package dev.tieredjpa.devservices;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where a Redis is: a {@code redis://} or {@code rediss://} URL, and a word on where it came from
 * ({@code environment}, {@code testcontainers}, {@code embedded}).
 */
public record RedisEndpoint(String url, String source) {

    public static final String URL_VARIABLE = "REDIS_URL";

    public RedisEndpoint {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(source, "source");
        if (!url.startsWith("redis://") && !url.startsWith("rediss://")) {
            throw new IllegalArgumentException(
                    URL_VARIABLE + " must start with redis:// or rediss://, but was " + withoutPassword(url));
        }
    }

    /** The Redis named by {@code REDIS_URL}, if it is set. */
    public static Optional<RedisEndpoint> fromEnvironment(Function<String, String> environment) {
        String url = environment.apply(URL_VARIABLE);
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new RedisEndpoint(url.trim(), "environment"));
    }

    public String host() {
        return URI.create(url).getHost();
    }

    public int port() {
        int port = URI.create(url).getPort();
        return port < 0 ? 6379 : port;
    }

    /** The URL without its password, safe to log. */
    public String describe() {
        return withoutPassword(url) + " (" + source + ")";
    }

    private static String withoutPassword(String url) {
        int at = url.indexOf('@');
        int scheme = url.indexOf("://");
        return at < 0 || scheme < 0 ? url : url.substring(0, scheme + 3) + "***@" + url.substring(at + 1);
    }

    @Override
    public String toString() {
        return "RedisEndpoint{" + describe() + "}";
    }
}
