package dev.tieredjpa.demo;

import java.util.concurrent.CountDownLatch;

/** {@code java -jar demo-web/target/demo-web.jar}: runs one demo node until it is stopped (Ctrl-C, SIGTERM). */
public final class DemoMain {

    private DemoMain() {
    }

    public static void main(String[] args) throws InterruptedException {
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
}
