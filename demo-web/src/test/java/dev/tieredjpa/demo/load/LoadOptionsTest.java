package dev.tieredjpa.demo.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The load command's flags: defaults, both spellings, and a refusal naming the flag for each bad value. */
class LoadOptionsTest {

    @Test
    void parse_noFlags_givesTheDefaults() {
        LoadOptions options = LoadOptions.parse();

        assertThat(options).isEqualTo(new LoadOptions(URI.create("http://127.0.0.1:8080"), 200, Duration.ofSeconds(30),
                1000, 0.99, 5, 64));
    }

    @Test
    void parse_everyFlag_spaceOrEqualsSeparated() {
        LoadOptions options = LoadOptions.parse("--url", "http://localhost:8081/", "--rate=500", "--duration", "2m",
                "--products", "20", "--zipf=0", "--updates", "100", "--concurrency", "8");

        assertThat(options).isEqualTo(new LoadOptions(URI.create("http://localhost:8081"), 500, Duration.ofMinutes(2),
                20, 0.0, 100, 8));
    }

    @Test
    void parse_durationUnits() {
        assertThat(LoadOptions.parse("--duration", "500ms").duration()).isEqualTo(Duration.ofMillis(500));
        assertThat(LoadOptions.parse("--duration", "30S").duration()).isEqualTo(Duration.ofSeconds(30));
        assertThat(LoadOptions.parse("--duration", "1h").duration()).isEqualTo(Duration.ofHours(1));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "--rate        | abc   | --rate must be a whole number of requests per second from 1 to 100000, but was 'abc'",
            "--rate        | 0     | --rate must be a whole number of requests per second from 1 to 100000, but was '0'",
            "--rate        | 2.5   | --rate must be a whole number of requests per second from 1 to 100000, but was '2.5'",
            "--duration    | 30    | --duration must be a positive duration with a unit, such as 500ms, 30s or 2m, but was '30'",
            "--duration    | 0s    | --duration must be a positive duration with a unit, such as 500ms, 30s or 2m, but was '0s'",
            "--products    | 0     | --products must be a whole number of products from 1 to 1000000, but was '0'",
            "--zipf        | -1    | --zipf must be a number from 0 (uniform) to 10, but was '-1'",
            "--zipf        | NaN   | --zipf must be a number from 0 (uniform) to 10, but was 'NaN'",
            "--updates     | 101   | --updates must be a percentage from 0 to 100, but was '101'",
            "--concurrency | 0     | --concurrency must be a whole number of requests from 1 to 10000, but was '0'",
            "--url         | ftp://x | --url must be an http:// or https:// URL such as http://127.0.0.1:8080, but was 'ftp://x'",
            "--url         | localhost:8080 | --url must be an http:// or https:// URL such as http://127.0.0.1:8080, but was 'localhost:8080'",
    })
    void parse_badValue_isRefusedNamingTheFlag(String flag, String value, String message) {
        assertThatThrownBy(() -> LoadOptions.parse(flag, value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void parse_flagWithoutValue_unknownFlag_repeatedFlag_strayArgument_areRefused() {
        assertThatThrownBy(() -> LoadOptions.parse("--rate"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("--rate needs a value");
        assertThatThrownBy(() -> LoadOptions.parse("--rate", "--zipf", "1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("--rate needs a value");
        assertThatThrownBy(() -> LoadOptions.parse("--speed", "9"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown option --speed; the load command knows --url, --rate, --duration, --products, --zipf,"
                        + " --updates, --concurrency");
        assertThatThrownBy(() -> LoadOptions.parse("--rate", "5", "--rate=6"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("--rate is given twice");
        assertThatThrownBy(() -> LoadOptions.parse("fast"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unexpected argument 'fast': every setting is a --flag");
    }

    @Test
    void run_badFlag_printsTheReasonAndUsage_andExitsWith2() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int exit = LoadCommand.run(new String[] {"--rate", "fast"}, print(out), print(err), false);

        assertThat(exit).isEqualTo(LoadCommand.USAGE_ERROR);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("load: --rate must be a whole number of requests per second from 1 to 100000, but was 'fast'")
                .contains("usage: java -jar demo-web.jar load");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void run_unreachableNode_saysSo_andExitsWith1() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        // Port 1 on loopback: nothing listens there.
        int exit = LoadCommand.run(new String[] {"--url", "http://127.0.0.1:1", "--duration", "1s"},
                print(new ByteArrayOutputStream()), print(err), false);

        assertThat(exit).isEqualTo(LoadCommand.FAILED);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("load: could not create products at http://127.0.0.1:1: ");
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
