package dev.tieredjpa.demo.web;

import dev.tieredjpa.cache.ValueFormat;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One rendered GET answer as the {@link ResponseCache} keeps it: the JSON body and the strong ETag of the
 * entity version it was rendered from.
 *
 * @param etag the quoted entity tag, e.g. {@code "product-5-v3"}
 * @param json the body, exactly as the API sends it
 */
public record CachedResponse(String etag, String json) {

    /**
     * The bytes in Redis: {@code r1\n<etag>\n<json>} in UTF-8. Jackson never writes a raw line break, so
     * the second line ends where the tag ends; anything else is refused, and the cache counts a miss.
     */
    public static final ValueFormat<CachedResponse> FORMAT = new ValueFormat<>() {
        private static final String MAGIC = "r1\n";

        @Override
        public byte[] encode(CachedResponse value) {
            return (MAGIC + value.etag + "\n" + value.json).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public CachedResponse decode(byte[] bytes) {
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException("a cached response must be UTF-8 text", e);
            }
            int tagEnd = text.indexOf('\n', MAGIC.length());
            if (!text.startsWith(MAGIC) || tagEnd < 0) {
                throw new IllegalArgumentException("not a cached response: no 'r1' header line and tag line");
            }
            return new CachedResponse(text.substring(MAGIC.length(), tagEnd), text.substring(tagEnd + 1));
        }
    };

    public CachedResponse {
        Objects.requireNonNull(etag, "etag");
        Objects.requireNonNull(json, "json");
        if (etag.length() < 2 || !etag.startsWith("\"") || !etag.endsWith("\"") || etag.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("etag must be a quoted entity tag on one line, but was " + etag);
        }
    }
}
