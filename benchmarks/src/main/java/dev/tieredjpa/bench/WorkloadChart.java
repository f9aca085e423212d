package dev.tieredjpa.bench;

import java.awt.Font;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;
import java.util.stream.Collectors;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainCategoryPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * Throughput and stale reads of the workload, one above the other on the same workloads. Its point is
 * the trade-off the numbers alone hide: a cache per JVM (Ehcache only) is fast because it never asks
 * anyone, and that is why it serves reads older than the last commit; a shared cache serves none. The
 * stale reads panel writes every bar's figure, zeros included, and the subtitle totals them per cache.
 */
final class WorkloadChart {

    private WorkloadChart() {
    }

    static List<JFreeChart> create(List<Row> workload) {
        if (workload.isEmpty()) {
            return List.of();
        }
        List<Peer> peers = workload.stream().map(r -> Labels.peerOrNull(r.text("peer"))).filter(p -> p != null)
                .distinct().sorted().toList();
        DefaultCategoryDataset ops = new DefaultCategoryDataset();
        DefaultCategoryDataset stale = new DefaultCategoryDataset();
        Comparator<Row> order = Comparator.comparing((Row r) -> r.text("db")).thenComparing(r -> r.text("keys"))
                .thenComparing(r -> r.text("mix"), Comparator.reverseOrder()).thenComparingDouble(r -> r.num("threadsPerNode"))
                .thenComparingDouble(r -> r.num("entities"));
        for (Row row : workload.stream().sorted(order).toList()) {
            Peer peer = Labels.peerOrNull(row.text("peer"));
            if (peer == null) {
                continue;
            }
            String workloadName = name(row, workload);
            ops.addValue(row.num("opsPerSecond"), peer.label(), workloadName);
            double checked = row.num("readsChecked");
            stale.addValue(checked > 0 ? 1000 * row.num("staleReads") / checked : null, peer.label(), workloadName);
        }
        boolean narrow = ops.getColumnCount() * peers.size() > 16;
        CategoryAxis workloads = ChartStyle.categoryAxis(null);
        if (narrow) {
            workloads.setCategoryMargin(0.12);
            workloads.setTickLabelFont(ChartStyle.TICK);
        }
        CombinedDomainCategoryPlot plot = new CombinedDomainCategoryPlot(workloads);
        plot.setGap(12);
        plot.add(panel(ops, peers, "ops/s (all nodes)", Labels::shortRate, narrow), 3);
        plot.add(panel(stale, peers, "stale per 1,000 reads", Labels::num, narrow), 2);
        LegendItemCollection legend = new LegendItemCollection();
        peers.forEach(p -> legend.add(ChartStyle.legendItem(p.label(), ChartStyle.color(p))));
        plot.setFixedLegendItems(legend);
        return List.of(ChartStyle.chart("workload: throughput (higher is better) and stale reads (should be 0)",
                staleTotals(workload, peers), plot, true));
    }

    private static CategoryPlot panel(DefaultCategoryDataset data, List<Peer> peers, String axisLabel,
                                      DoubleFunction<String> figures, boolean narrow) {
        BarRenderer bars = ChartStyle.bars(figures, narrow);
        for (int i = 0; i < peers.size(); i++) {
            bars.setSeriesPaint(i, ChartStyle.color(peers.get(i)));
            // each figure in its cache's colour, so that a zero is seen to be whose
            bars.setSeriesItemLabelPaint(i, ChartStyle.color(peers.get(i)).darker());
        }
        bars.setDefaultItemLabelFont(ChartStyle.ITEM.deriveFont(Font.BOLD));
        NumberAxis axis = ChartStyle.numberAxis(axisLabel);
        axis.setUpperMargin(narrow ? 0.22 : 0.12);
        CategoryPlot plot = new CategoryPlot(data, null, axis, bars);
        ChartStyle.plot(plot);
        return plot;
    }

    /** db, keys and mix; threads or entities too when the section has more than one of them. */
    private static String name(Row row, List<Row> all) {
        StringBuilder name = new StringBuilder(Labels.db(row.text("db"))).append(' ').append(row.text("keys"))
                .append(' ').append(row.text("mix"));
        if (all.stream().map(r -> r.text("threadsPerNode")).distinct().count() > 1) {
            name.append(' ').append(row.text("threadsPerNode")).append(" thr/node");
        }
        if (all.stream().map(r -> r.text("entities")).distinct().count() > 1) {
            name.append(' ').append(Labels.whole(row.num("entities"))).append(" rows");
        }
        return name.toString();
    }

    private static String staleTotals(List<Row> workload, List<Peer> peers) {
        Map<Peer, Long> totals = new LinkedHashMap<>();
        peers.forEach(p -> totals.put(p, 0L));
        workload.forEach(r -> totals.computeIfPresent(Labels.peerOrNull(r.text("peer")),
                (p, sum) -> sum + (long) Math.max(0, nanToZero(r.num("staleReads")))));
        return "stale reads over all runs:  " + totals.entrySet().stream()
                .map(e -> e.getKey().label() + " " + Labels.whole(e.getValue()))
                .collect(Collectors.joining("  ·  "));
    }

    private static double nanToZero(double v) {
        return Double.isNaN(v) ? 0 : v;
    }
}
