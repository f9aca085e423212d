package dev.tieredjpa.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code ReportMain <results.json> <out-dir>}: the charts and {@code report.md} of a run that has
 * already written its results, so that they can be redrawn (or drawn on another machine) without
 * measuring again.
 */
public final class ReportMain {

    private ReportMain() {
    }

    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        if (args.length != 2) {
            System.err.println("usage: ReportMain <results.json> <out-dir>");
            System.exit(2);
        }
        Results results = Results.read(Path.of(args[0]));
        Path out = Path.of(args[1]);
        for (Path chart : Charts.write(results, out)) {
            System.out.println(chart);
        }
        Path report = out.resolve("report.md");
        Files.writeString(report, Report.markdown(results));
        System.out.println(report);
    }
}
