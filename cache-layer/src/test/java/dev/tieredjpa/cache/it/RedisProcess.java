package dev.tieredjpa.cache.it;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import redis.embedded.RedisServer;

/**
 * A fault injector for one Redis process of a test's own, on a fixed loopback port: it can be killed and
 * started again on the same port (empty: nothing is persisted), and paused and resumed with SIGSTOP and
 * SIGCONT (the data survives, connections hang instead of being refused).
 *
 * <p>Uses the system's {@code redis-server} (Debian's {@code /usr/bin/redis-server}, or one on the PATH),
 * which it can signal. Without one it falls back to the binary that embedded-redis ships: kill and
 * restart still work, pause and resume do not ({@link #canPause()} says so).
 *
 * <p>This belongs in test-support with the other fixtures; it lives here while that module is owned by
 * others.
 */
final class RedisProcess implements AutoCloseable {

    private static final long READY_TIMEOUT_MILLIS = 10_000;

    private final int port;
    private final String binary;
    /** More arguments for the server (a replica's {@code --replicaof}). */
    private final List<String> extraArgs;
    /** For a Sentinel: its config file, which it rewrites as it learns. */
    private final java.nio.file.Path sentinelConfig;
    private final Thread shutdownHook;
    private Process process;
    private RedisServer embedded;
    private boolean paused;

    private RedisProcess(int port, String binary) {
        this(port, binary, List.of(), null);
    }

