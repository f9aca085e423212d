package dev.tieredjpa.demo.web;

import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.regex.Pattern;

/** Reads ids, id lists and versions from a request's path, query and headers; a bad one is a 400 naming it. */
public final class Requests {

    /** At most this many ids in one {@code ?ids=} lookup. */
    public static final int MAX_IDS = 1000;

    private static final Pattern ID = Pattern.compile("[0-9]{1,18}");
    private static final Pattern ETAG_VERSION = Pattern.compile("(?:W/)?\"?([0-9]{1,18})\"?");

    private Requests() {
    }

    /** The numeric {@code {id}} of the path. */
    public static long pathId(Context ctx) {
        return parseId(ctx.pathParam("id"), "id");
    }

    /** The ids of {@code ?ids=1,2,3}, in order. */
    public static List<Long> queryIds(Context ctx) {
        String raw = ctx.queryParam("ids");
        if (raw == null || raw.isBlank()) {
            throw ApiError.badRequest("ids", "ids is required: a comma-separated list of ids, e.g. ?ids=1,2,3");
        }
        String[] parts = raw.split(",", -1);
        if (parts.length > MAX_IDS) {
            throw ApiError.badRequest("ids", "ids may name at most " + MAX_IDS + " ids, but named " + parts.length);
        }
        List<Long> ids = new ArrayList<>(parts.length);
        for (String part : parts) {
            ids.add(parseId(part.trim(), "ids"));
        }
        return ids;
    }

    /**
     * The version an update is based on: {@code "version"} in the body, else the {@code If-Match} header
     * (an entity tag that {@code entityTag} reads, such as {@code "product-5-v3"}, or a bare version such as
     * {@code "3"} or {@code 3}); empty when neither is given or If-Match is {@code *}.
     *
     * @param entityTag the version that an entity tag of the API names, or empty when the text is not one
     */
    public static OptionalLong expectedVersion(Context ctx, Long bodyVersion, Function<String, OptionalLong> entityTag) {
        String ifMatch = ctx.header("If-Match");
        OptionalLong headerVersion = OptionalLong.empty();
        if (ifMatch != null && !ifMatch.isBlank() && !ifMatch.trim().equals("*")) {
            headerVersion = entityTag.apply(ifMatch.trim());
            if (headerVersion.isEmpty()) {
                var matcher = ETAG_VERSION.matcher(ifMatch.trim());
                if (!matcher.matches()) {
                    throw ApiError.badRequest("If-Match", "If-Match must be the entity's ETag or a version such as \"3\", but was "
                            + abbreviate(ifMatch));
                }
                headerVersion = OptionalLong.of(Long.parseLong(matcher.group(1)));
            }
        }
        if (bodyVersion == null) {
            return headerVersion;
        }
        if (headerVersion.isPresent() && headerVersion.getAsLong() != bodyVersion) {
            throw ApiError.badRequest("version", "version in the body (" + bodyVersion
                    + ") and If-Match (" + headerVersion.getAsLong() + ") disagree");
        }
        return OptionalLong.of(bodyVersion);
    }

    private static long parseId(String raw, String field) {
        if (raw == null || !ID.matcher(raw).matches()) {
            throw ApiError.badRequest(field, field + " must be a positive whole number, but was '" + abbreviate(raw) + "'");
        }
        return Long.parseLong(raw);
    }

    private static String abbreviate(String raw) {
        return raw == null ? "" : raw.length() > 40 ? raw.substring(0, 40) + "…" : raw;
    }
}
