package dev.tieredjpa.demo;

import dev.tieredjpa.demo.load.LoadCommand;
import dev.tieredjpa.devservices.EmbeddedRedis;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar demo-web/target/demo-web.jar [command]}:
 * <ul>
 *   <li>no command (or {@code serve}): runs one demo node until it is stopped (Ctrl-C, SIGTERM);</li>
 *   <li>{@code load ...}: drives a node with a Zipfian read/update mix and reports (see {@link LoadCommand});</li>
 *   <li>{@code redis}: runs the embedded redis-server on a free port, prints {@code REDIS_URL=...}, until stopped,
 *       so that several nodes can share one Redis where none is installed ({@code scripts/two-nodes}).</li>
 * </ul>
 */
public final class DemoMain {

    static final String USAGE = String.join("\n",
            "usage: java -jar demo-web.jar [serve]      run a demo node (settings from the environment: PORT, DB_URL, REDIS_URL, ...)",
            "       java -jar demo-web.jar load [flags] drive a node with reads and updates; load --help lists the flags",
            "       java -jar demo-web.jar redis        run the embedded redis-server on a free port and print its URL");

    private DemoMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        String command = args.length == 0 ? "serve" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (command) {
            case "serve" -> serve();
            case "load" -> System.exit(LoadCommand.run(rest, System.out, System.err, System.console() != null));
            case "redis" -> redis();
            case "help", "--help", "-h" -> System.out.println(USAGE);
            default -> {
                System.err.println("Unknown command '" + command + "'");
                System.err.println(USAGE);
                System.exit(2);
            }
        }
    }

    private static void serve() throws InterruptedException {
        DemoService service;
        try {
            service = DemoService.start(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("Cannot start: " + e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "demo-shutdown"));
        System.out.println("Demo node '" + service.nodeName() + "' listening on " + service.baseUri()
                + "  (try: curl " + service.baseUri() + "/health)");
        stopped.await();
    }

    private static void redis() throws InterruptedException {
        // EmbeddedRedis stops the server from its own shutdown hook.
        EmbeddedRedis redis = EmbeddedRedis.start();
        System.out.println("REDIS_URL=" + redis.endpoint().url());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
