package dev.tieredjpa.demo.web;

/**
 * A request the API refuses, with the HTTP status to answer, a message for people and, where one field
 * of the request is at fault, its name. Rendered as {@code {"error": "...", "field": "..."}}.
 */
public final class ApiError extends RuntimeException {

    private final int status;
    private final String field;

    public ApiError(int status, String message, String field) {
        super(message, null, false, false);
        this.status = status;
        this.field = field;
    }

    public static ApiError badRequest(String field, String message) {
        return new ApiError(400, message, field);
    }

    public static ApiError notFound(String what) {
        return new ApiError(404, what + " not found", null);
    }

    public int status() {
        return status;
    }

    /** The request field at fault, or null. */
    public String field() {
        return field;
    }
}
