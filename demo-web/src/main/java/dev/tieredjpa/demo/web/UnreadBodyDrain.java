package dev.tieredjpa.demo.web;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads and discards whatever is left of a request body once its answer is decided: a body refused as too
 * large, sent to a path that takes none, or on a request answered 404.
 *
 * <p>Without it the server closes the connection with the body still unread, the kernel answers the
 * client's remaining bytes with a reset, and that reset can wipe the answer (a 413 naming the limit, a
 * 404) before the client reads it: the client sees a broken connection instead of a clear error. This is
 * the lingering close of other HTTP servers, bounded so that it cannot be used to keep a thread busy:
 * past {@link #MAX_DRAINED_BYTES} the connection is closed as before; a client that stops sending is
 * bounded by Jetty's idle timeout.
 */
public final class UnreadBodyDrain {

    static final long MAX_DRAINED_BYTES = 16L * 1024 * 1024;

    private UnreadBodyDrain() {
    }

    public static void register(RoutesConfig routes) {
        // "after" handlers run on every request, after exception mapping and before the answer is written.
        routes.after(UnreadBodyDrain::drain);
    }

    static void drain(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        if (declared == 0 || declared > MAX_DRAINED_BYTES) {
            return;
        }
        byte[] buffer = new byte[16 * 1024];
        long drained = 0;
        try {
            InputStream in = ctx.req().getInputStream();
            for (int read; drained < MAX_DRAINED_BYTES && (read = in.read(buffer)) != -1; ) {
                drained += read;
            }
        } catch (IOException | IllegalStateException e) {
            // The client went away, or the body was taken as a reader: nothing left to spare it from.
        }
    }
}
