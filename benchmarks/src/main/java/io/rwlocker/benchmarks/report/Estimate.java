package io.rwlocker.benchmarks.report;

import io.rwlocker.benchmarks.Scenario;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.util.Optional;

/**
 * Estimates how long a JMH command line will run, before running it: the benchmarks it selects
 * (from the jar's {@code META-INF/BenchmarkList}), times their parameter combinations (command-line
 * {@code -p} overrides included), times forks x (JVM start + warmup + measurement). Timed modes
 * use the iteration times; single-shot benchmarks use a per-shot guess (the seed scenarios from
 * their lock and {@link Scenario}, else 1 s). {@code run.sh} prints it for each JMH invocation.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar io.rwlocker.benchmarks.report.Estimate -f 1 -wi 1 -i 2 '\.UncontendedBench\.'
 * }</pre>
 *
 * <p>Prints {@code <runs> <seconds>} on the first line, then a human-readable summary.
 */
public final class Estimate {
    /** JVM start-up and JMH set-up per fork, seconds (measured 1.6 s on 2 cores at load 16). */
    static final double FORK_OVERHEAD_SECONDS = 1.7;
    /** Sleep overshoot: one 1 ms hold takes about this long in practice. */
    static final double HOLD_SECONDS = 0.0011;

    private Estimate() {
    }

    /** Prints the estimate for the given JMH arguments. */
    public static void main(String[] args) throws Exception {
        CommandLineOptions options = new CommandLineOptions(args);
        SortedSet<BenchmarkListEntry> entries = BenchmarkList.defaultList().find(
                OutputFormatFactory.createFormatInstance(System.err, VerboseMode.SILENT),
                options.getIncludes().isEmpty() ? List.of(".*") : options.getIncludes(), options.getExcludes());
        int runs = 0;
        double seconds = 0;
        for (BenchmarkListEntry entry : entries) {
            for (Map<String, String> params : combinations(entry, options)) {
                int forks = pick(options.getForkCount(), entry.getForks(), 5);
                int warmups = pick(options.getWarmupIterations(), entry.getWarmupIterations(),
                        entry.getMode() == Mode.SingleShotTime ? 0 : 5);
                int measurements = pick(options.getMeasurementIterations(), entry.getMeasurementIterations(),
                        entry.getMode() == Mode.SingleShotTime ? 1 : 5);
                double perFork;
                if (entry.getMode() == Mode.SingleShotTime) {
                    perFork = (warmups + measurements) * shotSeconds(entry, params);
                } else {
                    double warmupTime = seconds(pickTime(options.getWarmupTime(), entry.getWarmupTime()));
                    double measurementTime = seconds(pickTime(options.getMeasurementTime(), entry.getMeasurementTime()));
                    perFork = warmups * warmupTime + measurements * measurementTime;
                }
                runs++;
                seconds += forks * (FORK_OVERHEAD_SECONDS + perFork);
            }
        }
        System.out.printf(Locale.ROOT, "%d %.0f%n", runs, seconds);
        System.out.printf(Locale.ROOT, "estimate: %d benchmark runs (benchmarks x parameters), about %.0f s (%.1f min)%n",
                runs, seconds, seconds / 60);
    }

    private static List<Map<String, String>> combinations(BenchmarkListEntry entry, CommandLineOptions options) {
        List<Map<String, String>> result = new ArrayList<>();
        result.add(Map.of());
        Optional<Map<String, String[]>> declared = entry.getParams();
        if (!declared.hasValue()) {
            return result;
        }
        for (Map.Entry<String, String[]> param : declared.get().entrySet()) {
            Optional<Collection<String>> override = options.getParameter(param.getKey());
            Collection<String> values = override.hasValue() ? override.get() : List.of(param.getValue());
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> partial : result) {
                for (String value : values) {
                    Map<String, String> grown = new java.util.HashMap<>(partial);
                    grown.put(param.getKey(), value);
                    next.add(grown);
                }
            }
            result = next;
        }
        return result;
    }

    /** A guess of one shot's length; the seed scenarios from their lock and scenario. */
    private static double shotSeconds(BenchmarkListEntry entry, Map<String, String> params) {
        String scenarioName = params.get("scenario");
        if (scenarioName == null) {
            return 1.0;
        }
        Scenario scenario = Scenario.valueOf(scenarioName);
        String method = entry.getUsername().substring(entry.getUsername().lastIndexOf('.') + 1);
        boolean exclusive = method.equals("reentrantLock") || method.equals("mutex")
                || "EXCLUSIVE".equals(params.get("policy"));
        // Exclusive locks serialize every hold; read-write locks get near the ideal (with slack).
        double units = exclusive ? scenario.exclusiveUnits() : 1.5 * scenario.idealUnits();
        return units * HOLD_SECONDS + 0.1;
    }

    private static int pick(Optional<Integer> command, Optional<Integer> annotation, int fallback) {
        return command.hasValue() ? command.get() : annotation.hasValue() ? annotation.get() : fallback;
    }

    private static TimeValue pickTime(Optional<TimeValue> command, Optional<TimeValue> annotation) {
        return command.hasValue() ? command.get() : annotation.hasValue() ? annotation.get() : TimeValue.seconds(10);
    }

    private static double seconds(TimeValue value) {
        return value.convertTo(java.util.concurrent.TimeUnit.NANOSECONDS) / 1e9;
    }
}
