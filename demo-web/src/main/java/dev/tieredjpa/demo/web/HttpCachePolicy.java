package dev.tieredjpa.demo.web;

import io.javalin.http.Context;

/**
 * How each resource of the API may be cached outside the service ({@code Cache-Control}) and whether the
 * service keeps its rendered GET answers in the {@link ResponseCache}. One place, so that the choice for
 * every resource can be read side by side.
 *
 * <p>The library promises that once a write has returned, no node serves the old version (beyond the L1
 * propagation window). A {@code max-age} would let a browser or a CDN break that promise for as long as
 * the age allows, so no resource has one: what a client may keep, it revalidates with
 * {@code If-None-Match}, which costs the service a response-cache hit and the client a 304 without a body.
 * Users and products are kept in the response cache; sessions are not.
 */
public enum HttpCachePolicy {

    /**
     * Products: the same for every client and read far more than written. A shared cache (a CDN, a proxy)
     * may store them, but must revalidate each time: {@code public, no-cache}.
     */
    SHARED_REVALIDATE("public, no-cache"),

    /**
     * Users: personal data. Only the client's own cache may store them, and it revalidates each time:
     * {@code private, no-cache}. The service still caches the rendered answer: it answers every caller
     * of {@code /api/users/{id}} alike.
     */
    PRIVATE_REVALIDATE("private, no-cache"),

    /**
     * Sessions: a token is a credential, and reading a session extends it (every GET is a write), so there
     * is nothing to keep and nothing to revalidate: {@code no-store}, and no server-side caching.
     */
    NO_STORE("no-store");

    private final String cacheControl;

    HttpCachePolicy(String cacheControl) {
        this.cacheControl = cacheControl;
    }

    /** The {@code Cache-Control} header value. */
    public String cacheControl() {
        return cacheControl;
    }

    /** Sets this policy's {@code Cache-Control} on the answer. */
    public void apply(Context ctx) {
        ctx.header("Cache-Control", cacheControl);
    }
}
