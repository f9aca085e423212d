package dev.tieredjpa.demo.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The bytes a cached answer is kept as in Redis. */
class CachedResponseTest {

    @Test
    void format_roundTrip_keepsTagAndBodyExactly() {
        CachedResponse response = new CachedResponse("\"product-5-v3\"", "{\"name\":\"Tea \\n pot ☕\",\"price\":1.50}");

        CachedResponse decoded = CachedResponse.FORMAT.decode(CachedResponse.FORMAT.encode(response));

        assertThat(decoded).isEqualTo(response);
    }

    @Test
    void format_bytesOfSomethingElse_areRefused() {
        assertThatThrownBy(() -> CachedResponse.FORMAT.decode("{\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a cached response: no 'r1' header line and tag line");
        assertThatThrownBy(() -> CachedResponse.FORMAT.decode(new byte[] {'r', '1', '\n', (byte) 0xC3}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a cached response must be UTF-8 text");
        assertThatThrownBy(() -> CachedResponse.FORMAT.decode("r1\nproduct-5-v3\n{}".getBytes(StandardCharsets.UTF_8)))
                .as("an unquoted tag")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("etag must be a quoted entity tag on one line, but was product-5-v3");
    }
}
