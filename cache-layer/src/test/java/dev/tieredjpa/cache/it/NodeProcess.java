package dev.tieredjpa.cache.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link NodeMain} running in a JVM of its own: its output is read as it comes (and kept, for a failed
 * test's message), a test waits for one of its announcements, then kills it with SIGKILL. Closing it kills
 * it too, so a failed test leaves no JVM behind.
 */
final class NodeProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeProcess.class);

    private final String name;
    private final Process process;
    private final List<String> output = new ArrayList<>();
    private final Thread reader;

    private NodeProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.reader = new Thread(this::read, "flusher-process-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts a NodeMain with these arguments (see its Javadoc) and this database password. */
    static NodeProcess start(String name, Map<String, String> arguments, String dbPassword) throws IOException {
        return start(name, arguments, dbPassword, List.of());
    }

    /** {@link #start(String, Map, String)}, with more options for the child's JVM. */
    static NodeProcess start(String name, Map<String, String> arguments, String dbPassword, List<String> jvmOptions)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(NodeMain.command(arguments, jvmOptions)).redirectErrorStream(true);
        builder.environment().put(NodeMain.PASSWORD_VARIABLE, dbPassword);
        return new NodeProcess(name, builder.start());
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits until the child announces {@code announcement} (a line {@code NODE-MAIN <announcement>}, exactly);
     * fails if it does not within {@code atMost} or exits first.
     */
    void await(String announcement, Duration atMost) throws InterruptedException {
        String line = NodeMain.MARK + announcement;
        long deadline = System.nanoTime() + atMost.toNanos();
        synchronized (output) {
            while (!output.contains(line)) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                    throw new AssertionError("Flusher JVM " + name + " did not announce '" + announcement + "' within "
                            + atMost + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")")
                            + "; its last output:\n" + tail(40));
                }
                output.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(left, 100_000_000L))));
            }
        }
    }

    /** SIGKILL (on Linux {@link Process#destroyForcibly()} sends it), and waits until the JVM is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError("Flusher JVM " + name + " (pid " + process.pid() + ") survived SIGKILL for 10 s");
        }
        log.info("Flusher JVM {} (pid {}) killed with SIGKILL, exit value {}", name, process.pid(), process.exitValue());
    }

    /** The child's last {@code lines} lines of output. */
    String tail(int lines) {
        synchronized (output) {
            return String.join("\n", output.subList(Math.max(0, output.size() - lines), output.size()));
        }
    }

    /** Lines of output that contain {@code text}. */
    List<String> linesWith(String text) {
        synchronized (output) {
            return output.stream().filter(line -> line.contains(text)).toList();
        }
    }

    private void read() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith(NodeMain.MARK)) {
                    log.info("Flusher JVM {}: {}", name, line.substring(NodeMain.MARK.length()));
                }
                synchronized (output) {
                    output.add(line);
                    output.notifyAll();
                }
            }
        } catch (IOException gone) {
            // the process died: its pipe closed
        } finally {
            synchronized (output) {
                output.notifyAll();
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
