package dev.tieredjpa.devservices;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/**
 * A real {@code redis-server} process, from the binary that the embedded-redis dependency ships, on a
 * free loopback port. Nothing is written to disk. {@link #close()} stops it, and so does JVM exit.
 */
public final class EmbeddedRedis implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedRedis.class);

    private final RedisServer server;
    private final int port;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final Thread shutdownHook;

    private EmbeddedRedis(RedisServer server, int port) {
        this.server = server;
        this.port = port;
        this.shutdownHook = new Thread(this::stopQuietly, "embedded-redis-stop-" + port);
    }

    /** Starts a redis-server on a free port of 127.0.0.1 and waits until it accepts connections. */
    public static EmbeddedRedis start() {
        int port = freePort();
        try {
            RedisServer server = RedisServer.newRedisServer()
                    .bind("127.0.0.1")
                    .port(port)
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .onShutdownForceStop(true)
                    .build();
            server.start();
            EmbeddedRedis redis = new EmbeddedRedis(server, port);
            Runtime.getRuntime().addShutdownHook(redis.shutdownHook);
            log.info("Started embedded redis-server on 127.0.0.1:{}", port);
            return redis;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded redis-server on port " + port, e);
        }
    }

    public RedisEndpoint endpoint() {
        return new RedisEndpoint("redis://127.0.0.1:" + port, "embedded");
    }

    public int port() {
        return port;
    }

    public boolean isRunning() {
        return !stopped.get() && server.isActive();
    }

    @Override
    public void close() {
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or has run: nothing left to remove
        }
    }

    private void stopQuietly() {
        if (stopped.compareAndSet(false, true)) {
            try {
                server.stop();
                awaitPortClosed();
                log.info("Stopped embedded redis-server on 127.0.0.1:{}", port);
            } catch (IOException e) {
                log.warn("Could not stop the embedded redis-server on port {} cleanly", port, e);
            }
        }
    }

    /**
     * The process is signalled to stop, but exits on its own time; wait (bounded) until its port no longer
     * accepts connections, so that "stopped" means stopped.
     */
    private void awaitPortClosed() {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline && accepts()) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private boolean accepts() {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not find a free port for the embedded redis-server", e);
        }
    }
}
