package dev.tieredjpa.bench;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * A TCP proxy on loopback in front of Redis that counts the commands its clients send, by name. Clients
 * pointed at {@link #url()} are the only ones counted, so a Redis shared with other runs and tests (whose
 * commands the server's own {@code INFO} counters include) cannot disturb the count. What it counts is what
 * crosses the network: a Lua script is one {@code EVALSHA}, whatever the script calls inside Redis.
 */
final class CountingRedisProxy implements AutoCloseable {

    /** The commands sent so far: in all, and by lower-case name. */
    record Sent(long total, Map<String, Long> byName) {

        Sent since(Sent earlier) {
            Map<String, Long> delta = new TreeMap<>();
            byName.forEach((name, count) -> {
                long added = count - earlier.byName.getOrDefault(name, 0L);
                if (added > 0) {
                    delta.put(name, added);
                }
            });
            return new Sent(total - earlier.total, delta);
        }
    }

    private final URI target;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "counting-redis-proxy");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Map<String, LongAdder> sent = new ConcurrentHashMap<>();
    private final LongAdder total = new LongAdder();

    CountingRedisProxy(String redisUrl) {
        this.target = URI.create(redisUrl);
        try {
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        threads.execute(this::accept);
    }

    /** The URL to give clients: this proxy, with the real server's scheme and credentials. */
    String url() {
        String credentials = target.getRawUserInfo() == null ? "" : target.getRawUserInfo() + "@";
        return target.getScheme() + "://" + credentials + "127.0.0.1:" + server.getLocalPort();
    }

    Sent sent() {
        Map<String, Long> byName = new TreeMap<>();
        sent.forEach((name, count) -> byName.put(name, count.sum()));
        return new Sent(total.sum(), byName);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(target.getHost(), target.getPort() < 0 ? 6379 : target.getPort());
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                InputStream replies = upstream.getInputStream();
                OutputStream toClient = client.getOutputStream();
                threads.execute(() -> relay(replies, toClient, client, upstream));
                threads.execute(() -> countAndRelay(client, upstream));
            } catch (IOException e) {
                if (!server.isClosed()) {
                    System.err.println("counting proxy: " + e);
                }
            }
        }
    }

    /** Replies go back untouched. */
    private void relay(InputStream in, OutputStream out, Socket a, Socket b) {
        try {
            in.transferTo(out);
        } catch (IOException closed) {
            // the other side went away; so does this pair
        } finally {
            closeQuietly(a, b);
        }
    }

    /** Requests are forwarded as soon as they are read, and parsed (RESP arrays of bulk strings) to be counted. */
    private void countAndRelay(Socket client, Socket upstream) {
        try {
            OutputStream toServer = upstream.getOutputStream();
            InputStream forwarding = new FilterInputStream(client.getInputStream()) {
                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    int read = in.read(buffer, offset, length);
                    if (read > 0) {
                        toServer.write(buffer, offset, read);
                    }
                    return read;
                }
            };
            InputStream in = new BufferedInputStream(forwarding);
            for (String header = line(in); header != null; header = line(in)) {
                if (header.startsWith("*")) {
                    int parts = Integer.parseInt(header.substring(1));
                    String name = "";
                    for (int i = 0; i < parts; i++) {
                        int length = Integer.parseInt(line(in).substring(1));
                        byte[] part = in.readNBytes(length + 2);
                        if (i == 0) {
                            name = new String(part, 0, length, StandardCharsets.UTF_8).toLowerCase();
                        }
                    }
                    count(name);
                } else if (!header.isBlank()) {
                    count(header.trim().split("\\s+")[0].toLowerCase()); // an inline command
                }
            }
        } catch (IOException | RuntimeException closed) {
            // the client went away (or spoke something else): the pair is closed
        } finally {
            closeQuietly(client, upstream);
        }
    }

    private void count(String name) {
        sent.computeIfAbsent(name, n -> new LongAdder()).increment();
        total.increment();
    }

    /** A CRLF-ended line, without it; null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c = in.read();
        if (c < 0) {
            return null;
        }
        while (c != '\n') {
            if (c < 0) {
                throw new IOException("the stream ended within a line");
            }
            if (c != '\r') {
                line.append((char) c);
            }
            c = in.read();
        }
        return line.toString();
    }

    private void closeQuietly(Socket... pair) {
        for (Socket socket : pair) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already closed
            }
            sockets.remove(socket);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        sockets.forEach(this::closeQuietly);
        threads.shutdownNow();
    }
}
