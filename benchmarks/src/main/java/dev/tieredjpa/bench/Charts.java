package dev.tieredjpa.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;

/**
 * The PNG charts of a run, made from {@code results.json} alone so that they can be redrawn without
 * running anything again. Each chart is made by a small class of its own; this one only decides the
 * files, skips a chart whose section the run did not write, and draws a chart's panels side by side in
 * one {@value #WIDTH}x{@value #HEIGHT} image (the size a README shows without scaling).
 */
public final class Charts {

    static final int WIDTH = 900;
    static final int HEIGHT = 500;

    static {
        // Charts are drawn on servers and in CI, where there is no display.
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {
    }

    /** Writes every chart whose section is in {@code results}; returns the files written. */
    public static List<Path> write(Results results, Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create " + directory, e);
        }
        List<Path> written = new ArrayList<>();
        save(written, directory.resolve("latency-per-tier.png"), LatencyCharts.perTier(Row.of(results, "find")));
        save(written, directory.resolve("direct-get.png"), LatencyCharts.direct(Row.of(results, "direct")));
        save(written, directory.resolve("workload-throughput-vs-stale.png"), WorkloadChart.create(Row.of(results, "workload")));
        save(written, directory.resolve("scale.png"), ScaleChart.create(Row.of(results, "scale")));
        save(written, directory.resolve("stampede.png"), SideCharts.stampede(Row.of(results, "stampede")));
        save(written, directory.resolve("propagation.png"), SideCharts.propagation(Row.of(results, "propagation")));
        return List.copyOf(written);
    }

    /** Draws the panels left to right, equal widths; no panels, no file. */
    private static void save(List<Path> written, Path file, List<JFreeChart> panels) {
        if (panels.isEmpty()) {
            return;
        }
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            double width = (double) WIDTH / panels.size();
            for (int i = 0; i < panels.size(); i++) {
                panels.get(i).draw(g, new Rectangle2D.Double(i * width, 0, width, HEIGHT));
            }
        } finally {
            g.dispose();
        }
        try {
            ImageIO.write(image, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
        written.add(file);
    }
}