    private RedisProcess(int port, String binary, List<String> extraArgs, java.nio.file.Path sentinelConfig) {
        this.port = port;
        this.binary = binary;
        this.extraArgs = extraArgs;
        this.sentinelConfig = sentinelConfig;
        this.shutdownHook = new Thread(this::destroyQuietly, "redis-process-stop-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a fresh redis-server on a free loopback port and waits until it answers PING. */
    static RedisProcess start() {
        RedisProcess redis = new RedisProcess(freePort(), systemBinary().orElse(null));
        redis.startAgain();
        return redis;
    }

    /** Whether a system redis-server is here (replicas and Sentinels need it). */
    static boolean systemServerAvailable() {
        return systemBinary().isPresent();
    }

    /** A replica of the server on {@code masterPort}, on a free port (needs a system redis-server). */
    static RedisProcess startReplicaOf(int masterPort) {
        RedisProcess redis = new RedisProcess(freePort(), systemBinary().orElseThrow(),
                List.of("--replicaof", "127.0.0.1", String.valueOf(masterPort)), null);
        redis.startAgain();
        return redis;
    }

    /**
     * A Sentinel watching the master {@code masterName} on {@code masterPort}: down after 1 s without an
     * answer, failed over by a quorum of 2 (needs a system redis-server).
     */
    static RedisProcess startSentinel(String masterName, int masterPort) {
        int port = freePort();
        try {
            java.nio.file.Path config = java.nio.file.Files.createTempFile("sentinel-" + port, ".conf");
            java.nio.file.Files.writeString(config, String.join("\n",
                    "port " + port,
                    "bind 127.0.0.1",
                    "sentinel monitor " + masterName + " 127.0.0.1 " + masterPort + " 2",
                    "sentinel down-after-milliseconds " + masterName + " 1000",
                    "sentinel failover-timeout " + masterName + " 5000",
                    "sentinel parallel-syncs " + masterName + " 1", ""));
            RedisProcess sentinel = new RedisProcess(port, systemBinary().orElseThrow(), List.of(), config);
            sentinel.startAgain();
            return sentinel;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A Redis Cluster node, not yet in a cluster (see {@link RedisClusterProcesses}): its cluster state in a
     * file of its own under {@code dir}, a node counted as failing after 1 s without an answer. Its port is
     * below 55536, so that its cluster bus port (port + 10000) exists, and both are free.
     */
    static RedisProcess startClusterNode(java.nio.file.Path dir) {
        int port = freeClusterPort();
        RedisProcess redis = new RedisProcess(port, systemBinary().orElseThrow(), List.of("--cluster-enabled", "yes",
                "--cluster-config-file", dir.resolve("nodes-" + port + ".conf").toString(),
                "--cluster-node-timeout", "1000", "--cluster-replica-validity-factor", "0"), null);
        redis.startAgain();
        return redis;
    }

    /** Whether {@link #pause()} is possible here (a system redis-server we can signal). */
    boolean canPause() {
        return binary != null;
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    /** Kills the process (SIGKILL: no goodbye to the clients, like a crash) and waits until it is gone. */
    synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            waitFor(process);
            process = null;
        } else if (embedded != null) {
            try {
                embedded.stop();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            embedded = null;
        }
        paused = false;
        awaitPortClosed();
    }

    /** Starts a new, empty redis-server on the same port and waits until it answers PING. */
    synchronized void startAgain() {
        if (process != null || embedded != null) {
            throw new IllegalStateException("redis-server on port " + port + " is still running");
        }
        try {
            if (binary != null) {
                File log = new File(System.getProperty("java.io.tmpdir"), "redis-process-" + port + ".log");
                List<String> command = new java.util.ArrayList<>();
                if (sentinelConfig != null) {
                    command.addAll(List.of(binary, sentinelConfig.toString(), "--sentinel"));
                } else {
                    // A working directory of its own and empty at each start: a replica writes the RDB of its
                    // full sync there, and a dump.rdb left in the shared working directory would be loaded by the
                    // next server started there, which would then not start empty.
                    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("redis-" + port + "-");
                    dir.toFile().deleteOnExit();
                    command.addAll(List.of(binary, "--port", String.valueOf(port), "--bind", "127.0.0.1",
                            "--save", "", "--appendonly", "no", "--protected-mode", "no", "--dir", dir.toString()));
                    command.addAll(extraArgs);
                }
                process = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
                        .start();
            } else {
                embedded = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                        .setting("save \"\"").setting("appendonly no").build();
                embedded.start();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start redis-server on port " + port, e);
        }
        awaitPong();
    }

    /**
     * Sends one command on a connection of its own (so the caller's clients are not involved) and answers the
     * reply as text: a status, an integer or a bulk string; an error reply throws.
     */
    String command(String... args) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
            socket.setSoTimeout(5_000);
            return roundTrip(socket, args);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes one command on a connected socket (plain or TLS) and reads its reply as text: a status, an
     * integer or a bulk string; an error reply throws.
     */
    static String roundTrip(Socket socket, String... args) throws IOException {
        StringBuilder request = new StringBuilder("*").append(args.length).append("\r\n");
        for (String arg : args) {
            request.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg).append("\r\n");
        }
        socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
        String line = readLine(in);
        if (line.isEmpty()) {
            throw new IOException("connection closed before a reply to " + List.of(args));
        }
        switch (line.charAt(0)) {
            case '+', ':' -> {
                return line.substring(1);
            }
            case '-' -> throw new IllegalStateException("redis-server answered " + line.substring(1) + " to " + List.of(args));
            case '$' -> {
                int length = Integer.parseInt(line.substring(1));
                if (length < 0) {
                    return null;
                }
                byte[] bulk = in.readNBytes(length + 2);
                return new String(bulk, 0, length, StandardCharsets.UTF_8);
            }
            default -> throw new IllegalStateException("unexpected reply " + line + " to " + List.of(args));
        }
    }

    static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\r') {
                in.read();
                break;
            }
            line.append((char) c);
        }
        return line.toString();
    }

    /** SIGSTOP: the server stops answering, its data and connections stay. */
    synchronized void pause() {
        signal("-STOP");
        paused = true;
    }

    /** SIGCONT: the server answers again, with everything it held. */
    synchronized void resume() {
        signal("-CONT");
        paused = false;
    }

    private void signal(String signal) {
        if (process == null) {
            throw new IllegalStateException("no signalable redis-server process (system binary found: " + canPause() + ")");
        }
        try {
            Process kill = new ProcessBuilder("kill", signal, String.valueOf(process.pid())).inheritIO().start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill " + signal + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        destroyQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }

    private synchronized void destroyQuietly() {
        try {
            if (process != null) {
                if (paused) {
                    signal("-CONT");
                }
                process.destroyForcibly();
                waitFor(process);
                process = null;
            }
            if (embedded != null) {
                embedded.stop();
                embedded = null;
            }
        } catch (RuntimeException | IOException e) {
            System.err.println("Could not stop redis-server on port " + port + ": " + e);
        }
    }

    private static void waitFor(Process p) {
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("redis-server " + p.pid() + " did not exit within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitPong() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MILLIS);
        while (System.nanoTime() < deadline) {
            if (pong()) {
                return;
            }
            sleep(20);
        }
        throw new IllegalStateException("redis-server on port " + port + " did not answer PING within "
                + READY_TIMEOUT_MILLIS + " ms");
    }

    private boolean pong() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[7];
            int read = in.readNBytes(reply, 0, reply.length);
            return read == 7 && new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException notYet) {
            return false;
        }
    }

    private void awaitPortClosed() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            } catch (IOException closed) {
                return;
            }
            sleep(20);
        }
    }

    static Optional<String> systemBinary() {
        File debian = new File("/usr/bin/redis-server");
        if (debian.canExecute()) {
            return Optional.of(debian.getPath());
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                File candidate = new File(dir, "redis-server");
                if (candidate.canExecute()) {
                    return Optional.of(candidate.getPath());
                }
            }
        }
        return Optional.empty();
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freeClusterPort() {
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = 20_000 + random.nextInt(30_000);
            if (isFree(port) && isFree(port + 10_000)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port pair (port, port + 10000) found for a Redis Cluster node");
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
