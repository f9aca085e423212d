package dev.tieredjpa.bench;

import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.labels.CategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.CategoryItemRendererState;
import org.jfree.data.category.CategoryDataset;

/**
 * Bars of the mean with a dash at the p99 of the same item, and the mean's figure written above both.
 * Drawing the dash here, from the bar's own position, keeps it on its bar whatever the number of
 * series; and writing the figure above the dash, not the bar, keeps the two from ever overlapping.
 */
class MeanP99Renderer extends BarRenderer {

    private final transient CategoryDataset p99;
    private transient Rectangle2D dataArea;
    private transient ValueAxis rangeAxis;

    /** {@code vertical}: the figures written upwards, for narrow bars. */
    MeanP99Renderer(CategoryDataset p99, boolean vertical) {
        this.p99 = p99;
        ChartStyle.bars(this, Labels::num, vertical);
        setIncludeBaseInRange(false);
    }

    @Override
    public void drawItem(Graphics2D g2, CategoryItemRendererState state, Rectangle2D dataArea, CategoryPlot plot,
                         CategoryAxis domainAxis, ValueAxis rangeAxis, CategoryDataset dataset, int row, int column, int pass) {
        this.dataArea = dataArea;
        this.rangeAxis = rangeAxis;
        super.drawItem(g2, state, dataArea, plot, domainAxis, rangeAxis, dataset, row, column, pass);
        double y = p99Y(plot, dataset, row, column);
        int visibleRow = state.getVisibleSeriesIndex(row);
        if (pass == getPassCount() - 1 && visibleRow >= 0 && !Double.isNaN(y) && dataset.getValue(row, column) != null) {
            double x = calculateBarW0(plot, plot.getOrientation(), dataArea, domainAxis, state, visibleRow, column);
            g2.setPaint(ChartStyle.P99);
            g2.fill(new Rectangle2D.Double(x - 1, y - 1.5, state.getBarWidth() + 2, 3));
        }
    }

    @Override
    protected void drawItemLabel(Graphics2D g2, CategoryDataset data, int row, int column, CategoryPlot plot,
                                 CategoryItemLabelGenerator generator, Rectangle2D bar, boolean negative) {
        double y = p99Y(plot, data, row, column);
        Rectangle2D above = Double.isNaN(y) || y >= bar.getMinY() ? bar
                : new Rectangle2D.Double(bar.getX(), y - 2, bar.getWidth(), bar.getMaxY() - y + 2);
        super.drawItemLabel(g2, data, row, column, plot, generator, above, negative);
    }

    /** Where this item's p99 is on screen; NaN when it has none. */
    private double p99Y(CategoryPlot plot, CategoryDataset data, int row, int column) {
        Comparable<?> rowKey = data.getRowKey(row);
        Comparable<?> columnKey = data.getColumnKey(column);
        if (dataArea == null || p99.getRowIndex(rowKey) < 0 || p99.getColumnIndex(columnKey) < 0) {
            return Double.NaN;
        }
        Number value = p99.getValue(rowKey, columnKey);
        return value == null ? Double.NaN : rangeAxis.valueToJava2D(value.doubleValue(), dataArea, plot.getRangeAxisEdge());
    }
}
