package dev.tieredjpa.bench;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * How ours holds up as it grows: the time of an L1 and an L2 hit against the number of entities cached
 * (log x, since the runs go up by factors of ten; log y, since the two tiers are two decades apart), and
 * the workload's throughput against threads per node. Two panels, as their axes have nothing in common;
 * a measure without rows leaves its panel out.
 */
final class ScaleChart {

    private ScaleChart() {
    }

    static List<JFreeChart> create(List<Row> scale) {
        List<JFreeChart> panels = new ArrayList<>();
        List<Row> hits = scale.stream().filter(r -> r.is("measure", "L1 hit") || r.is("measure", "L2 hit")).toList();
        if (!hits.isEmpty()) {
            panels.add(hitsByEntities(hits, scale));
        }
        List<Row> workload = scale.stream().filter(r -> r.is("measure", "workload")).toList();
        if (!workload.isEmpty()) {
            panels.add(workloadByThreads(workload));
        }
        return panels;
    }

    private static JFreeChart hitsByEntities(List<Row> hits, List<Row> scale) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (String measure : List.of("L1 hit", "L2 hit")) {
            XYSeries series = new XYSeries(measure);
            hits.stream().filter(r -> r.is("measure", measure)).forEach(r -> series.add(r.num("entities"), r.num("value")));
            if (series.getItemCount() > 0) {
                data.addSeries(series);
            }
        }
        LogAxis x = ChartStyle.logAxis("entities cached (log scale)", data.getDomainLowerBound(false), data.getDomainUpperBound(false));
        x.setRange(x.getLowerBound() / 2, x.getUpperBound());
        LogAxis y = ChartStyle.logAxis("time per find, " + unit(hits) + " (log scale)", data.getRangeLowerBound(false), data.getRangeUpperBound(false));
        XYLineAndShapeRenderer lines = lines(data.getSeriesCount(), ChartStyle.color(Peer.TIERED));
        lines.setDefaultItemLabelGenerator((dataset, series, item) -> Labels.num(dataset.getYValue(series, item)));
        lines.setDefaultItemLabelFont(ChartStyle.ITEM);
        lines.setDefaultItemLabelsVisible(true);
        XYPlot plot = new XYPlot(data, x, y, lines);
        ChartStyle.plot(plot);
        JFreeChart chart = ChartStyle.chart("hit time vs entities", "ours; flat is good", plot, true);
        scale.stream().filter(r -> r.is("measure", "heap per L1 entry")).findFirst().ifPresent(r -> {
            TextTitle note = new TextTitle("heap per L1 entry: " + Labels.num(r.num("value")) + " " + r.text("unit")
                    + " at " + Labels.whole(r.num("entities")) + " entities", ChartStyle.SUBTITLE);
            chart.addSubtitle(note);
        });
        return chart;
    }

    private static JFreeChart workloadByThreads(List<Row> workload) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (String entities : workload.stream().map(r -> r.text("entities")).distinct().toList()) {
            XYSeries series = new XYSeries(Labels.whole(Double.parseDouble(entities.isEmpty() ? "0" : entities)) + " entities");
            workload.stream().filter(r -> r.is("entities", entities)).forEach(r -> series.add(r.num("threadsPerNode"), r.num("value")));
            data.addSeries(series);
        }
        NumberAxis x = ChartStyle.numberAxis("threads per node");
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        NumberAxis y = ChartStyle.numberAxis(unit(workload).isEmpty() ? "ops/s" : unit(workload));
        y.setAutoRangeIncludesZero(true);
        XYPlot plot = new XYPlot(data, x, y, lines(data.getSeriesCount(), ChartStyle.color(Peer.TIERED)));
        ChartStyle.plot(plot);
        return ChartStyle.chart("workload throughput vs threads", "ours; higher is better", plot, true);
    }

    private static XYLineAndShapeRenderer lines(int count, Color first) {
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        Color[] others = {first, new Color(0x2874A6), new Color(0x884EA0), ChartStyle.OTHER};
        for (int i = 0; i < count; i++) {
            renderer.setSeriesPaint(i, others[i % others.length]);
            renderer.setSeriesStroke(i, ChartStyle.line());
        }
        renderer.setDefaultLegendTextFont(ChartStyle.AXIS);
        return renderer;
    }

    private static String unit(List<Row> rows) {
        return rows.stream().map(r -> r.text("unit")).filter(u -> !u.isEmpty()).findFirst().orElse("");
    }
}
