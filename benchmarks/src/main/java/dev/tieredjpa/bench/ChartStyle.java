package dev.tieredjpa.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.Shape;
import java.awt.geom.Rectangle2D;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.CategoryDataset;

/**
 * The look shared by every chart: one colour per peer everywhere (ours the strongest), flat bars,
 * light grid, log axes labelled 1, 10, 100 rather than 10^n, figures on the bars.
 */
final class ChartStyle {

    static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 15);
    static final Font SUBTITLE = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    static final Font AXIS = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    static final Font ITEM = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
    static final Color GRID = new Color(0xDDDDDD);
    static final Color P99 = new Color(0x222222);
    static final Color OTHER = new Color(0x7F7F7F);

    private static final Map<Peer, Color> PEER_COLORS = Map.of(
            Peer.NO_CACHE, new Color(0xA0A0A0),
            Peer.EHCACHE_BY_VALUE, new Color(0xF5B041),
            Peer.EHCACHE_BY_REFERENCE, new Color(0xD35400),
            Peer.REDISSON, new Color(0xC0392B),
            Peer.TIERED, new Color(0x1E8449));

    private ChartStyle() {
    }

    static Color color(Peer peer) {
        return peer == null ? OTHER : PEER_COLORS.get(peer);
    }

    /** A chart around a plot with a title, a line saying how to read it, and the legend at the bottom. */
    static JFreeChart chart(String title, String howToRead, Plot plot, boolean legend) {
        JFreeChart chart = new JFreeChart(title, TITLE, plot, legend);
        chart.setBackgroundPaint(Color.WHITE);
        if (howToRead != null) {
            TextTitle subtitle = new TextTitle(howToRead, SUBTITLE);
            subtitle.setPaint(Color.DARK_GRAY);
            chart.addSubtitle(subtitle);
        }
        if (chart.getLegend() != null) {
            chart.getLegend().setItemFont(AXIS);
            chart.getLegend().setFrame(new org.jfree.chart.block.BlockBorder(Color.WHITE));
        }
        return chart;
    }

    static void plot(CategoryPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(GRID);
        plot.setRangeGridlinesVisible(true);
        plot.setOutlineVisible(false);
    }

    static void plot(XYPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(GRID);
        plot.setDomainGridlinePaint(GRID);
        plot.setOutlineVisible(false);
    }

    static CategoryAxis categoryAxis(String label) {
        CategoryAxis axis = new CategoryAxis(label);
        axis.setLabelFont(AXIS);
        axis.setTickLabelFont(AXIS);
        axis.setMaximumCategoryLabelLines(3);
        axis.setMaximumCategoryLabelWidthRatio(1.0f);
        axis.setCategoryMargin(0.25);
        return axis;
    }

    static NumberAxis numberAxis(String label) {
        NumberAxis axis = new NumberAxis(label);
        axis.setLabelFont(AXIS);
        axis.setTickLabelFont(TICK);
        axis.setNumberFormatOverride(new DecimalFormat("#,##0.##", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        return axis;
    }

    /** A log axis from the decade under {@code min} to well over {@code max}, ticks written as plain numbers. */
    static LogAxis logAxis(String label, double min, double max) {
        LogAxis axis = new LogAxis(label);
        axis.setLabelFont(AXIS);
        axis.setTickLabelFont(TICK);
        axis.setNumberFormatOverride(new DecimalFormat("#,##0.###", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        axis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        axis.setMinorTickMarksVisible(true);
        // a hair under the decade, so that rounding in the log never drops the decade's tick
        double lower = Math.pow(10, Math.floor(Math.log10(min > 0 ? min : 1))) * 0.999;
        double upper = Math.max(max, lower * 10) * 2.5; // room for the figures written over the tallest bars
        axis.setRange(lower, upper);
        return axis;
    }

    /**
     * Flat bars with their figure written over them by {@code figures} (none when null), upwards when
     * {@code vertical}, for bars too narrow for a figure written across.
     */
    static BarRenderer bars(DoubleFunction<String> figures, boolean vertical) {
        return bars(new BarRenderer(), figures, vertical);
    }

    static <R extends BarRenderer> R bars(R renderer, DoubleFunction<String> figures, boolean vertical) {
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setDrawBarOutline(false);
        renderer.setItemMargin(0.05);
        if (figures != null) {
            renderer.setDefaultItemLabelGenerator(new Figures(figures));
            renderer.setDefaultItemLabelFont(ITEM);
            renderer.setDefaultItemLabelPaint(Color.DARK_GRAY);
            renderer.setDefaultItemLabelsVisible(true);
            renderer.setDefaultPositiveItemLabelPosition(vertical
                    ? new ItemLabelPosition(ItemLabelAnchor.OUTSIDE12, TextAnchor.CENTER_LEFT, TextAnchor.CENTER_LEFT, -Math.PI / 2)
                    : new ItemLabelPosition(ItemLabelAnchor.OUTSIDE12, TextAnchor.BOTTOM_CENTER));
        }
        return renderer;
    }

    static Shape dash(double width) {
        return new Rectangle2D.Double(-width / 2, -1.5, width, 3);
    }

    /** Bar labels written by {@link Labels}, so a chart shows a figure as the report does. */
    static final class Figures extends StandardCategoryItemLabelGenerator {
        private final transient DoubleFunction<String> format;

        Figures(DoubleFunction<String> format) {
            this.format = format;
        }

        @Override
        public String generateLabel(CategoryDataset dataset, int row, int column) {
            Number value = dataset.getValue(row, column);
            return value == null ? null : format.apply(value.doubleValue());
        }
    }

    static LegendItem legendItem(String label, Paint paint) {
        LegendItem item = new LegendItem(label, paint);
        item.setLabelFont(AXIS);
        return item;
    }

    static LegendItem p99LegendItem() {
        LegendItem item = new LegendItem("p99", null, null, null, dash(14), P99);
        item.setLabelFont(AXIS);
        return item;
    }

    static BasicStroke line() {
        return new BasicStroke(2.2f);
    }
}
