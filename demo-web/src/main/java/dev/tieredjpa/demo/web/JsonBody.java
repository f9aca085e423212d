package dev.tieredjpa.demo.web;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Set;

/**
 * A request's JSON object, read strictly: each accessor checks one field's presence and type and
 * answers 400 naming the field when it is wrong. Length and range rules live on the entities (bean
 * validation); this class checks only what JSON itself can get wrong.
 */
public final class JsonBody {

    private final ObjectNode object;

    private JsonBody(ObjectNode object) {
        this.object = object;
    }

    /**
     * Reads the request body as one JSON object.
     *
     * @param writable the fields a client may send
     * @param ignored  fields of the resource's own representation that a client may echo back unchanged
     *                 (ids, timestamps) and that are ignored; any other field is refused by name
     */
    public static JsonBody read(Context ctx, Set<String> writable, Set<String> ignored) {
        JsonNode node;
        try {
            byte[] bytes = readLimited(ctx);
            if (bytes.length == 0) {
                throw ApiError.badRequest(null, "the request body is empty; a JSON object was expected");
            }
            node = Json.MAPPER.readTree(bytes);
        } catch (JacksonException e) {
            throw ApiError.badRequest(null, "the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiError.badRequest(null, "the request body could not be read");
        }
        if (!(node instanceof ObjectNode object)) {
            throw ApiError.badRequest(null, "the request body must be a JSON object, but was " + describe(node));
        }
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!writable.contains(name) && !ignored.contains(name)) {
                throw ApiError.badRequest(name, "unknown field '" + name + "'; allowed: " + writable);
            }
        }
        return new JsonBody(object);
    }

    /** A string field that must be present and non-null (blank is left to bean validation, which names it). */
    public String requiredText(String field) {
        String value = optionalText(field);
        if (value == null) {
            throw ApiError.badRequest(field, field + " is required");
        }
        return value;
    }

    /** A string field that may be missing or null. */
    public String optionalText(String field) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw ApiError.badRequest(field, field + " must be a string, but was " + describe(value));
        }
        return value.textValue();
    }

    /** A whole-number field that must be present. */
    public long requiredLong(String field) {
        Long value = optionalLong(field);
        if (value == null) {
            throw ApiError.badRequest(field, field + " is required");
        }
        return value;
    }

    /** A whole-number field that may be missing or null. */
    public Long optionalLong(String field) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw ApiError.badRequest(field, field + " must be a whole number, but was " + describe(value));
        }
        return value.longValue();
    }

    /** A decimal-number field that must be present. */
    public BigDecimal requiredDecimal(String field) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            throw ApiError.badRequest(field, field + " is required");
        }
        if (!value.isNumber()) {
            throw ApiError.badRequest(field, field + " must be a number, but was " + describe(value));
        }
        return value.decimalValue();
    }

    private static byte[] readLimited(Context ctx) throws IOException {
        long declared = ctx.req().getContentLengthLong();
        if (declared > Json.MAX_BODY_BYTES) {
            throw tooLarge();
        }
        // Not closed: the container owns the stream, and UnreadBodyDrain reads the rest of a refused body.
        InputStream in = ctx.req().getInputStream();
        byte[] bytes = in.readNBytes(Json.MAX_BODY_BYTES + 1);
        if (bytes.length > Json.MAX_BODY_BYTES) {
            throw tooLarge();
        }
        return bytes;
    }

    private static ApiError tooLarge() {
        return new ApiError(413, "the request body is larger than " + Json.MAX_BODY_BYTES + " bytes", null);
    }

    private static String describe(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().name().toLowerCase();
        };
    }
}
