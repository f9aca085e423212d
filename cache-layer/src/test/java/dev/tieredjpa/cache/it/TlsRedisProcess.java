package dev.tieredjpa.cache.it;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A {@code redis-server} of a test's own that listens with TLS only: {@code --port 0}, so there is no
 * plaintext port at all, and {@code --tls-port} on a free loopback port. Its certificate (for
 * {@code IP:127.0.0.1}, unless the test names others) is signed by a throwaway CA that {@code openssl} makes in a temp dir at start;
 * clients need not show a certificate ({@code --tls-auth-clients no}).
 *
 * <p>Needs the system's {@code redis-server} built with TLS (Debian's is) and {@code openssl} on the PATH;
 * {@link #unavailable()} says why not, for the test to skip itself.
 */
final class TlsRedisProcess implements AutoCloseable {

    private static final long READY_TIMEOUT_MILLIS = 10_000;

    /** A CA made by {@code openssl}: its certificate (PEM) and private key. */
    record Ca(Path cert, Path key) {

        /** A new self-signed CA named {@code name}, in {@code dir}. */
        static Ca create(Path dir, String name) {
            Path cert = dir.resolve(name + ".crt");
            Path key = dir.resolve(name + ".key");
            openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=" + name,
                    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
            return new Ca(cert, key);
        }

        /** A PKCS12 trust store at {@code file} that holds this CA's certificate only. */
        Path writeTrustStore(Path file, String password) {
            try (OutputStream out = Files.newOutputStream(file)) {
                trustStore().store(out, password.toCharArray());
                return file;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        KeyStore trustStore() throws GeneralSecurityException, IOException {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            try (InputStream in = Files.newInputStream(cert)) {
                Certificate certificate = CertificateFactory.getInstance("X.509").generateCertificate(in);
                store.setCertificateEntry("ca", certificate);
            }
            return store;
        }
    }

    private final Path dir;
    private final Ca ca;
    private final int port;
    private final Path log;
    private final SSLContext clientContext;
    private final Thread shutdownHook;
    private Process process;

    private TlsRedisProcess(Path dir, Ca ca, int port) throws GeneralSecurityException, IOException {
        this.dir = dir;
        this.ca = ca;
        this.port = port;
        this.log = dir.resolve("redis.log");
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(ca.trustStore());
        this.clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, trust.getTrustManagers(), null);
        this.shutdownHook = new Thread(this::destroyQuietly, "tls-redis-stop-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Why a TLS redis-server cannot be started here ({@code openssl} missing, no system redis-server, or one
     * built without TLS), or empty if it can.
     */
    static Optional<String> unavailable() {
        Optional<String> binary = RedisProcess.systemBinary();
        if (binary.isEmpty()) {
            return Optional.of("needs a system redis-server (Debian's /usr/bin/redis-server or one on the PATH)");
        }
        if (!canRun("openssl", "version")) {
            return Optional.of("needs openssl on the PATH to make the test's CA and server certificate");
        }
        // A build with TLS knows the directive and stops because it would listen nowhere; one without
        // rejects it ("Bad directive or wrong number of arguments").
        String probe = run(List.of(binary.get(), "--port", "0", "--tls-port", "0", "--save", "", "--appendonly", "no"));
        if (!probe.contains("Configured to not listen anywhere")) {
            return Optional.of(binary.get() + " was not built with TLS: " + probe.strip());
        }
        return Optional.empty();
    }

    /**
     * Makes a CA and a server certificate for {@code IP:127.0.0.1} in a new temp dir and starts redis-server
     * with them.
     */
    static TlsRedisProcess start() {
        return start("IP:127.0.0.1,DNS:localhost");
    }

    /** As {@link #start()}, with a server certificate whose subject alternative names are these. */
    static TlsRedisProcess start(String subjectAltNames) {
        try {
            Path dir = Files.createTempDirectory("tls-redis");
            Ca ca = Ca.create(dir, "tiered-jpa-test-ca");
            Path serverKey = dir.resolve("server.key");
            Path csr = dir.resolve("server.csr");
            Path serverCert = dir.resolve("server.crt");
            Path extensions = Files.writeString(dir.resolve("server.ext"),
                    "subjectAltName=" + subjectAltNames + "\nextendedKeyUsage=serverAuth\n");
            openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", serverKey.toString(), "-out", csr.toString(), "-subj", "/CN=127.0.0.1");
            openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", ca.cert().toString(), "-CAkey", ca.key().toString(),
                    "-set_serial", String.valueOf(System.nanoTime() & Long.MAX_VALUE), "-days", "2",
                    "-extfile", extensions.toString(), "-out", serverCert.toString());
            TlsRedisProcess redis = new TlsRedisProcess(dir, ca, RedisProcess.freePort());
            redis.launch(serverCert, serverKey);
            return redis;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private void launch(Path serverCert, Path serverKey) throws IOException {
        List<String> command = List.of(RedisProcess.systemBinary().orElseThrow(),
                "--port", "0", "--tls-port", String.valueOf(port), "--bind", "127.0.0.1",
                "--tls-cert-file", serverCert.toString(), "--tls-key-file", serverKey.toString(),
                "--tls-ca-cert-file", ca.cert().toString(), "--tls-auth-clients", "no",
                "--save", "", "--appendonly", "no", "--protected-mode", "no", "--dir", dir.toString());
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MILLIS);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server with TLS on port " + port + " exited: " + logText());
            }
            try {
                if ("PONG".equals(command("PING"))) {
                    return;
                }
            } catch (UncheckedIOException notYet) {
                // not listening yet
            }
            RedisProcess.sleep(20);
        }
        throw new IllegalStateException("redis-server with TLS on port " + port + " did not answer PING within "
                + READY_TIMEOUT_MILLIS + " ms: " + logText());
    }

    int port() {
        return port;
    }

    /** The address for Redisson: {@code rediss://127.0.0.1:port}. */
    String url() {
        return "rediss://127.0.0.1:" + port;
    }

    /** The CA that signed the server's certificate. */
    Ca ca() {
        return ca;
    }

    /** The temp dir this server's files are in (removed on close), for the test's own files too. */
    Path dir() {
        return dir;
    }

    /**
     * Sends one command over a TLS connection of its own (trusting the test CA) and answers the reply as text:
     * a status, an integer or a bulk string; an error reply throws.
     */
    String command(String... args) {
        try (SSLSocket socket = (SSLSocket) clientContext.getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
            socket.setSoTimeout(5_000);
            socket.startHandshake();
            return RedisProcess.roundTrip(socket, args);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether a plaintext PING to the port is answered (it must not be: the port speaks TLS only). */
    boolean answersPlaintextPing() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
            socket.setSoTimeout(2_000);
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            byte[] reply = socket.getInputStream().readNBytes(7);
            return new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException refusedOrReset) {
            return false;
        }
    }

    /** What redis-server wrote to its log so far. */
    String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
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
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            System.err.println("Could not remove " + dir + ": " + e);
        }
    }

    private synchronized void destroyQuietly() {
        if (process != null) {
            process.destroyForcibly();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    System.err.println("redis-server " + process.pid() + " did not exit within 10 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    private static void openssl(Path dir, String... args) {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean canRun(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return output;
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e.toString();
        }
    }



}
