package dev.tieredjpa.cache.internal.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The invalidation message on the wire: this format with the send time, and the one before it. */
class InvalidationTest {

    @Test
    void decode_encodedKeyInvalidation_sameMessageWithSendTime() {
        long before = Invalidation.nowMicros();
        Invalidation sent = Invalidation.key("node-a/1234", "items", "Item#7", 3);
        long after = Invalidation.nowMicros();

        Invalidation heard = Invalidation.decode(sent.encode());

        assertThat(heard).isEqualTo(sent);
        assertThat(heard.sentAtMicros()).isBetween(before, after);
    }

    @Test
    void decode_formatOneMessage_readWithSendTimeUnknown() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeByte(Invalidation.Kind.REGION.ordinal());
            out.writeUTF("old-node");
            out.writeUTF("items");
            out.writeUTF("");
            out.writeLong(-1);
        }

        Invalidation heard = Invalidation.decode(bytes.toByteArray());

        assertThat(heard).isEqualTo(new Invalidation(Invalidation.Kind.REGION, "old-node", "items", "", -1, -1));
    }

    @Test
    void decode_unknownFormat_refused() {
        byte[] message = Invalidation.region("a", "items").encode();
        message[0] = 9;

        assertThatThrownBy(() -> Invalidation.decode(message))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not an invalidation message of format 1 or 2, but of 9");
    }

    @Test
    void decode_formatTwoWithoutItsSendTime_refusedAsTruncated() {
        byte[] message = Invalidation.region("a", "items").encode();
        byte[] truncated = java.util.Arrays.copyOf(message, message.length - 8);

        assertThatThrownBy(() -> Invalidation.decode(truncated))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("truncated invalidation message");
    }
}
