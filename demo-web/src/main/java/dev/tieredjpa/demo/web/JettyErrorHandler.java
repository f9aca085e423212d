package dev.tieredjpa.demo.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The answer to a request that Jetty refuses before the API sees it: a URI too long, an ambiguous path
 * segment such as {@code %00}, headers too large. Jetty's own page is HTML; this one is the API's JSON
 * error body, like every other refusal.
 *
 * <p>It also says {@code Connection: close}. Jetty closes the connection after such a request anyway
 * (its parser cannot go on), but without the header a client may put the connection back in its pool
 * and send its next request into the closed socket.
 */
public final class JettyErrorHandler extends ErrorHandler {

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) {
        byte[] body;
        try {
            body = Json.MAPPER.writeValueAsBytes(new ErrorBody(code + " " + message, null));
        } catch (JsonProcessingException e) {
            callback.failed(e);
            return;
        }
        response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
