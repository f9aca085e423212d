package dev.tieredjpa.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The two smaller charts: how many readers a stampede sends to the database with and without the
 * protection, and how long an invalidation takes to reach the other node (against the 5 ms target).
 * Both are plain bar charts with the figures written on the bars; each is left out when its section is.
 */
final class SideCharts {

    static final double PROPAGATION_TARGET_MICROS = 5000;

    private SideCharts() {
    }

    static List<JFreeChart> stampede(List<Row> stampede) {
        if (stampede.isEmpty()) {
            return List.of();
        }
        boolean dbs = stampede.stream().map(r -> r.text("db")).distinct().count() > 1;
        boolean readers = stampede.stream().map(r -> r.text("readers")).distinct().count() > 1;
        DefaultCategoryDataset loads = new DefaultCategoryDataset();
        for (Row row : stampede) {
            String name = row.peerLabel() + (dbs ? " " + Labels.db(row.text("db")) : "")
                    + (readers ? " " + Labels.whole(row.num("readers")) + " readers" : "");
            loads.addValue(row.num("dbLoads"), row.flag("protection") ? "with protection" : "without protection", name);
        }
        BarRenderer bars = ChartStyle.bars(Labels::whole, false);
        for (int i = 0; i < loads.getRowCount(); i++) {
            bars.setSeriesPaint(i, "with protection".equals(loads.getRowKey(i)) ? ChartStyle.color(Peer.TIERED) : ChartStyle.OTHER);
        }
        NumberAxis axis = ChartStyle.numberAxis("database loads for one key");
        axis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        axis.setUpperMargin(0.12);
        CategoryPlot plot = new CategoryPlot(loads, ChartStyle.categoryAxis(null), axis, bars);
        ChartStyle.plot(plot);
        String howMany = readers ? "many readers" : Labels.whole(stampede.get(0).num("readers")) + " readers";
        return List.of(ChartStyle.chart("stampede: database loads when " + howMany + " miss the same key at once",
                "lower is better; 1 means one reader loaded and the others waited for it", plot, true));
    }

    static List<JFreeChart> propagation(List<Row> propagation) {
        if (propagation.isEmpty()) {
            return List.of();
        }
        DefaultCategoryDataset times = new DefaultCategoryDataset();
        double min = Double.MAX_VALUE;
        double max = PROPAGATION_TARGET_MICROS;
        for (Row row : propagation) {
            for (String[] column : new String[][] {{"p50", "p50Micros"}, {"p99", "p99Micros"}, {"max", "maxMicros"}}) {
                double value = row.num(column[1]);
                if (value > 0) {
                    times.addValue(value, column[0], row.peerLabel() + " (" + Labels.whole(row.num("samples")) + " samples)");
                    min = Math.min(min, value);
                    max = Math.max(max, value);
                }
            }
        }
        BarRenderer bars = ChartStyle.bars(Labels::num, false);
        bars.setIncludeBaseInRange(false);
        Color[] shades = {new Color(0x82E0AA), ChartStyle.color(Peer.TIERED), new Color(0x145A32)};
        for (int i = 0; i < shades.length; i++) {
            bars.setSeriesPaint(i, shades[i]);
        }
        bars.setMaximumBarWidth(0.1);
        LogAxis axis = ChartStyle.logAxis("µs until the other node has it (log scale)", min, max);
        CategoryPlot plot = new CategoryPlot(times, ChartStyle.categoryAxis(null), axis, bars);
        ChartStyle.plot(plot);
        ValueMarker target = new ValueMarker(PROPAGATION_TARGET_MICROS, new Color(0xC0392B), new BasicStroke(1.5f,
                BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1, new float[] {6, 4}, 0));
        target.setLabel("target: p99 < 5 ms");
        target.setLabelFont(ChartStyle.AXIS);
        target.setLabelPaint(new Color(0xC0392B));
        target.setLabelBackgroundColor(new Color(255, 255, 255, 200));
        target.setLabelAnchor(RectangleAnchor.TOP_LEFT);
        target.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
        plot.addRangeMarker(target, Layer.FOREGROUND);
        return List.of(ChartStyle.chart("propagation: an update on one node reaching the other", "lower is better", plot, true));
    }
}
