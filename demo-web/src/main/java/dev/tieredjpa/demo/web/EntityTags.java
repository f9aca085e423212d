package dev.tieredjpa.demo.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API's entity tags. An entity's is strong and names its type, id and version:
 * {@code "product-5-v3"}; a list's ({@code ?ids=}) is a digest of its members' tags in order:
 * {@code "product-list-<22 base64url characters>"}. Two answers have the same tag exactly when they have the
 * same body, because a body is a function of the entities' versions.
 */
public final class EntityTags {

    private static final Pattern ENTITY_TAG = Pattern.compile("(?:W/)?\"([a-z]+)-([0-9]{1,18})-v([0-9]{1,18})\"");

    private EntityTags() {
    }

    /** The strong tag of one entity version, quoted. */
    public static String of(String type, long id, long version) {
        return "\"" + type + "-" + id + "-v" + version + "\"";
    }

    /** The strong tag of a list of entities: a digest of their tags, in the list's order. */
    public static String ofList(String type, List<String> memberTags) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        for (String tag : memberTags) {
            sha256.update(tag.getBytes(StandardCharsets.UTF_8));
            sha256.update((byte) ',');
        }
        byte[] digest = sha256.digest();
        // 16 bytes (128 bits) are plenty to tell two lists apart; the tag stays short.
        String hash = Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 16));
        return "\"" + type + "-list-" + hash + "\"";
    }

    /**
     * Whether an {@code If-None-Match} header names this tag: {@code *}, or a comma-separated list of
     * tags compared weakly (a {@code W/} prefix is ignored), as RFC 9110 section 13.1.2 says for GET. A
     * malformed header matches nothing, so the client gets the full answer.
     */
    public static boolean noneMatchNames(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null || ifNoneMatch.isBlank()) {
            return false;
        }
        String header = ifNoneMatch.trim();
        if (header.equals("*")) {
            return true;
        }
        String opaque = etag.startsWith("W/") ? etag.substring(2) : etag;
        int i = 0;
        int n = header.length();
        while (i < n) {
            char c = header.charAt(i);
            if (c == ' ' || c == '\t' || c == ',') {
                i++;
                continue;
            }
            if (header.startsWith("W/", i)) {
                i += 2;
            }
            if (i >= n || header.charAt(i) != '"') {
                return false;
            }
            int close = header.indexOf('"', i + 1);
            if (close < 0) {
                return false;
            }
            if (header.regionMatches(i, opaque, 0, opaque.length()) && close + 1 - i == opaque.length()) {
                return true;
            }
            i = close + 1;
        }
        return false;
    }

    /**
     * The version an entity tag of this API names, when it has this tag's form; empty when the text is
     * not such a tag (it may still be a bare version, which {@link Requests} reads).
     *
     * @throws ApiError 400 naming {@code header} when the tag is of another entity than {@code type} {@code id}
     */
    static OptionalLong versionOf(String tag, String type, long id, String header) {
        Matcher matcher = ENTITY_TAG.matcher(tag);
        if (!matcher.matches()) {
            return OptionalLong.empty();
        }
        if (!matcher.group(1).equals(type) || Long.parseLong(matcher.group(2)) != id) {
            throw ApiError.badRequest(header, header + " names " + matcher.group(1) + " " + matcher.group(2)
                    + ", not this " + type + " " + id + ": " + tag);
        }
        return OptionalLong.of(Long.parseLong(matcher.group(3)));
    }
}
