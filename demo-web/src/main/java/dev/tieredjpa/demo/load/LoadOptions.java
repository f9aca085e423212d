package dev.tieredjpa.demo.load;

import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings of one {@code load} run, read from its command line. Each flag is checked as it is read; a
 * bad one stops the run with a message that names the flag, the rule and the value.
 *
 * @param url         the demo node to drive
 * @param rate        requests per second, sent on a fixed schedule whatever the answers' latency
 * @param duration    how long to send for
 * @param products    how many products the requests spread over (seeded when fewer exist)
 * @param zipf        the Zipf exponent of the key choice: 0 is uniform, 0.99 a typical hot set
 * @param updates     the percentage of requests that are updates ({@code PUT}); the rest are reads
 * @param concurrency how many requests may be in flight at once
 */
public record LoadOptions(URI url, int rate, Duration duration, int products, double zipf, int updates, int concurrency) {

    public static final String USAGE = String.join("\n",
            "usage: java -jar demo-web.jar load [--url URL] [--rate N] [--duration D] [--products N] [--zipf S]",
            "                                   [--updates PERCENT] [--concurrency N]",
            "",
            "Drives a Zipfian mix of product reads and updates at a demo node and prints, every second, the share",
            "of reads each tier answered (X-Cache), the response cache's hit rate, latency p50/p99 and errors.",
            "",
            "  --url URL          the node to drive (default http://127.0.0.1:8080)",
            "  --rate N           requests per second, 1 to 100000 (default 200)",
            "  --duration D       how long, with a unit: 500ms, 30s, 2m (default 30s)",
            "  --products N       products to spread the requests over, 1 to 1000000; seeded when fewer exist (default 1000)",
            "  --zipf S           Zipf exponent of the key choice, 0 (uniform) to 10 (default 0.99)",
            "  --updates PERCENT  share of requests that are updates, 0 to 100 (default 5)",
            "  --concurrency N    requests in flight at most, 1 to 10000 (default 64)");

    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

    public LoadOptions {
        // The record is made by parse(), which has checked every value; these guard direct construction.
        if (rate < 1 || products < 1 || concurrency < 1 || updates < 0 || updates > 100 || zipf < 0
                || duration.isZero() || duration.isNegative()) {
            throw new IllegalArgumentException("invalid load options: " + rate + "/s, " + duration + ", " + products
                    + " products, zipf " + zipf + ", " + updates + "% updates, concurrency " + concurrency);
        }
    }

    /** The defaults, with every flag given in {@code args} ({@code --flag value} or {@code --flag=value}) applied. */
    public static LoadOptions parse(String... args) {
        URI url = URI.create("http://127.0.0.1:8080");
        int rate = 200;
        Duration duration = Duration.ofSeconds(30);
        int products = 1000;
        double zipf = 0.99;
        int updates = 5;
        int concurrency = 64;
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "': every setting is a --flag");
            }
            String flag = arg;
            String value;
            int equals = arg.indexOf('=');
            if (equals >= 0) {
                flag = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                value = null;
            }
            if (!seen.add(flag)) {
                throw new IllegalArgumentException(flag + " is given twice");
            }
            if (value == null && isKnown(flag)) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            switch (flag) {
                case "--url" -> url = url(value);
                case "--rate" -> rate = (int) whole(flag, value, 1, 100_000, "a whole number of requests per second");
                case "--duration" -> duration = duration(value);
                case "--products" -> products = (int) whole(flag, value, 1, 1_000_000, "a whole number of products");
                case "--zipf" -> zipf = exponent(value);
                case "--updates" -> updates = (int) whole(flag, value, 0, 100, "a percentage");
                case "--concurrency" -> concurrency = (int) whole(flag, value, 1, 10_000, "a whole number of requests");
                default -> throw new IllegalArgumentException("unknown option " + flag
                        + "; the load command knows --url, --rate, --duration, --products, --zipf, --updates, --concurrency");
            }
        }
        return new LoadOptions(url, rate, duration, products, zipf, updates, concurrency);
    }

    private static boolean isKnown(String flag) {
        return Set.of("--url", "--rate", "--duration", "--products", "--zipf", "--updates", "--concurrency").contains(flag);
    }

    private static URI url(String value) {
        try {
            URI uri = URI.create(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (IllegalArgumentException ignored) {
            // answered below
        }
        throw new IllegalArgumentException("--url must be an http:// or https:// URL such as http://127.0.0.1:8080, but was '"
                + value + "'");
    }

    private static long whole(String flag, String value, long min, long max, String what) {
        try {
            long number = Long.parseLong(value.trim());
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw new IllegalArgumentException(flag + " must be " + what + " from " + min + " to " + max + ", but was '" + value + "'");
    }

    private static Duration duration(String value) {
        Matcher matcher = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (matcher.matches()) {
            long amount = Long.parseLong(matcher.group(1));
            Duration duration = switch (matcher.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            };
            if (!duration.isZero()) {
                return duration;
            }
        }
        throw new IllegalArgumentException("--duration must be a positive duration with a unit, such as 500ms, 30s or 2m, but was '"
                + value + "'");
    }

    private static double exponent(String value) {
        try {
            double exponent = Double.parseDouble(value.trim());
            if (exponent >= 0 && exponent <= 10) {
                return exponent;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw new IllegalArgumentException("--zipf must be a number from 0 (uniform) to 10, but was '" + value + "'");
    }

    @Override
    public String toString() {
        return "LoadOptions{url=" + url + ", rate=" + rate + "/s, duration=" + duration + ", products=" + products
                + ", zipf=" + zipf + ", updates=" + updates + "%, concurrency=" + concurrency + "}";
    }
}
