package io.rwlocker.benchmarks.report;

import io.rwlocker.benchmarks.Scenario;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;

/**
 * The seed scenarios' chart: one panel per {@link Scenario}, a bar per lock (each policy of ours,
 * and ReentrantReadWriteLock for threads) with its speedup over the exclusive baseline (threads:
 * ReentrantLock; coroutines: kotlinx Mutex), and the ideal schedule's speedup (and 90% of it) as
 * lines. Drawn with XChart, headless.
 *
 * <pre>{@code
 * SeedChart.draw(Result.load(json), Path.of("benchmarks/seed-speedups.png"), false);
 * }</pre>
 */
public final class SeedChart {
    private static final int PANEL_WIDTH = 640;
    private static final int PANEL_HEIGHT = 480;
    private static final int HEADER = 56;

    private SeedChart() {
    }

    /** Draws the chart into {@code png}; false (and no file) when no seed results are present. */
    public static boolean draw(List<Result> results, Path png, boolean smoke) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<BufferedImage> panels = new ArrayList<>();
        for (Scenario scenario : Scenario.values()) {
            CategoryChart chart = panel(results, scenario);
            if (chart != null) {
                panels.add(BitmapEncoder.getBufferedImage(chart));
            }
        }
        if (panels.isEmpty()) {
            return false;
        }
        BufferedImage image = new BufferedImage(PANEL_WIDTH * panels.size(), PANEL_HEIGHT + HEADER,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString("Seed scenarios: speedup over an exclusive lock (threads: ReentrantLock, coroutines: "
                + "kotlinx Mutex) vs the ideal schedule", 16, 24);
        g.setFont(new Font(Font.SANS_SERIF, smoke ? Font.BOLD : Font.PLAIN, 14));
        if (smoke) {
            g.setColor(new Color(0xB0, 0x00, 0x00));
        }
        g.drawString(smoke ? "SMOKE RUN: one tiny iteration on a busy machine, not a measurement"
                : "10 iterations per worker, 1 ms hold; higher is better", 16, 46);
        for (int i = 0; i < panels.size(); i++) {
            g.drawImage(panels.get(i), i * PANEL_WIDTH, HEADER, null);
        }
        g.dispose();
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        ImageIO.write(image, "png", png.toFile());
        return true;
    }

    private static CategoryChart panel(List<Result> results, Scenario scenario) {
        List<String> categories = new ArrayList<>();
        for (String policy : List.of("WRITER_PREFERRING", "READER_PREFERRING", "FAIR", "EXCLUSIVE")) {
            if (speedup(results, "SeedScenarioBench", "ours", policy, "reentrantLock", scenario) != null
                    || speedup(results, "CoroutineSeedScenarioBench", "ours", policy, "mutex", scenario) != null) {
                categories.add(policy);
            }
        }
        boolean rrwl = speedup(results, "SeedScenarioBench", "rrwl", null, "reentrantLock", scenario) != null;
        if (rrwl) {
            categories.add("RRWL (JDK)");
        }
        if (categories.isEmpty()) {
            return null;
        }
        List<Double> threads = new ArrayList<>();
        List<Double> coroutines = new ArrayList<>();
        List<Double> ideal = new ArrayList<>();
        List<Double> ninety = new ArrayList<>();
        for (String category : categories) {
            boolean isRrwl = category.startsWith("RRWL");
            threads.add(isRrwl ? speedup(results, "SeedScenarioBench", "rrwl", null, "reentrantLock", scenario)
                    : speedup(results, "SeedScenarioBench", "ours", category, "reentrantLock", scenario));
            coroutines.add(isRrwl ? null
                    : speedup(results, "CoroutineSeedScenarioBench", "ours", category, "mutex", scenario));
            ideal.add(scenario.idealSpeedup());
            ninety.add(0.9 * scenario.idealSpeedup());
        }
        List<String> shortNames = new ArrayList<>();
        for (String category : categories) {
            shortNames.add(category.replace("_PREFERRING", "_PREF"));
        }
        CategoryChart chart = new CategoryChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT)
                .title(String.format(Locale.ROOT, "%s: %d readers + %d writers (ideal %.2fx)", scenario.name(),
                        scenario.readers, scenario.writers, scenario.idealSpeedup()))
                .xAxisTitle("lock").yAxisTitle("speedup over the exclusive baseline (x)").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setYAxisMin(0.0);
        double max = scenario.idealSpeedup();
        for (List<Double> list : List.of(threads, coroutines)) {
            for (Double d : list) {
                if (d != null) {
                    max = Math.max(max, d);
                }
            }
        }
        chart.getStyler().setYAxisMax(max * 1.25);
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setDecimalPattern("0.0#");
        chart.getStyler().setXAxisLabelRotation(0);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        chart.getStyler().setSeriesColors(new Color[] {new Color(0x1f, 0x77, 0xb4), new Color(0xff, 0x7f, 0x0e),
                new Color(0x2c, 0xa0, 0x2c), new Color(0x7f, 0x7f, 0x7f)});
        chart.addSeries("threads", shortNames, threads);
        chart.addSeries("coroutines", shortNames, coroutines);
        CategorySeries idealSeries = chart.addSeries("ideal schedule", shortNames, ideal);
        idealSeries.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
        idealSeries.setLineWidth(2.5f);
        CategorySeries ninetySeries = chart.addSeries("90% of ideal", shortNames, ninety);
        ninetySeries.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
        ninetySeries.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[] {6f, 6f}, 0f));
        return chart;
    }

    /** Baseline time / lock time for one scenario, or null if either is missing. */
    static Double speedup(List<Result> results, String benchClass, String method, String policy,
                          String baselineMethod, Scenario scenario) {
        Result lock = null;
        Result baseline = null;
        for (Result r : results) {
            if (!r.benchClass.equals(benchClass) || !scenario.name().equals(r.params.get("scenario"))) {
                continue;
            }
            if (r.method.equals(method) && (policy == null || policy.equals(r.params.get("policy")))) {
                lock = r;
            }
            if (r.method.equals(baselineMethod)) {
                baseline = r;
            }
        }
        if (lock == null || baseline == null) {
            return null;
        }
        return baseline.nanosPerOp() / lock.nanosPerOp();
    }
}
