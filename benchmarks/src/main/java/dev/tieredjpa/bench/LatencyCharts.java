package dev.tieredjpa.bench;

import java.awt.Paint;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.DoubleStream;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedRangeCategoryPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The time of one read, from the {@code find} rows (through Hibernate) and the {@code direct} rows (the
 * cache or the Redis client alone). Times span two decades and more, so the value axis is logarithmic;
 * the bar is the mean, the dash the p99 ({@link MeanP99Renderer}). With both databases the panels sit
 * side by side on one shared axis, so a tier's bars can be compared across them at a glance.
 */
final class LatencyCharts {

    /**
     * Where a read was served, the categories of the chart: ours is split in L1 and L2 hits, a peer's
     * "hit" lands in the JVM (Ehcache) or in Redis (Redisson), so each category holds the reads that
     * compete with each other.
     */
    static final String IN_JVM = "hit in the JVM (ours: L1)";
    static final String IN_REDIS = "hit in Redis (ours: L2)";
    private static final List<String> CATEGORY_ORDER = List.of(IN_JVM, IN_REDIS, "miss");

    private LatencyCharts() {
    }

    static List<JFreeChart> perTier(List<Row> find) {
        if (find.isEmpty()) {
            return List.of();
        }
        List<String> dbs = find.stream().map(r -> r.text("db")).distinct().toList();
        LogAxis axis = ChartStyle.logAxis("time per find (µs, log scale)", min(find), max(find));
        List<Peer> peers = find.stream().map(r -> Labels.peerOrNull(r.text("peer"))).filter(p -> p != null)
                .distinct().sorted().toList();
        List<CategoryPlot> plots = new ArrayList<>();
        for (String db : dbs) {
            plots.add(plot(find.stream().filter(r -> r.is("db", db)).toList(), peers, Labels.db(db), axis));
        }
        LegendItemCollection legend = new LegendItemCollection();
        peers.forEach(p -> legend.add(ChartStyle.legendItem(p.label(), ChartStyle.color(p))));
        legend.add(ChartStyle.p99LegendItem());
        CategoryPlot shown = plots.get(0);
        if (plots.size() > 1) {
            CombinedRangeCategoryPlot combined = new CombinedRangeCategoryPlot(axis);
            combined.setGap(16);
            plots.forEach(p -> combined.add(p, 1));
            shown = combined;
        } else {
            shown.setRangeAxis(axis);
        }
        shown.setFixedLegendItems(legend);
        return List.of(ChartStyle.chart("find: time per tier, by cache", "bar and figure: mean  ·  dash: p99  ·  lower is better",
                shown, true));
    }

    private static CategoryPlot plot(List<Row> rows, List<Peer> peers, String db, LogAxis axis) {
        DefaultCategoryDataset means = new DefaultCategoryDataset();
        DefaultCategoryDataset p99s = new DefaultCategoryDataset();
        List<String> tiers = tiers(rows);
        // Every peer and tier is a key even where nothing was measured, so colours and slots line up.
        for (Peer peer : peers) {
            for (String tier : tiers) {
                means.addValue(null, peer.label(), tier);
                p99s.addValue(null, peer.label(), tier);
            }
        }
        for (Row row : rows) {
            Peer peer = Labels.peerOrNull(row.text("peer"));
            if (peer != null) {
                means.addValue(positive(row.num("meanMicros")), peer.label(), category(peer, row.text("tier")));
                p99s.addValue(positive(row.num("p99Micros")), peer.label(), category(peer, row.text("tier")));
            }
        }
        BarRenderer bars = new MeanP99Renderer(p99s, true);
        for (int i = 0; i < peers.size(); i++) {
            bars.setSeriesPaint(i, ChartStyle.color(peers.get(i)));
        }
        CategoryPlot plot = new CategoryPlot(means, ChartStyle.categoryAxis(db), axis, bars);
        ChartStyle.plot(plot);
        return plot;
    }

    static List<JFreeChart> direct(List<Row> direct) {
        if (direct.isEmpty()) {
            return List.of();
        }
        DefaultCategoryDataset means = new DefaultCategoryDataset();
        DefaultCategoryDataset p99s = new DefaultCategoryDataset();
        for (Row row : direct) {
            means.addValue(positive(row.num("meanMicros")), "mean", row.text("peer"));
            p99s.addValue(positive(row.num("p99Micros")), "mean", row.text("peer"));
        }
        BarRenderer bars = new BarRendererByName(p99s);
        bars.setMaximumBarWidth(0.08);
        LogAxis axis = ChartStyle.logAxis("time per get (µs, log scale)", min(direct), max(direct));
        CategoryPlot plot = new CategoryPlot(means, ChartStyle.categoryAxis("the cache or the Redis client alone, no Hibernate"), axis, bars);
        ChartStyle.plot(plot);
        LegendItemCollection legend = new LegendItemCollection();
        legend.add(ChartStyle.legendItem("tiered (ours)", ChartStyle.color(Peer.TIERED)));
        legend.add(ChartStyle.legendItem("Redisson client", ChartStyle.color(Peer.REDISSON)));
        legend.add(ChartStyle.p99LegendItem());
        plot.setFixedLegendItems(legend);
        return List.of(ChartStyle.chart("direct: one get, by cache", "bar and figure: mean  ·  dash: p99  ·  lower is better",
                plot, true));
    }

    /** Colours a single series' bars by whose they are: ours (names starting "tiered") or Redisson's. */
    private static final class BarRendererByName extends MeanP99Renderer {
        BarRendererByName(DefaultCategoryDataset p99) {
            super(p99, false);
        }

        @Override
        public Paint getItemPaint(int row, int column) {
            String name = String.valueOf(getPlot().getDataset().getColumnKey(column));
            return ChartStyle.color(name.startsWith("tiered") ? Peer.TIERED : Peer.REDISSON);
        }
    }

    static String category(Peer peer, String tier) {
        return switch (ReportTables.comparableTier(peer, tier)) {
            case "L1 hit" -> IN_JVM;
            case "L2 hit" -> IN_REDIS;
            default -> tier;
        };
    }

    private static List<String> tiers(List<Row> rows) {
        Set<String> present = new LinkedHashSet<>();
        rows.forEach(r -> present.add(category(Labels.peerOrNull(r.text("peer")), r.text("tier"))));
        Set<String> tiers = new LinkedHashSet<>();
        CATEGORY_ORDER.stream().filter(present::contains).forEach(tiers::add);
        tiers.addAll(present);
        return List.copyOf(tiers);
    }

    private static Double positive(double value) {
        return value > 0 ? value : null;
    }

    private static double min(List<Row> rows) {
        return rows.stream().mapToDouble(r -> r.num("meanMicros")).filter(v -> v > 0).min().orElse(1);
    }

    private static double max(List<Row> rows) {
        return rows.stream().flatMapToDouble(r -> DoubleStream.of(r.num("meanMicros"), r.num("p99Micros")))
                .filter(v -> v > 0).max().orElse(10);
    }
}
